// The finite classes of sessions that `msac analyze` and `msac diff` run, derived from the graphs'
// own tables: each listener with and without TLS, each login the policies name plus one they do not
// name plus no login, and each address the rules can tell apart (every address they name, one more
// at every domain they name, one at a domain none names). A rule judges an address only by equality
// with what it names or by its domain, so one address per such class stands for all of them, and
// running every class is an exhaustive check of the envelope, not a sample.
import { envelopeNodes, listenerKey } from "../../graph/graph.js";
import { readNamedFileOrThrow } from "../../formats/namedFile.js";
import { ownAddressOfLogin } from "../../formats/ownAddress.js";
import { addressInside } from "../../formats/network.js";
import { knownLogins } from "../simulate/session.js";
import { prepareTables, senderTableOf } from "../../runtime/decision/tables.js";
export function graphContext(graph) {
    const tables = prepareTables(graph, readNamedFileOrThrow).tables;
    return { graph, tables, users: knownLogins(graph) };
}
/** Whether a session of this graph can be authenticated as `login` (hypothetical logins stand for ones to come). */
export function loginCanExist(context, login) {
    if (!context.graph.logins)
        return false;
    return login.hypothetical || context.users === null || context.users.has(login.login);
}
/** The TLS states a session on this listener can be in before EHLO: this is the one place listeners become classes. */
export function listenerStates(listener) {
    const tlsStates = listener.mode === "starttls" ? [false, true] : [listener.mode === "tls"];
    return tlsStates.map((tls) => ({ host: listener.host, port: listener.port, tls, endpoint: listenerKey(listener) }));
}
/** The graph's listener a listener state is on (same address and port), if it has one. */
export function listenerOf(graph, state) {
    return graph.listeners.find((l) => l.host === state.host && l.port === state.port);
}
export function domainOf(address) {
    const at = address.lastIndexOf("@");
    return at < 0 ? null : address.slice(at + 1).toLowerCase();
}
/** The first qualify domain of the envelope, which makes an `@`-less login's own address. */
export function qualifyDomainOf(graph) {
    for (const node of graph.stages.mail.before)
        if (node.kind === "QualifyEnvelope")
            return node.domain;
    return undefined;
}
/** Every login, domain and address a graph's rules and tables name. */
function namedIn(context, named) {
    const { graph, tables } = context;
    const address = (text) => {
        named.addresses.add(text);
        const domain = domainOf(text);
        if (domain)
            named.domains.add(domain);
    };
    for (const domain of graph.localDomains)
        named.domains.add(domain);
    const observables = [...graph.stages.auth, ...envelopeNodes(graph.stages.mail), ...envelopeNodes(graph.stages.rcpt), ...graph.stages.message.nodes, ...graph.limits.rates];
    for (const node of observables) {
        if ("for" in node && node.for)
            for (const login of node.for.logins)
                named.logins.add(login);
        if ("notFor" in node && node.notFor)
            for (const login of node.notFor)
                named.logins.add(login);
    }
    for (const node of [...envelopeNodes(graph.stages.mail), ...envelopeNodes(graph.stages.rcpt)]) {
        switch (node.kind) {
            case "QualifyEnvelope":
                named.domains.add(node.domain.toLowerCase());
                break;
            case "RequireAuth":
                for (const domain of node.postmaster?.domains ?? [])
                    named.domains.add(domain.toLowerCase());
                for (const granted of (node.trusted ?? []).flatMap((t) => t.senders)) {
                    if (granted.startsWith("@"))
                        named.domains.add(granted.slice(1).toLowerCase());
                    else if (granted !== "*")
                        address(granted);
                }
                break;
            case "Masquerade":
                for (const domain of [...node.domains, ...node.exceptions])
                    named.domains.add(domain.toLowerCase());
                break;
            case "SubmissionRights":
                for (const [login, grants] of senderTableOf(node, tables).logins) {
                    named.logins.add(login);
                    for (const granted of grants.addresses)
                        address(granted);
                    for (const domain of grants.domains)
                        named.domains.add(domain);
                }
                break;
            case "RecipientsTo":
                for (const login of node.logins ?? [])
                    named.logins.add(login);
                for (const target of node.targets) {
                    if (target.startsWith("@"))
                        named.domains.add(target.slice(1));
                    else
                        address(target);
                }
                break;
        }
    }
    for (const members of Object.values(graph.groups))
        for (const login of members)
            named.logins.add(login);
    for (const copy of graph.copyTo?.addresses ?? [])
        address(copy);
}
/** Every network of the graph's `allow unauthenticated from` rules. */
export function trustedNetworksOf(graph) {
    const requireAuth = [...envelopeNodes(graph.stages.mail), ...envelopeNodes(graph.stages.rcpt)].find((n) => n.kind === "RequireAuth");
    return [...new Set(requireAuth?.kind === "RequireAuth" ? (requireAuth.trusted ?? []).flatMap((t) => t.networks) : [])];
}
/** `base`, or `base` with a number in it, whichever `taken` does not hold. */
function freshName(base, taken) {
    for (let n = 1;; n++) {
        const name = base(n === 1 ? "" : String(n));
        if (!taken(name))
            return name;
    }
}
/**
 * The classes of sessions of one graph (analyze) or the union of two (diff): listeners by address
 * and port with each TLS state either graph's listener allows, logins, senders and recipients.
 */
