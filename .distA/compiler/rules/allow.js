import { list, located, spanBetween, spanOfToken, token, tokens } from "../../grammar/cstReader.js";
import { BracketedAddress, Comma, keywords, Name, NetworkLiteral } from "../../grammar/lexer.js";
import { isNonPublicNetwork, parseNetwork } from "../../formats/network.js";
import { parseSenderGrant } from "../../formats/sendersFile.js";
/** The words this rule is written with. */
const K = keywords("allow", "as", "bare", "endings", "from", "line", "mismatch", "postmaster", "public", "sender", "unauthenticated");
export const allowRule = {
    summary: "a loosening of what is refused by default",
    grammar: {
        verb: K.allow,
        keywords: Object.values(K),
        // allow postmaster | allow unauthenticated | allow sender mismatch | allow bare line endings
        productions: [
            {
                name: "allowRule",
                body: ($) => {
                    $.CONSUME(K.allow);
                    $.OR([
                        { ALT: () => $.CONSUME(K.postmaster) },
                        {
                            // allow unauthenticated [from 10.1.0.0/16, public 203.0.114.7 as @printers.example.com]
                            ALT: () => {
                                $.CONSUME(K.unauthenticated);
                                $.OPTION(() => {
                                    $.CONSUME(K.from);
                                    $.AT_LEAST_ONE_SEP({
                                        SEP: Comma,
                                        DEF: () => {
                                            $.OPTION2(() => $.CONSUME(K.public));
                                            $.OR2([
                                                { ALT: () => $.CONSUME(NetworkLiteral, { LABEL: "network" }) },
                                                { ALT: () => $.CONSUME(BracketedAddress, { LABEL: "network" }) },
                                                { ALT: () => $.CONSUME(Name, { LABEL: "network" }) },
                                            ]);
                                        },
                                    });
                                    $.OPTION3(() => {
                                        $.CONSUME(K.as);
                                        $.SUBRULE($.nameList, { LABEL: "senders" });
                                    });
                                });
                            },
                        },
                        {
                            ALT: () => {
                                $.CONSUME(K.sender);
                                $.CONSUME(K.mismatch);
                            },
                        },
                        {
                            // allow bare line endings: a bare CR or LF in DATA becomes CRLF instead of a refusal
                            ALT: () => {
                                $.CONSUME(K.bare);
                                $.CONSUME(K.line);
                                $.CONSUME(K.endings);
                            },
                        },
                    ]);
                },
            },
        ],
    },
    build: (c, base) => {
        const endings = token(c, "KwEndings");
        if (endings)
            return { kind: "allow", ...base, what: { value: "bare line endings", span: spanBetween(token(c, "KwBare") ?? endings, endings) } };
        const mismatch = token(c, "KwMismatch");
        if (mismatch)
            return { kind: "allow", ...base, what: { value: "sender mismatch", span: spanBetween(token(c, "KwSender") ?? mismatch, mismatch) } };
        const what = token(c, "KwPostmaster") ?? token(c, "KwUnauthenticated");
        if (!what)
            return undefined;
        const rule = { kind: "allow", ...base, what: located(what) };
        if (!token(c, "KwFrom"))
            return rule;
        // `public` belongs to the network right after it.
        const publics = tokens(c, "KwPublic");
        const networks = tokens(c, "network")
            .sort((a, b) => a.startOffset - b.startOffset)
            .map((network, index, all) => {
            const previousEnd = index > 0 ? all[index - 1].startOffset : -1;
            const mark = publics.find((p) => p.startOffset < network.startOffset && p.startOffset > previousEnd);
            return { text: located(network), ...(mark ? { public: spanOfToken(mark) } : {}) };
        });
        return { ...rule, from: { networks, ...(token(c, "KwAs") ? { senders: list(c, "senders") } : {}) } };
    },
    kinds: {
        allow: {
            name: (rule) => (rule.from ? "allow unauthenticated from" : `allow ${rule.what.value}`),
            // Each `allow unauthenticated from` is its own rule: a site may trust several networks, each with its senders.
            key: (rule) => (rule.from ? `allow unauthenticated from ${rule.span.start}` : `allow ${rule.what.value}`),
            lifts: (rule) => (rule.what.value === "unauthenticated" && !rule.from ? "RequireAuth" : undefined),
            check: (rule, context) => {
                const p = context.policy;
                if (rule.from)
                    return checkTrustedNetworks(rule, rule.from, context);
                if (rule.what.value === "postmaster")
                    p.allowPostmaster = rule.span;
                else if (rule.what.value === "sender mismatch")
                    p.allowSenderMismatch = rule.span;
                else if (rule.what.value === "bare line endings")
                    p.allowBareLineEndings = rule.span;
                else
                    p.allowUnauthenticated = rule.span;
            },
        },
    },
};
/** `allow unauthenticated from NETWORKS as SENDERS`: every network a network, private unless marked `public`, and the senders said. */
function checkTrustedNetworks(rule, from, context) {
    const networks = [];
    for (const item of from.networks) {
        const network = parseNetwork(item.text.value);
        if ("problem" in network) {
            context.report("invalidNetwork", item.text.span, network.problem, network.hint ? { hint: network.hint } : {});
            continue;
        }
        if (!item.public && !isNonPublicNetwork(network)) {
            const everyone = network.prefix === 0;
            context.report("publicTrustedNetwork", item.text.span, everyone
                ? `\`${item.text.value}\` is every ${network.family === "ipv4" ? "IPv4" : "IPv6"} address: anyone on the internet could send mail through this server without a password`
                : `\`${item.text.value}\` is a public network: its clients would send mail through this server without a password`, {
                hint: "trust private, loopback, link-local or documentation networks; if this network is yours and meant, write `public` before it",
            });
            continue;
        }
        networks.push(network.cidr);
    }
    if (!from.senders) {
        context.report("trustedNetworkWithoutSenders", rule.span, "`allow unauthenticated from` does not say which senders those clients may use", {
            hint: "add `as @example.com` (a domain), `as printer@example.com` (addresses) or `as *` (any sender)",
        });
        return;
    }
    const senders = [];
    for (const sender of from.senders) {
        const grant = parseSenderGrant(sender.value);
        if ("problem" in grant) {
            context.report("invalidTrustedSender", sender.span, grant.problem, { hint: "write an address, `@domain` or `*`" });
            continue;
        }
        senders.push(sender.value);
    }
    if (networks.length === from.networks.length && senders.length === from.senders.length) {
        (context.policy.trustedNetworks ??= []).push({ networks, senders, rule: rule.span });
    }
}
/** `allow postmaster`: the domains whose postmaster takes mail without authentication. */
export function lowerPostmaster(rule, domains, at) {
    return { domains, origin: at.origin(rule) };
}
/** A bare CR or LF is refused (SMTP smuggling) unless `allow bare line endings` turns it into CRLF. */
export function lowerBareLineEndings(rule, at) {
    return rule
        ? { kind: "RefuseBareLineEndings", origin: at.origin(rule), normalise: true }
        : { kind: "RefuseBareLineEndings", origin: at.builtin("bare CR or LF in DATA is refused (SMTP smuggling)") };
}
export function printAllow(what) {
    return `allow ${what}`;
}
/** The trusted networks of `allow unauthenticated from`, as RequireAuth carries them. */
export function lowerTrustedNetworks(trusted, at) {
    return trusted.map((t) => ({ networks: t.networks, senders: t.senders, origin: at.origin(t.rule) }));
}
/** `allow unauthenticated from ... as ...` as a policy writes it. */
export function printTrustedNetworks(trusted) {
    return `allow unauthenticated from ${trusted.networks.map((n) => (isNonPublicNetwork(parseNetwork(n)) ? n : `public ${n}`)).join(", ")} as ${trusted.senders.join(", ")}`;
}
//# sourceMappingURL=allow.js.map