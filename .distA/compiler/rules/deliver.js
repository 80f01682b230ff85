import { childrenOf, located, part, spanOfToken, string, token, tokens } from "../../grammar/cstReader.js";
import { Address, keywords, Name, Url, Word } from "../../grammar/lexer.js";
import { closestMatch } from "../../grammar/spelling.js";
import { quote } from "./ruleModule.js";
import { resolvePolicyPath } from "../checkFiles.js";
import { domainKey } from "../../formats/addressKey.js";
/** The words this rule is written with. */
const K = keywords("deliver", "auth", "certificate", "from", "relay", "require", "spool", "tls", "verify", "xforward");
export const deliverRule = {
    summary: "where accepted mail goes: a relay, a spool, or a spool then a relay",
    grammar: {
        verb: K.deliver,
        keywords: Object.values(K),
        productions: [
            {
                // deliver relay URL | deliver spool "DIR" [relay URL] | deliver from SENDER relay URL
                name: "deliverRule",
                body: ($) => {
                    $.CONSUME(K.deliver);
                    $.OR([
                        {
                            ALT: () => {
                                $.CONSUME(K.relay);
                                $.CONSUME(Url);
                                $.SUBRULE($.production("relayOptions"));
                            },
                        },
                        {
                            ALT: () => {
                                $.CONSUME(K.spool);
                                $.SUBRULE($.stringValue);
                                $.OPTION(() => {
                                    $.CONSUME2(K.relay);
                                    $.CONSUME2(Url);
                                    $.SUBRULE2($.production("relayOptions"));
                                });
                            },
                        },
                        {
                            // deliver from @a.example relay smtp://hop-a.example:25
                            ALT: () => {
                                $.CONSUME(K.from);
                                $.OR2([{ ALT: () => $.CONSUME(Address, { LABEL: "sender" }) }, { ALT: () => $.CONSUME(Name, { LABEL: "sender" }) }]);
                                $.CONSUME3(K.relay);
                                $.CONSUME3(Url);
                                $.SUBRULE3($.production("relayOptions"));
                            },
                        },
                    ]);
                },
            },
            {
                // After a relay URL: require tls | verify certificate | auth "CREDENTIALS FILE" | xforward
                name: "relayOptions",
                body: ($) => {
                    $.MANY(() => {
                        $.OR([
                            {
                                // require tls | require 8bitmime (refuse 8-bit mail for a next hop without 8BITMIME instead of converting it)
                                ALT: () => {
                                    $.CONSUME(K.require);
                                    $.OR2([{ ALT: () => $.CONSUME(K.tls) }, { ALT: () => $.CONSUME(Word, { LABEL: "requirement" }) }]);
                                },
                            },
                            {
                                ALT: () => {
                                    $.CONSUME(K.verify);
                                    $.CONSUME(K.certificate);
                                },
                            },
                            {
                                ALT: () => {
                                    $.CONSUME(K.auth);
                                    $.SUBRULE($.stringValue, { LABEL: "credentials" });
                                },
                            },
                            // the client's facts to a Postfix next hop that offers XFORWARD, for its logs
                            { ALT: () => $.CONSUME(K.xforward) },
                        ]);
                    });
                },
            },
        ],
    },
    build: (c, base) => {
        const relayToken = token(c, "Url") ?? token(c, "Url", 1);
        const relay = relayToken && located(relayToken);
        const optionsNode = part(c, "relayOptions");
        const options = optionsNode ? relayOptions(childrenOf(optionsNode)) : { requirements: [] };
        if (c.KwFrom) {
            const sender = token(c, "sender");
            return sender && relay && { kind: "deliverFrom", ...base, sender: located(sender), relay, options };
        }
        if (c.KwSpool) {
            const spool = string(c);
            return spool && { kind: "deliver", ...base, spool, relay, options };
        }
        return relay && { kind: "deliver", ...base, relay, options };
    },
    kinds: {
        deliver: { name: "deliver", once: true, check: checkDeliver },
        // Two for the same sender are one rule written twice (MSA2001), or two hops for it (MSA2002).
        deliverFrom: { name: (rule) => `deliver from ${rule.sender.value}`, key: (rule) => `deliver from ${senderKeyText(rule.sender.value)}`, check: checkDeliverFrom },
    },
};
/**
 * A sender as written, its domain as lookups compare it (lower case, A-labels): `Alice@A.example`
 * and `Alice@a.example` are one sender, and so are `@bücher.example` and `@xn--bcher-kva.example`.
 */
