// `tls certificate "CERT" key "KEY"`, `tls ciphers "LIST"` and `tls protocols
// VERSION ...`: the server's certificate for STARTTLS (RFC 3207) and implicit TLS
// (RFC 8314), the OpenSSL cipher list for TLS 1.2, and the TLS versions offered.
import { createSecureContext } from "node:tls";
import { located, string, tokens } from "../../grammar/cstReader.js";
import { keywords, Name } from "../../grammar/lexer.js";
import { quote } from "./ruleModule.js";
import { TLS_PROTOCOLS } from "../../graph/graph.js";
import { resolvePolicyPath } from "../checkFiles.js";
/** The words this rule is written with. */
const K = keywords("tls", "certificate", "ciphers", "key", "protocols");
export const tlsRule = {
    summary: "the certificate and key for TLS, the OpenSSL cipher list, or the TLS versions offered",
    grammar: {
        verb: K.tls,
        keywords: Object.values(K),
        // tls certificate "cert.pem" key "key.pem" | tls ciphers "LIST" | tls protocols TLSv1.2 TLSv1.3
        productions: [
            {
                name: "tlsRule",
                body: ($) => {
                    $.CONSUME(K.tls);
                    $.OR([
                        {
                            ALT: () => {
                                $.CONSUME(K.certificate);
                                $.SUBRULE($.stringValue, { LABEL: "certificate" });
                                $.CONSUME(K.key);
                                $.SUBRULE2($.stringValue, { LABEL: "key" });
                            },
                        },
                        {
                            // tls ciphers "OpenSSL cipher list" (TLS 1.2; TLS 1.3 suites are OpenSSL's)
                            ALT: () => {
                                $.CONSUME(K.ciphers);
                                $.SUBRULE3($.stringValue, { LABEL: "ciphers" });
                            },
                        },
                        {
                            ALT: () => {
                                $.CONSUME(K.protocols);
                                $.AT_LEAST_ONE(() => $.CONSUME(Name, { LABEL: "versions" }));
                            },
                        },
                    ]);
                },
            },
        ],
    },
    build: (c, base) => {
        if (c.KwProtocols) {
            const versions = tokens(c, "versions").map(located);
            return versions.length > 0 ? { kind: "tlsProtocols", ...base, versions } : undefined;
        }
        if (c.KwCiphers) {
            const ciphers = string(c, "ciphers");
            return ciphers && { kind: "tlsCiphers", ...base, ciphers };
        }
        const certificate = string(c, "certificate");
        const key = string(c, "key");
        return certificate && key && { kind: "tls", ...base, certificate, key };
    },
    kinds: {
        tls: {
            name: "tls certificate",
            // Several certificates: the first is the default, the others are chosen by the name the client asks for.
            key: (rule) => `tls certificate ${rule.certificate.value}`,
            check: (rule, context) => {
                const value = { value: { certificate: rule.certificate, key: rule.key }, rule: rule.span };
                if (!context.policy.tls)
                    context.policy.tls = value;
                else
                    (context.policy.sniCertificates ??= []).push(value);
            },
        },
        tlsCiphers: {
            name: "tls ciphers",
            once: true,
            check: (rule, context) => {
                // OpenSSL judges the list: a list it cannot use would fail every handshake.
                try {
                    createSecureContext({ ciphers: rule.ciphers.value });
                }
                catch (error) {
                    return context.report("unknownValue", rule.ciphers.span, `OpenSSL cannot use the cipher list \`${rule.ciphers.value}\``, { hint: error.message });
                }
                context.policy.tlsCiphers = { value: rule.ciphers.value, rule: rule.span };
            },
        },
        tlsProtocols: {
            name: "tls protocols",
            once: true,
            check: (rule, context) => {
                const versions = [];
                for (const version of rule.versions) {
                    const known = TLS_PROTOCOLS.find((p) => p.toLowerCase() === version.value.toLowerCase());
                    if (known) {
                        if (!versions.includes(known))
                            versions.push(known);
                    }
                    else if (RETIRED.test(version.value)) {
                        // With a version msa offers left in the list, the retired one simply goes.
                        const others = rule.versions.some((v) => !RETIRED.test(v.value));
                        context.report("unknownValue", version.span, `\`${version.value}\` is not offered: RFC 8996 retires TLS 1.0 and 1.1`, {
                            hint: others ? `remove \`${version.value}\`` : "write `TLSv1.2`, `TLSv1.3` or both",
                            ...(others ? context.deleteWords(version.span, `remove \`${version.value}\``) : {}),
                        });
                    }
                    else
                        context.unknown(version, "`tls protocols`", TLS_PROTOCOLS);
                }
                if (versions.length === rule.versions.length)
                    context.policy.tlsProtocols = { value: versions, rule: rule.span };
            },
        },
    },
};
/** Protocol versions RFC 8996 retires (and SSL before them). */
const RETIRED = /^(tlsv1(\.[01])?|sslv[23])$/i;
export function lowerTls(tls, at) {
    return { certificate: resolvePolicyPath(at.file, tls.value.certificate.value), key: resolvePolicyPath(at.file, tls.value.key.value), origin: at.origin(tls.rule) };
}
export function printTls(tls, at) {
    return `tls certificate ${quote(at.path(tls.certificate))} key ${quote(at.path(tls.key))}`;
}
export function printTlsProtocols(versions) {
    return `tls protocols ${versions.join(" ")}`;
}
export function printTlsCiphers(ciphers) {
    return `tls ciphers ${quote(ciphers)}`;
}
//# sourceMappingURL=tls.js.map