// `listen PORT|ADDRESS:PORT starttls|tls|plain [proxy [from LIST]]`: a listener,
// its TLS mode (RFC 6409 section 3.1 for 587 with STARTTLS, RFC 8314 for 465
// with implicit TLS), and whether a load balancer's PROXY header comes first.
// `listen local "DIR"`: the drop folder through which `msac sendmail` submits for local users.
import { isIP } from "node:net";
import { list, located, spanOfToken, string, token } from "../../grammar/cstReader.js";
import { HostPort, keywords, NumberLiteral } from "../../grammar/lexer.js";
import { resolvePolicyPath } from "../checkFiles.js";
import { quote } from "./ruleModule.js";
/** The words this rule is written with. */
const K = keywords("listen", "from", "local", "plain", "proxy", "starttls", "tls");
export const listenRule = {
    summary: "a port (or address and port) to listen on, with its TLS mode",
    grammar: {
        verb: K.listen,
        keywords: Object.values(K),
        // listen 587 starttls | listen 127.0.0.1:2525 plain | listen local "/var/spool/msa/maildrop"
        productions: [
            {
                name: "listenRule",
                body: ($) => {
                    $.CONSUME(K.listen);
                    $.OR3([
                        {
                            ALT: () => {
                                $.CONSUME(K.local);
                                $.SUBRULE($.stringValue, { LABEL: "maildrop" });
                            },
                        },
                        {
                            ALT: () => {
                                $.OR([{ ALT: () => $.CONSUME(NumberLiteral) }, { ALT: () => $.CONSUME(HostPort) }]);
                                $.OR2([{ ALT: () => $.CONSUME(K.starttls) }, { ALT: () => $.CONSUME(K.tls) }, { ALT: () => $.CONSUME(K.plain) }]);
                                $.OPTION(() => {
                                    $.CONSUME(K.proxy);
                                    // proxy from 10.0.0.2, 10.0.0.3: only these peers may send the PROXY header
                                    $.OPTION2(() => {
                                        $.CONSUME(K.from);
                                        $.SUBRULE($.nameList, { LABEL: "proxies" });
                                    });
                                });
                            },
                        },
                    ]);
                },
            },
        ],
    },
    build: (c, base) => {
        if (token(c, "KwLocal")) {
            const dir = string(c, "maildrop");
            return dir && { kind: "listenLocal", ...base, dir };
        }
        const endpoint = token(c, "NumberLiteral") ?? token(c, "HostPort");
        const mode = token(c, "KwStarttls") ?? token(c, "KwTls") ?? token(c, "KwPlain");
        if (!endpoint || !mode)
            return undefined;
        const proxy = token(c, "KwProxy");
        const proxies = list(c, "proxies");
        return {
            kind: "listen",
            ...base,
            endpoint: located(endpoint),
            mode: located(mode),
            ...(proxy ? { proxy: spanOfToken(proxy) } : {}),
            ...(proxies.length > 0 ? { proxies } : {}),
        };
    },
    kinds: {
        listen: {
            name: "listen",
            check: (rule, context) => {
                const text = rule.endpoint.value;
                const colon = text.lastIndexOf(":");
                const hostText = colon >= 0 ? text.slice(0, colon) : null;
                const port = Number(colon >= 0 ? text.slice(colon + 1) : text);
                if (!Number.isInteger(port) || port < 1 || port > 65535) {
                    return context.report("invalidPort", rule.endpoint.span, `port \`${colon >= 0 ? text.slice(colon + 1) : text}\` is out of range`, {
                        hint: "a port is a number from 1 to 65535",
                    });
                }
                let host = null;
                if (hostText !== null && hostText !== "*") {
                    host = hostText.startsWith("[") ? hostText.slice(1, -1) : hostText;
                    if (host !== "localhost" && isIP(host) === 0) {
                        return context.report("invalidListenAddress", rule.endpoint.span, `\`${hostText}\` is not an IP address`);
                    }
                }
                const clash = context.policy.listeners.find((l) => l.port === port && (l.host === host || l.host === null || host === null));
                if (clash) {
                    return context.report("duplicateListener", rule.endpoint.span, `port ${port} is already used by another listener`, {
                        related: context.related(clash.rule, "the other listener is here"),
                    });
                }
                for (const proxy of rule.proxies ?? []) {
                    if (isIP(proxy.value.replace(/^\[(.*)\]$/, "$1")) === 0)
                        return context.report("invalidListenAddress", proxy.span, `\`${proxy.value}\` is not an IP address`, { hint: "list the load balancers' addresses" });
                }
                const proxies = rule.proxies?.map((p) => p.value.replace(/^\[(.*)\]$/, "$1"));
                context.policy.listeners.push({ host, port, mode: rule.mode.value, proxy: !!rule.proxy, ...(proxies ? { proxies } : {}), rule: rule.span });
            },
        },
        listenLocal: {
            name: "listen local",
            once: true,
            check: (rule, context) => {
                context.policy.localSubmission = { dir: rule.dir, rule: rule.span };
            },
        },
    },
    graph: (policy, at) => policy.localSubmission ? { localSubmission: { dir: resolvePolicyPath(at.file, policy.localSubmission.dir.value), origin: at.origin(policy.localSubmission.rule) } } : {},
    printGraph: (graph) => (graph.localSubmission ? [{ text: `listen local ${quote(graph.localSubmission.dir)}`, origin: graph.localSubmission.origin }] : []),
};
export function lowerListener(listener, at) {
    return {
        host: listener.host,
        port: listener.port,
        mode: listener.mode,
        ...(listener.proxy ? { proxy: true } : {}),
        ...(listener.proxies ? { proxies: listener.proxies } : {}),
        origin: at.origin(listener.rule),
    };
}
/** Without a `listen` rule: the two submission ports. */
export function defaultListeners(at) {
    return [
        { host: null, port: 587, mode: "starttls", origin: at.builtin("listen 587 starttls (RFC 6409)") },
        { host: null, port: 465, mode: "tls", origin: at.builtin("listen 465 tls (RFC 8314)") },
    ];
}
/** An IPv6 address in brackets, as the policy must write it (bare, its colons would not read as one word). */
function bracketed(host) {
    return host.includes(":") ? `[${host}]` : host;
}
export function printListener(listener) {
    const host = listener.host ? `${bracketed(listener.host)}:` : "";
    const proxies = listener.proxies ? ` from ${listener.proxies.map(bracketed).join(", ")}` : "";
    return `listen ${host}${listener.port} ${listener.mode}${listener.proxy ? ` proxy${proxies}` : ""}`;
}
//# sourceMappingURL=listen.js.map