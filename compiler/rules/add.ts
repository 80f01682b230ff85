// `add Date | Message-ID | From | Sender | Received [private]`: complete a message
// with the fields an MSA may add (RFC 6409 section 8; From: from the login, RFC 5322
// section 3.6 requires one); `private` keeps the client's address out of the trace
// field of authenticated submissions.
import type { Located, RuleBase, Span } from "../../grammar/ast.js";
import { located, spanOfToken, token } from "../../grammar/cstReader.js";
import { keywords, Name } from "../../grammar/lexer.js";
import { closestMatch } from "../../grammar/spelling.js";
import type { Lowering, RuleModule } from "./ruleModule.js";
import type { AddHeaderNode } from "../../graph/graph.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    add: Map<AddableField, Span>;
    receivedPrivate?: Span;
  }
}

/** The words this rule is written with. */
const K = keywords("add", "private");

/** In the order they are added: From before Sender (which it may make needless), the trace field last. */
export const ADDABLE_FIELDS = ["Date", "Message-ID", "From", "Sender", "Received"] as const;
export type AddableField = (typeof ADDABLE_FIELDS)[number];

export interface AddRule extends RuleBase {
  kind: "add";
  header: Located;
  private?: Span;
}

export const addRule: RuleModule<AddRule> = {
  summary: "a header field the MSA adds to a message: Date, Message-ID, From, Sender, Received",
  grammar: {
    verb: K.add,
    keywords: Object.values(K),
    productions: [
      {
        // add Date | add Message-ID | add From | add Sender | add Received
        name: "addRule",
        body: ($) => {
          $.CONSUME(K.add);
          $.CONSUME(Name);
          // add Received private: no client IP in the trace field of authenticated submissions.
          $.OPTION(() => $.CONSUME(K.private));
        },
      },
    ],
    nameLabels: { addRule: "a header name such as `Date`" },
  },
  build: (c, base) => {
    const header = token(c, "Name");
    const isPrivate = token(c, "KwPrivate");
    return header && { kind: "add", ...base, header: located(header), ...(isPrivate ? { private: spanOfToken(isPrivate) } : {}) };
  },
  kinds: {
    add: {
      name: (rule) => `add ${rule.header.value}`,
      key: (rule) => `add ${rule.header.value}`,
      check: (rule, context) => {
        if (rule.private) {
          if (rule.header.value !== "Received") return context.report("unknownValue", rule.private, `\`private\` applies only to \`add Received\``);
          context.policy.receivedPrivate = rule.private;
        }
        const field = ADDABLE_FIELDS.find((f) => f === rule.header.value);
        if (!field) {
          const sameIgnoringCase = ADDABLE_FIELDS.find((f) => f.toLowerCase() === rule.header.value.toLowerCase());
          const suggestion = sameIgnoringCase ?? closestMatch(rule.header.value, ADDABLE_FIELDS);
          return context.report("unknownHeader", rule.header.span, `unknown header \`${rule.header.value}\` in \`add\``, {
            hint: suggestion ? `did you mean \`${suggestion}\`?` : `\`add\` takes ${ADDABLE_FIELDS.map((f) => "`" + f + "`").join(", ")}`,
          });
        }
        context.policy.add.set(field, rule.span);
      },
    },
  },
  values: { addRule: { words: ADDABLE_FIELDS, kind: "header", detail: "header field the MSA adds (RFC 6409 section 8)" } },
};

/** `private` only for Received (the checker refuses it elsewhere). */
export function lowerAddHeader(field: AddableField, rule: Span, isPrivate: boolean, at: Lowering): AddHeaderNode {
  return { kind: "AddHeader", origin: at.origin(rule), field, ...(field === "Received" && isPrivate ? { private: true as const } : {}) };
}

export function printAdd(node: AddHeaderNode): string {
  return `add ${node.field}${node.private ? " private" : ""}`;
}
