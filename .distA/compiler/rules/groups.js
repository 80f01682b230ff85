import { string } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
/** The words this rule is written with. */
const K = keywords("groups", "from");
export const groupsRule = {
    summary: "a group for each file of a folder, named as the file, which `for` may use",
    grammar: {
        verb: K.groups,
        keywords: Object.values(K),
        productions: [
            {
                // groups from FOLDER
                name: "groupsRule",
                body: ($) => {
                    $.CONSUME(K.groups);
                    $.CONSUME(K.from);
                    $.SUBRULE($.stringValue);
                },
            },
        ],
    },
    build: (c, base) => {
        const folder = string(c);
        return folder && { kind: "groups", ...base, folder };
    },
    kinds: {
        groups: {
            name: "groups from",
            once: true,
            check: (rule, context) => {
                context.policy.groupFolder = { value: rule.folder, rule: rule.span };
            },
        },
    },
};
//# sourceMappingURL=groups.js.map