import { list, located, string, token } from "../../grammar/cstReader.js";
import { keywords, Regex } from "../../grammar/lexer.js";
import { checkPattern, checkReplacement, printPattern } from "../pattern.js";
import { quote } from "./ruleModule.js";
/** The words this rule is written with. */
const K = keywords("replace", "header", "matching", "with");
export const replaceRule = {
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
                if (names.length !== rule.names.length || !matching || !value)
                    return;
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
function lowerReplaceHeader(replacement, at) {
    return { kind: "ReplaceHeader", origin: at.origin(replacement.rule), ...replacement.value };
}
//# sourceMappingURL=replace.js.map