import { list, located, string, token } from "../../grammar/cstReader.js";
import { Colon, keywords, Name } from "../../grammar/lexer.js";
/** The words this rule is written with. */
const K = keywords("group", "from");
export const groupRule = {
    summary: "a name for several logins, which `for` after a refusing rule may use",
    grammar: {
        verb: K.group,
        keywords: Object.values(K),
        productions: [
            {
                // group interns: carol, dave | group interns from FILE
                name: "groupRule",
                body: ($) => {
                    $.CONSUME(K.group);
                    $.CONSUME(Name, { LABEL: "name" });
                    $.OR([
                        {
                            ALT: () => {
                                $.CONSUME(Colon);
                                $.SUBRULE($.nameList, { LABEL: "members" });
                            },
                        },
                        {
                            ALT: () => {
                                $.CONSUME(K.from);
                                $.SUBRULE($.stringValue);
                            },
                        },
                    ]);
                },
            },
        ],
    },
    build: (c, base) => {
        const name = token(c, "name");
        const members = list(c, "members");
        const file = string(c);
        if (!name || (members.length === 0 && !file))
            return undefined;
        return { kind: "group", ...base, name: located(name), members, ...(file ? { file } : {}) };
    },
    kinds: {
        group: {
            name: (rule) => `group ${rule.name.value}`,
            key: (rule) => `group ${rule.name.value}`,
            check: (rule, context) => {
                const groups = (context.policy.groups ??= new Map());
                if (rule.file)
                    return void groups.set(rule.name.value, { value: [], rule: rule.span, file: rule.file });
                const seen = new Set();
                for (const member of rule.members) {
                    if (seen.has(member.value))
                        return context.report("duplicateValue", member.span, `\`${member.value}\` is already in group \`${rule.name.value}\``, { hint: "remove one" });
                    if (member.value.startsWith("@"))
                        return context.report("unknownValue", member.span, `a group lists logins, not \`${member.value}\``);
                    seen.add(member.value);
                }
                groups.set(rule.name.value, { value: [...seen], rule: rule.span });
            },
        },
    },
};
//# sourceMappingURL=group.js.map