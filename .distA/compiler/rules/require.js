// `require tls`, `require auth` and `require helo`: no AUTH or MAIL before TLS
// (RFC 3207 section 4), no transaction without authentication (RFC 6409 section
// 4.3), no transaction from a client that greets with one of our names or with an
// address literal that is not its own (RFC 5321 section 4.1.4).
import { lowerPostmaster, lowerTrustedNetworks } from "./allow.js";
import { located, token } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import { observed, replied, observeOf, present } from "./ruleModule.js";
import { Replies } from "../../graph/replies.js";
/** The words this rule is written with. */
const K = keywords("require", "auth", "tls", "helo");
export const requireRule = {
    summary: "what a session needs before a transaction: TLS, authentication, a greeting that is the client's own",
    grammar: {
        verb: K.require,
        keywords: Object.values(K),
        // require tls | require auth | require helo
        productions: [
            {
                name: "requireRule",
                body: ($) => {
                    $.CONSUME(K.require);
                    $.OR([{ ALT: () => $.CONSUME(K.tls) }, { ALT: () => $.CONSUME(K.auth) }, { ALT: () => $.CONSUME(K.helo) }]);
                },
            },
        ],
    },
    build: (c, base) => {
        const what = token(c, "KwTls") ?? token(c, "KwAuth") ?? token(c, "KwHelo");
        return what && { kind: "require", ...base, what: located(what) };
    },
    printers: { RequireHelo: (node) => printRequire(node) },
    stages: (policy, at) => {
        const tls = policy.requireTls && lowerRequireTls(policy.requireTls, at);
        const helo = policy.requireHelo && lowerRequireHelo(policy.requireHelo, at, at.site.localDomains);
        const postmaster = policy.allowPostmaster ? lowerPostmaster(policy.allowPostmaster, at.site.localDomains, at) : null;
        const trusted = policy.trustedNetworks ? lowerTrustedNetworks(policy.trustedNetworks, at) : undefined;
        const auth = policy.requireAuth && lowerRequireAuth(policy.requireAuth, at, postmaster, trusted);
        return { auth: present(tls), mail: present(tls, helo, auth), rcpt: present(auth) };
    },
    kinds: {
        require: {
            name: (rule) => `require ${rule.what.value}`,
            key: (rule) => `require ${rule.what.value}`,
            beforeLogin: (rule) => rule.what.value !== "helo",
            refuses: (rule) => (rule.what.value === "helo" ? Replies.heloRefused : rule.what.value === "tls" ? Replies.tlsRequired : Replies.authRequired),
            check: (rule, context, observe) => {
                if (rule.what.value === "tls")
                    context.policy.requireTls = { rule: rule.span, ...observe };
                else if (rule.what.value === "helo")
                    context.policy.requireHelo = { rule: rule.span, ...observe };
                else
                    context.policy.requireAuth = { rule: rule.span, ...observe };
            },
        },
    },
};
function lowerRequireTls(checked, at) {
    return { kind: "RequireTls", origin: at.origin(checked.rule), ...observeOf(checked) };
}
/** `postmaster`: what `allow postmaster` lets through without authentication. */
function lowerRequireAuth(checked, at, postmaster, trusted) {
    return { kind: "RequireAuth", origin: at.origin(checked.rule), ...observeOf(checked), postmaster, ...(trusted ? { trusted } : {}) };
}
/** `ours`: the names a client must not greet with, lowercase (the hostname and the local domains). */
function lowerRequireHelo(checked, at, ours) {
    return { kind: "RequireHelo", origin: at.origin(checked.rule), ...observeOf(checked), ours };
}
export function printRequire(node) {
    return `${observed(node)}require ${node.kind === "RequireTls" ? "tls" : node.kind === "RequireHelo" ? "helo" : "auth"}${replied(node)}`;
}
//# sourceMappingURL=require.js.map