import { located, string, token } from "../../grammar/cstReader.js";
import { keywords, Name } from "../../grammar/lexer.js";
import { quote } from "./ruleModule.js";
import { resolvePolicyPath } from "../checkFiles.js";
/** The words this rule is written with. */
const K = keywords("rewrite");
export const rewriteRule = {
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
                if (rule.what.value !== "senders")
                    return context.unknown(rule.what, "`rewrite`", ["senders"]);
                context.policy.rewriteSenders = { value: rule.file, rule: rule.span };
            },
        },
    },
    stages: (policy, at) => {
        const rewrite = policy.rewriteSenders;
        if (!rewrite)
            return {};
        const node = { kind: "RewriteSenders", origin: at.origin(rewrite.rule), file: resolvePolicyPath(at.file, rewrite.value.value) };
        // The same node in both stages: one rule, one table, the envelope and the header alike.
        return { mail: [node], message: [node] };
    },
    printers: { RewriteSenders: printRewriteSenders },
};
export function printRewriteSenders(node, at) {
    return `rewrite senders ${quote(at.path(node.file))}`;
}
//# sourceMappingURL=rewrite.js.map