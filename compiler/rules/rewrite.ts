// `rewrite senders "FILE"`: the envelope sender and the sender fields of the header rewritten by
// a table of `OLD NEW` lines (Postfix's sender_canonical_maps), after submission rights judged
// what the client sent. The file's lines are checked by checkFiles.ts, with the server's parser.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { located, string, token } from "../../grammar/cstReader.js";
import { keywords, Name } from "../../grammar/lexer.js";
import { type Printing, quote, type RuleModule } from "./ruleModule.js";
import type { RewriteSendersNode } from "../../graph/graph.js";
import { resolvePolicyPath } from "../checkFiles.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    /** The sender canonical file, as written. */
    rewriteSenders?: From<Located>;
  }
}

/** The words this rule is written with. */
const K = keywords("rewrite");

export interface RewriteRule extends RuleBase {
  kind: "rewrite";
  /** What is rewritten: `senders` (the one table there is). */
  what: Located;
  file: Located;
}

export const rewriteRule: RuleModule<RewriteRule> = {
  summary: "sender addresses rewritten by a table of `OLD NEW` lines (sender canonical mapping)",
  grammar: {
    verb: K.rewrite,
    keywords: Object.values(K),
    productions: [
      {
        // rewrite senders "sender_canonical"
        name: "rewriteRule",
        body: ($) => {
          $.CONSUME(K.rewrite);
          $.CONSUME(Name, { LABEL: "what" });
          $.SUBRULE($.stringValue);
        },
      },
    ],
  },
  values: { rewriteRule: { words: ["senders"], kind: "value", detail: "what the table rewrites" } },
  build: (c, base) => {
    const what = token(c, "what");
    const file = string(c);
    return what && file && { kind: "rewrite", ...base, what: located(what), file };
  },
  kinds: {
    rewrite: {
      name: "rewrite senders",
      once: true,
      check: (rule, context) => {
        if (rule.what.value !== "senders") return context.unknown(rule.what, "`rewrite`", ["senders"]);
        context.policy.rewriteSenders = { value: rule.file, rule: rule.span };
      },
    },
  },
  stages: (policy, at) => {
    const rewrite = policy.rewriteSenders;
    if (!rewrite) return {};
    const node: RewriteSendersNode = { kind: "RewriteSenders", origin: at.origin(rewrite.rule), file: resolvePolicyPath(at.file, rewrite.value.value) };
    // The same node in both stages: one rule, one table, the envelope and the header alike.
    return { mail: [node], message: [node] };
  },
  printers: { RewriteSenders: printRewriteSenders },
};

export function printRewriteSenders(node: RewriteSendersNode, at: Printing): string {
  return `rewrite senders ${quote(at.path(node.file))}`;
}
