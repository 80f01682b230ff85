// `aliases "FILE"`: recipient aliases expanded at RCPT, in the format of
// aliases(5).
import type { Located, RuleBase } from "../../grammar/ast.js";
import { string } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import { type Lowering, type Printing, quote, type RuleModule } from "./ruleModule.js";
import type { RuleGraph } from "../../graph/graph.js";
import { resolvePolicyPath } from "../checkFiles.js";
import type { CheckedPolicy } from "../checkedPolicy.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    aliases?: From<Located>;
  }
}

/** The words this rule is written with. */
const K = keywords("aliases");

export interface AliasesRule extends RuleBase {
  kind: "aliases";
  path: Located;
}

export const aliasesRule: RuleModule<AliasesRule> = {
  summary: "the aliases file recipients are expanded with",
  grammar: {
    verb: K.aliases,
    keywords: Object.values(K),
    productions: [
      {
        // aliases "aliases"
        name: "aliasesRule",
        body: ($) => {
          $.CONSUME(K.aliases);
          $.SUBRULE($.stringValue);
        },
      },
    ],
  },
  build: (c, base) => {
    const path = string(c);
    return path && { kind: "aliases", ...base, path };
  },
  kinds: {
    aliases: {
      name: "aliases",
      once: true,
      check: (rule, context) => {
        context.policy.aliases = { value: rule.path, rule: rule.span };
      },
    },
  },
};

export function lowerAliases(aliases: NonNullable<CheckedPolicy["aliases"]>, at: Lowering): NonNullable<RuleGraph["aliases"]> {
  return { path: resolvePolicyPath(at.file, aliases.value.value), origin: at.origin(aliases.rule) };
}

export function printAliases(aliases: NonNullable<RuleGraph["aliases"]>, at: Printing): string {
  return `aliases ${quote(at.path(aliases.path))}`;
}
