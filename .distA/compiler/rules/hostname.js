import { located, token } from "../../grammar/cstReader.js";
import { keywords, Name } from "../../grammar/lexer.js";
import { domainProblem, isFullyQualified, toALabels } from "../../formats/domainName.js";
/** The words this rule is written with. */
const K = keywords("hostname");
export const hostnameRule = {
    summary: "the server's own fully qualified name, for its greeting, trace fields and Message-IDs",
    grammar: {
        verb: K.hostname,
        keywords: Object.values(K),
        // hostname msa.example.test
        productions: [
            {
                name: "hostnameRule",
                body: ($) => {
                    $.CONSUME(K.hostname);
                    $.CONSUME(Name);
                },
            },
        ],
        nameLabels: { hostnameRule: "a host name such as `msa.example.com`" },
    },
    build: (c, base) => {
        const name = token(c, "Name");
        return name && { kind: "hostname", ...base, name: located(name) };
    },
    kinds: {
        hostname: {
            name: "hostname",
            once: true,
            check: (rule, context) => {
                const problem = domainProblem(rule.name.value);
                if (problem)
                    return context.report("invalidDomain", rule.name.span, problem);
                if (!isFullyQualified(rule.name.value)) {
                    context.report("hostnameNotQualified", rule.name.span, `hostname \`${rule.name.value}\` is not fully qualified`, {
                        hint: "use a name with a dot, such as `msa.example.com`",
                    });
                }
                context.policy.hostname = { value: toALabels(rule.name.value), rule: rule.span };
            },
        },
    },
};
export function printHostname(hostname) {
    return `hostname ${hostname}`;
}
//# sourceMappingURL=hostname.js.map