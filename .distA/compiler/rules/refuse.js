import { list, located, onlyToken, part, token } from "../../grammar/cstReader.js";
import { keywords, Regex } from "../../grammar/lexer.js";
import { Replies } from "../../graph/replies.js";
import { checkPattern, printPattern } from "../pattern.js";
import { formatSize, parseSize } from "../size.js";
import { observed, observeOf, replied } from "./ruleModule.js";
/** The words this rule is written with. */
const K = keywords("refuse", "header", "body", "matching", "in", "first");
/** How much of the body `refuse body matching` reads when the rule does not say (Postfix reads 50KB, `body_checks_size_limit`). */
export const DEFAULT_BODY_BYTES = 64_000;
/** The most of a body a check may read: the text is held as one string while it is matched. */
const MAX_BODY_BYTES = 10_000_000;
export const refuseRule = {
    summary: "messages carrying any of these header fields, or a header or body matching a pattern, are refused",
    grammar: {
        verb: K.refuse,
        keywords: Object.values(K),
        productions: [
            {
                // refuse header X-Classification, Return-Path | refuse header Subject matching /^\[SPAM\]/i
                // | refuse body matching /casino/i in first 16KB
                name: "refuseRule",
                body: ($) => {
                    $.CONSUME(K.refuse);
                    $.OR([
                        {
                            ALT: () => {
                                $.CONSUME(K.header);
                                $.SUBRULE($.nameList);
                                $.OPTION(() => {
                                    $.CONSUME(K.matching);
                                    $.CONSUME(Regex, { LABEL: "pattern" });
                                });
                            },
                        },
                        {
                            ALT: () => {
                                $.CONSUME(K.body);
                                $.CONSUME2(K.matching);
                                $.CONSUME2(Regex, { LABEL: "pattern" });
                                $.OPTION2(() => {
                                    $.CONSUME(K.in);
                                    $.CONSUME(K.first);
                                    $.SUBRULE($.production("sizeValue"));
                                });
                            },
                        },
                    ]);
                },
            },
        ],
    },
    build: (c, base) => {
        const pattern = token(c, "pattern");
        if (c.KwBody) {
            const size = c.KwFirst ? onlyToken(part(c, "sizeValue")) : undefined;
            if (!pattern || (c.KwFirst && !size))
                return undefined;
            return { kind: "refuseBody", ...base, matching: located(pattern), ...(size ? { size: located(size) } : {}) };
        }
        const names = list(c);
        if (names.length === 0 || (c.KwMatching && !pattern))
            return undefined;
        return { kind: "refuseHeader", ...base, names, ...(pattern ? { matching: located(pattern) } : {}) };
    },
    kinds: {
        refuseHeader: {
            name: (rule) => (rule.matching ? "refuse header matching" : "refuse header"),
            refuses: Replies.headerRefused,
            check: (rule, context, observe) => {
                const names = context.headerFieldNames(rule.names);
                const matching = rule.matching && checkPattern(rule.matching, context);
                if (names.length !== rule.names.length || (rule.matching && !matching))
                    return;
                (context.policy.refuseHeaders ??= []).push({
                    value: names.map((n) => n.value),
                    rule: rule.span,
                    ...observe,
                    ...(matching ? { matching: { source: matching.source, flags: matching.flags } } : {}),
                });
            },
        },
        refuseBody: {
            name: "refuse body",
            refuses: Replies.headerRefused,
            check: (rule, context, observe) => {
                const matching = checkPattern(rule.matching, context);
                let bytes = DEFAULT_BODY_BYTES;
                if (rule.size) {
                    const size = parseSize(rule.size.value);
                    if (!size.ok)
                        return context.invalidSize(rule.size, size);
                    if (size.bytes === 0)
                        return context.report("notPositive", rule.size.span, "a body check on the first 0 bytes would read nothing", { hint: "remove `in first ...` to read the first 64KB" });
                    if (size.bytes > MAX_BODY_BYTES) {
                        return context.report("limitTooLarge", rule.size.span, `\`${rule.size.value}\` is more of the body than a check reads (${formatSize(MAX_BODY_BYTES)})`);
                    }
                    bytes = size.bytes;
                }
                if (matching)
                    (context.policy.refuseBodies ??= []).push({ value: { matching: { source: matching.source, flags: matching.flags }, bytes }, rule: rule.span, ...observe });
            },
        },
    },
    printers: {
        RefuseHeader: (node) => `${observed(node)}refuse header ${node.names.join(", ")}${node.matching ? ` matching ${printPattern(node.matching)}` : ""}${replied(node)}`,
        RefuseBody: (node) => `${observed(node)}refuse body matching ${printPattern(node.matching)}${node.bytes === DEFAULT_BODY_BYTES ? "" : ` in first ${formatSize(node.bytes)}`}${replied(node)}`,
    },
    stages: (policy, at) => ({
        message: [...(policy.refuseHeaders ?? []).map((refusal) => lowerRefuseHeader(refusal, at)), ...(policy.refuseBodies ?? []).map((refusal) => lowerRefuseBody(refusal, at))],
    }),
};
function lowerRefuseHeader(refusal, at) {
    return { kind: "RefuseHeader", origin: at.origin(refusal.rule), ...observeOf(refusal), names: refusal.value, ...(refusal.matching ? { matching: refusal.matching } : {}) };
}
function lowerRefuseBody(refusal, at) {
    return { kind: "RefuseBody", origin: at.origin(refusal.rule), ...observeOf(refusal), matching: refusal.value.matching, bytes: refusal.value.bytes };
}
//# sourceMappingURL=refuse.js.map