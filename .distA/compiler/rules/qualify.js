import { located, tokens } from "../../grammar/cstReader.js";
import { keywords, Name } from "../../grammar/lexer.js";
import { domainProblem, isFullyQualified, toALabels } from "../../formats/domainName.js";
/** The words this rule is written with. */
const K = keywords("qualify", "domains");
export const qualifyRule = {
    summary: "the local domains; the first completes unqualified addresses",
    grammar: {
        verb: K.qualify,
        keywords: Object.values(K),
        // qualify domains example.test [more.example ...]
        productions: [
            {
                name: "qualifyRule",
                body: ($) => {
                    $.CONSUME(K.qualify);
                    $.CONSUME(K.domains);
                    $.AT_LEAST_ONE(() => $.CONSUME(Name));
                },
            },
        ],
        nameLabels: { qualifyRule: "a domain such as `example.com`" },
    },
    build: (c, base) => {
        const domains = tokens(c, "Name").map(located);
        return domains.length > 0 ? { kind: "qualify", ...base, domains } : undefined;
    },
    kinds: {
        qualify: {
            name: "qualify domains",
            once: true,
            check: (rule, context) => {
                const domains = [];
                // A set beside the list keeps the duplicate test constant-time for a list of any length.
                const seen = new Set();
                for (const domain of rule.domains) {
                    const problem = domainProblem(domain.value);
                    if (problem) {
                        context.report("invalidDomain", domain.span, problem);
                        continue;
                    }
                    const ascii = toALabels(domain.value);
                    if (seen.has(ascii)) {
                        context.report("duplicateValue", domain.span, `domain \`${domain.value}\` is listed twice`, {
                            hint: "remove it; it changes nothing",
                            ...context.deleteWords(domain.span, `remove the second \`${domain.value}\``),
                        });
                        continue;
                    }
                    if (!isFullyQualified(ascii)) {
                        context.report("invalidDomain", domain.span, `\`${domain.value}\` is not fully qualified, so addresses qualified with it would not be either`, {
                            hint: "use a domain with a dot, such as `example.com`",
                        });
                        continue;
                    }
                    seen.add(ascii);
                    domains.push(ascii);
                }
                if (domains.length > 0)
                    context.policy.qualify = { value: domains, rule: rule.span };
            },
        },
    },
    stages: (policy, at) => {
        if (!policy.qualify || at.site.qualifyDomain === null)
            return {};
        const envelope = lowerQualifyEnvelope(policy.qualify, at);
        return { mail: [envelope], rcpt: [envelope], message: [lowerQualifyHeaders(envelope)] };
    },
};
/** The address header fields qualified by `qualify domains` (RFC 5322 section 3.6.2, 3.6.3, 3.6.6). */
export const ADDRESS_FIELDS = ["From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc"];
/** Envelope addresses are completed with the first domain. */
function lowerQualifyEnvelope(qualify, at) {
    return { kind: "QualifyEnvelope", origin: at.origin(qualify.rule), domain: qualify.value[0] };
}
/** The same rule, for the address fields of the header. */
function lowerQualifyHeaders(envelope) {
    return { kind: "QualifyHeaders", origin: envelope.origin, domain: envelope.domain, fields: ADDRESS_FIELDS };
}
/** `others`: the local domains after the first. */
export function printQualify(node, others) {
    return `qualify domains ${[node.domain, ...others].join(" ")}`;
}
//# sourceMappingURL=qualify.js.map