export function sessionSpace(contexts) {
    const named = { logins: new Set(), domains: new Set(), addresses: new Set() };
    for (const context of contexts)
        namedIn(context, named);
    const listeners = new Map();
    for (const { graph } of contexts) {
        for (const listener of graph.listeners)
            for (const state of listenerStates(listener))
                listeners.set(`${state.endpoint} ${state.tls}`, state);
    }
    // A client in each trusted network is a class of its own on every listener.
    for (const network of contexts.flatMap(({ graph }) => trustedNetworksOf(graph))) {
        for (const state of [...listeners.values()].filter((l) => !l.trusted)) {
            listeners.set(`${state.endpoint} ${state.tls} ${network}`, { ...state, trusted: { client: addressInside(network), network } });
        }
    }
    // Logins in no table behave alike but for their own address: one of them, from a users file when there is one.
    const logins = [...named.logins].map((login) => ({ login, named: true, hypothetical: false }));
    if (contexts.some((c) => c.graph.logins)) {
        const unnamed = contexts.flatMap((c) => [...(c.users ?? [])]).find((login) => !named.logins.has(login));
        if (unnamed !== undefined)
            logins.push({ login: unnamed, named: false, hypothetical: false });
        else {
            // An `@`-less login needs a qualify domain for an own address; without one, a login with `@`.
            const qualifies = contexts.some((c) => qualifyDomainOf(c.graph) !== undefined);
            const domain = contexts[0].graph.localDomains[0] ?? contexts[0].graph.hostname;
            const login = freshName((n) => (qualifies ? `newcomer${n}` : `newcomer${n}@${domain}`), (name) => named.logins.has(name));
            logins.push({ login, named: false, hypothetical: true });
        }
    }
    const own = [];
    for (const { login } of logins) {
        for (const { graph } of contexts) {
            const address = ownAddressOfLogin(login, qualifyDomainOf(graph));
            if (address.includes("@"))
                own.push(address);
        }
    }
    const postmasters = [...new Set(contexts.flatMap((c) => c.graph.localDomains))].map((d) => `postmaster@${d}`);
    for (const address of [...own, ...postmasters]) {
        const domain = domainOf(address);
        if (domain)
            named.domains.add(domain);
    }
    const other = freshName((n) => `elsewhere${n}.example`, (name) => named.domains.has(name));
    const local = new Set(contexts.flatMap((c) => c.graph.localDomains));
    // Local domains first, so that a counterexample prefers them and reads naturally.
    const domains = [...named.domains].sort((a, b) => Number(local.has(b)) - Number(local.has(a)));
    const taken = new Set([...named.addresses, ...own, ...postmasters]);
    const anyoneAt = [...domains, other].map((domain) => `${freshName((n) => `anyone${n}`, (name) => taken.has(`${name}@${domain}`))}@${domain}`);
    const addresses = [...new Set([...named.addresses, ...own, ...postmasters, ...anyoneAt])];
    return {
        listeners: [...listeners.values()],
        logins,
        senders: ["", ...addresses],
        // The bare postmaster, which RFC 5321 section 4.5.1 makes every server take.
        recipients: [...addresses, "postmaster"],
    };
}
export function shapeOf(space) {
    return { listeners: space.listeners.length, logins: space.logins.length, senders: space.senders.length, recipients: space.recipients.length };
}
/** How many sessions the space holds: each listener state, with no login or each login, each sender, each recipient. */
export function spaceSize(space) {
    return space.listeners.length * (space.logins.length + 1) * space.senders.length * space.recipients.length;
}
//# sourceMappingURL=sessionSpace.js.map