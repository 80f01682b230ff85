// `remove header NAME, ... [matching /RE/]`: header fields taken out of every message (Bcc,
// X-Originating-IP), with `matching` only those whose unfolded value matches (an RE2 pattern,
// compiler/pattern.ts); never the trace or the originator.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { list, located, token } from "../../grammar/cstReader.js";
import { keywords, Regex } from "../../grammar/lexer.js";
import type { Lowering, RuleModule } from "./ruleModule.js";
import type { RegexPattern, RemoveHeadersNode } from "../../graph/graph.js";
import type { CheckedPolicy } from "../checkedPolicy.js";
import { checkPattern, printPattern } from "../pattern.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    removeHeaders: (From<string[]> & { matching?: RegexPattern })[];
  }
}

/** The words this rule is written with. */
const K = keywords("remove", "header", "matching");

/** Fields `remove header` must not take: the trace (RFC 5321 section 4.4) and the originator (RFC 5322 section 3.6). */
const REQUIRED_FIELDS = ["Received", "From"] as const;

export interface RemoveHeaderRule extends RuleBase {
  kind: "removeHeader";
  names: Located[];
  matching?: Located;
}

export const removeRule: RuleModule<RemoveHeaderRule> = {
  summary: "header fields removed from every message",
  grammar: {
    verb: K.remove,
    keywords: Object.values(K),
    productions: [
      {
        // remove header Bcc, X-Originating-IP | remove header X-Mailer matching /^Outlook/
        name: "removeRule",
        body: ($) => {
          $.CONSUME(K.remove);
          $.CONSUME(K.header);
          $.SUBRULE($.nameList);
          $.OPTION(() => {
            $.CONSUME(K.matching);
            $.CONSUME(Regex, { LABEL: "pattern" });
          });
        },
      },
    ],
  },
  build: (c, base) => {
    const names = list(c);
    const pattern = token(c, "pattern");
    if (names.length === 0 || (c.KwMatching && !pattern)) return undefined;
    return { kind: "removeHeader", ...base, names, ...(pattern ? { matching: located(pattern) } : {}) };
  },
  kinds: {
    removeHeader: {
      name: "remove header",
      check: (rule, context) => {
        const names = context.headerFieldNames(rule.names);
        for (const name of names) {
          const field = REQUIRED_FIELDS.find((f) => f.toLowerCase() === name.value.toLowerCase());
          if (field) {
            context.report(
              "removeRequiredField",
              name.span,
              `removing \`${name.value}\` ${field === "From" ? "leaves messages without the originator field every message must have" : "deletes the trace of where messages have been"}`,
              {
                hint:
                  field === "From"
                    ? "RFC 5322 section 3.6 requires `From`; remove the name from the rule"
                    : "RFC 5321 section 4.4 forbids deleting `Received` fields; use `add Received private` to hide the client's address",
              },
            );
          }
        }
        const matching = rule.matching && checkPattern(rule.matching, context);
        if (names.length !== rule.names.length || (rule.matching && !matching)) return;
        context.policy.removeHeaders.push({
          value: names.map((n) => n.value),
          rule: rule.span,
          ...(matching ? { matching: { source: matching.source, flags: matching.flags } } : {}),
        });
      },
    },
  },
  stages: (policy, at) => ({ message: policy.removeHeaders.map((removal) => lowerRemoveHeaders(removal, at)) }),
};

function lowerRemoveHeaders(removal: CheckedPolicy["removeHeaders"][number], at: Lowering): RemoveHeadersNode {
  return { kind: "RemoveHeaders", origin: at.origin(removal.rule), names: removal.value, ...(removal.matching ? { matching: removal.matching } : {}) };
}

export function printRemove(node: RemoveHeadersNode): string {
  return `remove header ${node.names.join(", ")}${node.matching ? ` matching ${printPattern(node.matching)}` : ""}`;
}
