// `replace header NAME, ... matching /RE/ with "VALUE"`: each field with one of these names whose
// unfolded value matches the pattern (RE2, compiler/pattern.ts) gets VALUE instead, with `$1`...
// filled from the match (Postfix's header_checks REPLACE, with groups). A field that does not
// match is passed on byte for byte.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { list, located, string, token } from "../../grammar/cstReader.js";
import { keywords, Regex } from "../../grammar/lexer.js";
import type { RegexPattern, ReplaceHeaderNode } from "../../graph/graph.js";
import type { CheckedPolicy } from "../checkedPolicy.js";
import { checkPattern, checkReplacement, printPattern } from "../pattern.js";
import { type Lowering, quote, type RuleModule } from "./ruleModule.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    replaceHeaders?: From<{ names: string[]; matching: RegexPattern; value: string }>[];
  }
}

/** The words this rule is written with. */
const K = keywords("replace", "header", "matching", "with");

export interface ReplaceHeaderRule extends RuleBase {
  kind: "replaceHeader";
  names: Located[];
  matching: Located;
  value: Located;
}

export const replaceRule: RuleModule<ReplaceHeaderRule> = {
  summary: "header field values matching a pattern, rewritten in every message",
  grammar: {
    verb: K.replace,
    keywords: Object.values(K),
    productions: [
      {
        // replace header Subject matching /^\[ext\] (.*)$/ with "$1"
        name: "replaceRule",
        body: ($) => {
          $.CONSUME(K.replace);
          $.CONSUME(K.header);
          $.SUBRULE($.nameList);
          $.CONSUME(K.matching);
          $.CONSUME(Regex, { LABEL: "pattern" });
          $.CONSUME(K.with);
          $.SUBRULE($.stringValue);
        },
      },
    ],
  },
  build: (c, base) => {
    const names = list(c);
    const pattern = token(c, "pattern");
    const value = string(c);
    return names.length > 0 && pattern && value ? { kind: "replaceHeader", ...base, names, matching: located(pattern), value } : undefined;
  },
  kinds: {
    replaceHeader: {
      name: "replace header",
      check: (rule, context) => {
        const names = context.headerFieldNames(rule.names);
        const matching = checkPattern(rule.matching, context);
        const value = matching && checkReplacement(rule.value, matching.groups, context);
        if (names.length !== rule.names.length || !matching || !value) return;
        (context.policy.replaceHeaders ??= []).push({
          value: { names: names.map((n) => n.value), matching: { source: matching.source, flags: matching.flags }, value: rule.value.value },
          rule: rule.span,
        });
      },
    },
  },
  printers: {
    ReplaceHeader: (node) => `replace header ${node.names.join(", ")} matching ${printPattern(node.matching)} with ${quote(node.value)}`,
  },
  stages: (policy, at) => ({ message: (policy.replaceHeaders ?? []).map((replacement) => lowerReplaceHeader(replacement, at)) }),
};

function lowerReplaceHeader(replacement: NonNullable<CheckedPolicy["replaceHeaders"]>[number], at: Lowering): ReplaceHeaderNode {
  return { kind: "ReplaceHeader", origin: at.origin(replacement.rule), ...replacement.value };
}
