import { list } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
/** The words this rule is written with. */
const K = keywords("copy", "to");
export const copyRule = {
    summary: "addresses every accepted message is also delivered to, in the envelope only (an archive)",
    grammar: {
        verb: K.copy,
        keywords: Object.values(K),
        productions: [
            {
                // copy to archive@example.com
                name: "copyRule",
                body: ($) => {
                    $.CONSUME(K.copy);
                    $.CONSUME(K.to);
                    $.SUBRULE($.nameList, { LABEL: "addresses" });
                },
            },
        ],
    },
    build: (c, base) => {
        const addresses = list(c, "addresses");
        return addresses.length > 0 ? { kind: "copy", ...base, addresses } : undefined;
    },
    kinds: {
        copy: {
            name: "copy to",
            once: true,
            check: (rule, context) => {
                const addresses = rule.addresses.map((a) => context.normalizePolicyAddress(a));
                if (addresses.every((a) => a !== undefined))
                    context.policy.copyTo = { value: [...new Set(addresses)], rule: rule.span };
            },
        },
    },
    graph: (policy, at) => (policy.copyTo ? { copyTo: { addresses: policy.copyTo.value, origin: at.origin(policy.copyTo.rule) } } : {}),
    printGraph: (graph) => (graph.copyTo ? [{ text: `copy to ${graph.copyTo.addresses.join(", ")}`, origin: graph.copyTo.origin }] : []),
};
//# sourceMappingURL=copy.js.map