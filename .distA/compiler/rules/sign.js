import { list, located, string, token } from "../../grammar/cstReader.js";
import { keywords, Name } from "../../grammar/lexer.js";
import { toALabels } from "../../formats/domainName.js";
import { quote } from "./ruleModule.js";
import { resolvePolicyPath } from "../checkFiles.js";
/** The words this rule is written with. */
const K = keywords("sign", "dkim", "headers", "key", "oversign", "selector");
export const signRule = {
    summary: "a DKIM signature with a domain, selector and key",
    grammar: {
        verb: K.sign,
        keywords: Object.values(K),
        productions: [
            {
                // sign dkim domain example.com selector s1 key "keys/s1.pem" [headers From, To] [oversign From]
                name: "signRule",
                body: ($) => {
                    $.CONSUME(K.sign);
                    $.CONSUME(K.dkim);
                    $.CONSUME(Name, { LABEL: "domainWord" });
                    $.CONSUME2(Name, { LABEL: "domain" });
                    $.CONSUME(K.selector);
                    $.CONSUME3(Name, { LABEL: "selector" });
                    $.CONSUME(K.key);
                    $.SUBRULE($.stringValue);
                    $.OPTION(() => {
                        $.CONSUME(K.headers);
                        $.SUBRULE($.nameList, { LABEL: "headers" });
                    });
                    $.OPTION2(() => {
                        $.CONSUME(K.oversign);
                        $.SUBRULE2($.nameList, { LABEL: "oversign" });
                    });
                },
            },
        ],
    },
    build: (c, base) => {
        const [domainWord, domain, selector] = [token(c, "domainWord"), token(c, "domain"), token(c, "selector")];
        const key = string(c);
        if (!domainWord || !domain || !selector || !key)
            return undefined;
        const headers = list(c, "headers");
        const oversign = c.KwOversign ? list(c, "oversign") : undefined;
        return { kind: "signDkim", ...base, domainWord: located(domainWord), domain: located(domain), selector: located(selector), key, headers, ...(oversign ? { oversign } : {}) };
    },
    kinds: {
        signDkim: {
            name: "sign dkim",
            check: (rule, context) => {
                if (rule.domainWord.value !== "domain") {
                    return context.report("syntaxError", rule.domainWord.span, `expected \`domain\`, found \`${rule.domainWord.value}\``, {
                        hint: 'write `sign dkim domain example.com selector s1 key "FILE"`',
                    });
                }
                const domain = context.domain(rule.domain.value);
                if (domain.problem !== undefined)
                    return context.report("invalidDomain", rule.domain.span, domain.problem);
                // RFC 6376 section 3.1: the selector is one or more dot-separated labels.
                if (toALabels(rule.selector.value) === undefined)
                    return context.report("invalidDomain", rule.selector.span, `selector \`${rule.selector.value}\` is not a valid DNS label`);
                context.policy.dkim.push({
                    value: {
                        domain: domain.ascii,
                        selector: rule.selector.value.toLowerCase(),
                        key: rule.key,
                        ...(rule.headers.length > 0 ? { headers: rule.headers.map((h) => h.value) } : {}),
                        ...(rule.oversign ? { oversign: rule.oversign.map((h) => h.value) } : {}),
                    },
                    rule: rule.span,
                });
            },
        },
    },
};
export function lowerDkim({ value, rule }, at) {
    return {
        domain: value.domain,
        selector: value.selector,
        keyPath: resolvePolicyPath(at.file, value.key.value),
        ...(value.headers ? { headers: value.headers } : {}),
        ...(value.oversign ? { oversign: value.oversign } : {}),
        origin: at.origin(rule),
    };
}
export function printDkim(d, at) {
    return `sign dkim domain ${d.domain} selector ${d.selector} key ${quote(at.path(d.keyPath))}${d.headers ? ` headers ${d.headers.join(", ")}` : ""}${d.oversign ? ` oversign ${d.oversign.join(", ")}` : ""}`;
}
//# sourceMappingURL=sign.js.map