import { list, located, token } from "../../grammar/cstReader.js";
import { keywords, Regex } from "../../grammar/lexer.js";
import { checkPattern, printPattern } from "../pattern.js";
/** The words this rule is written with. */
const K = keywords("remove", "header", "matching");
/** Fields `remove header` must not take: the trace (RFC 5321 section 4.4) and the originator (RFC 5322 section 3.6). */
const REQUIRED_FIELDS = ["Received", "From"];
export const removeRule = {
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
        if (names.length === 0 || (c.KwMatching && !pattern))
            return undefined;
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
                        context.report("removeRequiredField", name.span, `removing \`${name.value}\` ${field === "From" ? "leaves messages without the originator field every message must have" : "deletes the trace of where messages have been"}`, {
                            hint: field === "From"
                                ? "RFC 5322 section 3.6 requires `From`; remove the name from the rule"
                                : "RFC 5321 section 4.4 forbids deleting `Received` fields; use `add Received private` to hide the client's address",
                        });
                    }
                }
                const matching = rule.matching && checkPattern(rule.matching, context);
                if (names.length !== rule.names.length || (rule.matching && !matching))
                    return;
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
function lowerRemoveHeaders(removal, at) {
    return { kind: "RemoveHeaders", origin: at.origin(removal.rule), names: removal.value, ...(removal.matching ? { matching: removal.matching } : {}) };
}
export function printRemove(node) {
    return `remove header ${node.names.join(", ")}${node.matching ? ` matching ${printPattern(node.matching)}` : ""}`;
}
//# sourceMappingURL=remove.js.map