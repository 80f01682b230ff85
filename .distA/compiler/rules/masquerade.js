import { list, located, token } from "../../grammar/cstReader.js";
import { keywords, Name } from "../../grammar/lexer.js";
/** The words this rule is written with. */
const K = keywords("masquerade", "except", "in");
export const masqueradeRule = {
    summary: "sender host names hidden behind their domain",
    grammar: {
        verb: K.masquerade,
        keywords: Object.values(K),
        productions: [
            {
                // masquerade example.com [except mail.example.com] [in envelope | in headers]
                name: "masqueradeRule",
                body: ($) => {
                    $.CONSUME(K.masquerade);
                    $.SUBRULE($.nameList, { LABEL: "domains" });
                    $.OPTION(() => {
                        $.CONSUME(K.except);
                        $.SUBRULE2($.nameList, { LABEL: "exceptions" });
                    });
                    $.OPTION2(() => {
                        $.CONSUME(K.in);
                        $.CONSUME(Name, { LABEL: "scope" });
                    });
                },
            },
        ],
    },
    build: (c, base) => {
        const domains = list(c, "domains");
        const scope = token(c, "scope");
        return domains.length > 0 ? { kind: "masquerade", ...base, domains, exceptions: list(c, "exceptions"), ...(scope ? { scope: located(scope) } : {}) } : undefined;
    },
    kinds: {
        masquerade: {
            name: "masquerade",
            once: true,
            check: (rule, context) => {
                const ascii = (names) => names.map((d) => {
                    const domain = context.domain(d.value.replace(/^@/, ""));
                    if (domain.problem !== undefined) {
                        context.report("invalidDomain", d.span, domain.problem);
                        return undefined;
                    }
                    return domain.ascii;
                });
                const domains = ascii(rule.domains);
                const exceptions = ascii(rule.exceptions);
                if ([...domains, ...exceptions].includes(undefined))
                    return;
                let envelope = true;
                let headers = true;
                if (rule.scope) {
                    if (rule.scope.value === "envelope")
                        headers = false;
                    else if (rule.scope.value === "headers")
                        envelope = false;
                    else
                        return context.unknown(rule.scope, "`masquerade ... in`", ["envelope", "headers"]);
                }
                context.policy.masquerade = { value: { domains: domains, exceptions: exceptions, envelope, headers }, rule: rule.span };
            },
        },
    },
    stages: (policy, at) => {
        const masquerade = policy.masquerade;
        if (!masquerade)
            return {};
        const node = lowerMasquerade(masquerade, at);
        return { mail: masquerade.value.envelope ? [node] : [], message: masquerade.value.headers ? [node] : [] };
    },
};
function lowerMasquerade(masquerade, at) {
    return { kind: "Masquerade", origin: at.origin(masquerade.rule), domains: masquerade.value.domains, exceptions: masquerade.value.exceptions };
}
/** The node stands in the envelope stage, the message stage or both: that is the rule's `in`. */
export function printMasquerade(node, inEnvelope, inHeaders) {
    const except = node.exceptions.length ? ` except ${node.exceptions.join(", ")}` : "";
    return `masquerade ${node.domains.join(", ")}${except}${inEnvelope && inHeaders ? "" : inEnvelope ? " in envelope" : " in headers"}`;
}
//# sourceMappingURL=masquerade.js.map