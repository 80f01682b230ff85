import { string } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import { quote } from "./ruleModule.js";
import { resolvePolicyPath } from "../checkFiles.js";
/** The words this rule is written with. */
const K = keywords("aliases");
export const aliasesRule = {
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
export function lowerAliases(aliases, at) {
    return { path: resolvePolicyPath(at.file, aliases.value.value), origin: at.origin(aliases.rule) };
}
export function printAliases(aliases, at) {
    return `aliases ${quote(at.path(aliases.path))}`;
}
//# sourceMappingURL=aliases.js.map