function senderKeyText(sender) {
    const at = sender.lastIndexOf("@");
    const domain = at < 0 ? sender : sender.slice(at + 1);
    return `${at < 0 ? "" : sender.slice(0, at)}@${domainKey(domain) ?? domain.toLowerCase()}`;
}
function relayOptions(c) {
    const options = { requirements: tokens(c, "requirement").map(located) };
    const requireTls = token(c, "KwTls");
    const verify = token(c, "KwVerify");
    const credentials = string(c, "credentials");
    const xforward = token(c, "KwXforward");
    if (xforward)
        options.xforward = spanOfToken(xforward);
    if (requireTls)
        options.requireTls = spanOfToken(requireTls);
    if (verify)
        options.verifyCertificate = spanOfToken(verify);
    if (credentials)
        options.credentials = credentials;
    return options;
}
function checkDeliver(rule, context) {
    let relay;
    if (rule.relay) {
        relay = checkRelayUrl(rule.relay, context);
        if (relay === undefined)
            return;
    }
    const options = checkRelayOptions(rule.options, context);
    if (!options)
        return;
    context.policy.deliver = { value: { spool: rule.spool, relay, ...options }, rule: rule.span };
}
function checkDeliverFrom(rule, context) {
    // `@domain` or an address; a bare name is a domain, as in `limit recipients to`.
    const sender = context.normalizeTarget(rule.sender);
    const relay = checkRelayUrl(rule.relay, context);
    const options = checkRelayOptions(rule.options, context);
    if (sender === undefined || relay === undefined || !options)
        return;
    (context.policy.senderRelays ??= []).push({ value: { sender, relay, ...options }, rule: rule.span });
}
function checkRelayOptions(options, context) {
    for (const requirement of options.requirements) {
        if (requirement.value !== "8bitmime") {
            context.unknown(requirement, "`require` after a relay URL", ["tls", "8bitmime"]);
            return undefined;
        }
    }
    return {
        requireTls: !!options.requireTls,
        require8BitMime: options.requirements.length > 0,
        verifyCertificate: !!options.verifyCertificate,
        ...(options.credentials ? { credentials: options.credentials } : {}),
        ...(options.xforward ? { xforward: options.xforward } : {}),
    };
}
function checkRelayUrl(located, context) {
    let url;
    try {
        url = new URL(located.value);
    }
    catch {
        context.report("invalidRelayUrl", located.span, `\`${located.value}\` is not a valid URL`, { hint: "write `smtp://HOST:PORT`" });
        return undefined;
    }
    if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
        const suggestion = closestMatch(url.protocol.slice(0, -1), ["smtp", "smtps"]);
        context.report("invalidRelayUrl", located.span, `unsupported relay scheme \`${url.protocol.slice(0, -1)}\``, {
            hint: suggestion ? `did you mean \`${suggestion}\`?` : "use `smtp://` or `smtps://`",
        });
        return undefined;
    }
    if (!url.hostname) {
        context.report("invalidRelayUrl", located.span, `\`${located.value}\` has no host`);
        return undefined;
    }
    return located.value;
}
export const DEFAULT_SPOOL = "spool";
/** How long store and forward keeps trying (RFC 5321 section 4.5.4.1 suggests at least 4-5 days). */
export const DEFAULT_QUEUE_LIFETIME_MS = 5 * 86_400_000;
function lowerRelayOptions(options, at) {
    return {
        requireTls: options.requireTls,
        require8BitMime: options.require8BitMime,
        verifyCertificate: options.verifyCertificate,
        credentials: options.credentials ? resolvePolicyPath(at.file, options.credentials.value) : null,
        ...(options.xforward ? { xforward: true } : {}),
    };
}
/**
 * Without a `deliver` rule mail goes to `deliver spool "spool"`; `queueLifetime` is `limit queue
 * lifetime`; `senderRelays` (`deliver from`) join a main rule that relays (the checker refuses them otherwise).
 */
export function lowerDeliver(deliver, queueLifetime, at, senderRelays = []) {
    if (!deliver)
        return { kind: "Spool", origin: at.builtin(`deliver spool "${DEFAULT_SPOOL}"`), dir: resolvePolicyPath(at.file, DEFAULT_SPOOL) };
    const { spool, relay } = deliver.value;
    const options = lowerRelayOptions(deliver.value, at);
    const bySender = senderRelays.map((r) => ({ sender: r.value.sender, origin: at.origin(r.rule), url: r.value.relay, relay: lowerRelayOptions(r.value, at) }));
    const hops = bySender.length > 0 ? { bySender } : {};
    if (spool && relay) {
        return {
            kind: "SpoolThenRelay",
            origin: at.origin(deliver.rule),
            dir: resolvePolicyPath(at.file, spool.value),
            url: relay,
            relay: options,
            lifetimeMs: queueLifetime?.value ?? DEFAULT_QUEUE_LIFETIME_MS,
            ...hops,
        };
    }
    if (spool)
        return { kind: "Spool", origin: at.origin(deliver.rule), dir: resolvePolicyPath(at.file, spool.value) };
    return { kind: "Relay", origin: at.origin(deliver.rule), url: relay, relay: options, ...hops };
}
function printRelayOptions(relay, at) {
    return [
        relay.requireTls ? " require tls" : "",
        relay.require8BitMime ? " require 8bitmime" : "",
        relay.verifyCertificate ? " verify certificate" : "",
        relay.credentials ? ` auth ${quote(at.path(relay.credentials))}` : "",
        relay.xforward ? " xforward" : "",
    ].join("");
}
/** `deliver from SENDER relay URL [OPTIONS]`, one line per sender's next hop. */
export function printSenderRelay(hop, at) {
    return `deliver from ${hop.sender} relay ${hop.url}${printRelayOptions(hop.relay, at)}`;
}
export function printDeliver(deliver, at) {
    if (deliver.kind === "Spool")
        return `deliver spool ${quote(at.path(deliver.dir))}`;
    const options = printRelayOptions(deliver.relay, at);
    if (deliver.kind === "Relay")
        return `deliver relay ${deliver.url}${options}`;
    return `deliver spool ${quote(at.path(deliver.dir))} relay ${deliver.url}${options}`;
}
//# sourceMappingURL=deliver.js.map