// The effective policy: what the server will do, read back from the compiled
// rule graph (not the source), with every default written out, as `postconf`
// does for Postfix; `changed` keeps only what the policy itself wrote, as
// `postconf -n`. Output is valid policy text (defaults carry a `# default`
// comment; what is always on and cannot be written is listed as comments).
// Each rule's text comes from its module (compiler/rules/); this file lays the
// rules out in sections and marks the defaults.
import path from "node:path";
import { envelopeNodes, messageNodes, TLS_PROTOCOLS } from "../../graph/graph.js";
import { printAdd } from "../../compiler/rules/add.js";
import { printAliases } from "../../compiler/rules/aliases.js";
import { printAllow, printTrustedNetworks } from "../../compiler/rules/allow.js";
import { printLogins } from "../../compiler/rules/auth.js";
import { DEFAULT_QUEUE_LIFETIME_MS, printDeliver, printSenderRelay } from "../../compiler/rules/deliver.js";
import { printEnforce, printEnforceSendersInHeaders } from "../../compiler/rules/enforce.js";
import { printHostname } from "../../compiler/rules/hostname.js";
import { printLimitRecipients, printLimitSessions, printLimitSize, printQueueLifetime, printRate, printRecipientsTo } from "../../compiler/rules/limit.js";
import { printLimitsStore } from "../../compiler/rules/limitsStore.js";
import { printListener } from "../../compiler/rules/listen.js";
import { printLog } from "../../compiler/rules/log.js";
import { printMasquerade } from "../../compiler/rules/masquerade.js";
import { printMetrics } from "../../compiler/rules/metrics.js";
import { printQualify } from "../../compiler/rules/qualify.js";
import { printRemove } from "../../compiler/rules/remove.js";
import { printRequire } from "../../compiler/rules/require.js";
import { NODE_PRINTERS, RULE_MODULES } from "../../compiler/rules/index.js";
import { printSenders } from "../../compiler/rules/senders.js";
import { printDkim } from "../../compiler/rules/sign.js";
import { printThrottle } from "../../compiler/rules/throttle.js";
import { printTimeout } from "../../compiler/rules/timeout.js";
import { printTls, printTlsCiphers, printTlsProtocols } from "../../compiler/rules/tls.js";
import { printWorkers } from "../../compiler/rules/workers.js";
/** The stage nodes the sections below lay out themselves (with the defaults of their rules). */
export const LAID_OUT = [
    "RequireTls",
    "RequireAuth",
    "QualifyEnvelope",
    // Written by the same `qualify domains` rule as QualifyEnvelope.
    "QualifyHeaders",
    "EnforceAddressSyntax",
    "SubmissionRights",
    "RecipientsTo",
    "Masquerade",
    "RemoveHeaders",
    "EnforceMessageSyntax",
    "RefuseBareLineEndings",
    "LimitSize",
    "LimitRecipients",
    "AddHeader",
];
export function printPolicy(graph, options) {
    const folder = path.dirname(path.resolve(graph.source.file));
    // Paths are kept resolved in the graph; shown relative to the policy when they lie below it.
    const shownPath = (p) => {
        const relative = path.relative(folder, p);
        return relative.startsWith("..") || path.isAbsolute(relative) ? p : relative;
    };
    const at = { path: shownPath };
    const written = (origin) => origin.line > 0;
    const sections = [];
    const section = (...rules) => sections.push(rules.filter((r) => !!r));
    const rule = (text, origin) => ({ text, isDefault: origin ? !written(origin) : false });
    const absent = (text, why) => ({ text: `# ${text}: not set (${why})`, isDefault: true });
    // The rules for everyone are laid out below; those written `for` some logins, and the `on`
    // blocks, follow in sections of their own.
    const scopeOf = (n) => n;
    const forEveryone = (nodes) => nodes.filter((n) => !scopeOf(n).for && !scopeOf(n).on);
    const mail = forEveryone(envelopeNodes(graph.stages.mail));
    const rcpt = forEveryone(envelopeNodes(graph.stages.rcpt));
    const message = forEveryone(messageNodes(graph.stages.message));
    const every = [...new Set([...graph.stages.auth, ...envelopeNodes(graph.stages.mail), ...envelopeNodes(graph.stages.rcpt), ...messageNodes(graph.stages.message)])];
    const scoped = every.filter((n) => scopeOf(n).for);
    const requireTls = mail.find((n) => n.kind === "RequireTls");
    const requireAuth = mail.find((n) => n.kind === "RequireAuth") ?? rcpt.find((n) => n.kind === "RequireAuth");
    const qualify = mail.find((n) => n.kind === "QualifyEnvelope");
    const syntax = mail.find((n) => n.kind === "EnforceAddressSyntax");
    const rights = mail.find((n) => n.kind === "SubmissionRights");
    const size = mail.find((n) => n.kind === "LimitSize");
    const recipients = rcpt.find((n) => n.kind === "LimitRecipients");
    section({ text: printHostname(graph.hostname), isDefault: !options.hostnameWritten });
    section(graph.tls ? rule(printTls(graph.tls, at), graph.tls.origin) : absent("tls certificate", "no TLS"), ...graph.sniCertificates.map((certificate) => rule(printTls(certificate, at), certificate.origin)), graph.tlsCiphers ? { text: printTlsCiphers(graph.tlsCiphers), isDefault: false } : absent("tls ciphers", "Node's default list; TLS 1.2 is the floor"), { text: printTlsProtocols(graph.tlsProtocols), isDefault: graph.tlsProtocols.length === TLS_PROTOCOLS.length }, ...graph.listeners.map((l) => rule(printListener(l), l.origin)));
    section(graph.logins ? rule(printLogins(graph.logins, at), graph.logins.origin) : absent("auth users", "nobody can authenticate"), requireTls?.kind === "RequireTls" ? rule(printRequire(requireTls), requireTls.origin) : absent("require tls", "AUTH and MAIL are allowed before TLS"), requireAuth?.kind === "RequireAuth"
        ? rule(printRequire(requireAuth), requireAuth.origin)
        : options.allowUnauthenticated
            ? { text: printAllow("unauthenticated"), isDefault: false }
            : absent("require auth", "mail is taken without authentication"));
    const otherDomains = graph.localDomains.filter((d) => d !== graph.hostname && d !== qualify?.domain);
    section(qualify?.kind === "QualifyEnvelope" ? rule(printQualify(qualify, otherDomains), qualify.origin) : absent("qualify domains", "unqualified addresses are refused"), syntax?.kind === "EnforceAddressSyntax" ? rule(printEnforce(syntax), syntax.origin) : absent("enforce address syntax", "addresses are not checked beyond qualification"), requireAuth?.kind === "RequireAuth" && requireAuth.postmaster
        ? rule(printAllow("postmaster"), requireAuth.postmaster.origin)
        : absent("allow postmaster", "postmaster too needs authentication"), ...(requireAuth?.kind === "RequireAuth" ? (requireAuth.trusted ?? []) : []).map((trusted) => rule(printTrustedNetworks(trusted), trusted.origin)));
    if (rights?.kind === "SubmissionRights") {
        section(rule(printSenders(rights, at), rights.origin), rights.mismatch === "addSender" ? { text: printAllow("sender mismatch"), isDefault: false } : absent("allow sender mismatch", "a MAIL FROM the login may not use is refused"), rights.checkHeaders ? rule(printEnforceSendersInHeaders(), rights.checkHeaders.origin) : absent("enforce senders in headers", "only MAIL FROM is checked"));
    }
    else
        section(absent("senders", "submission rights are not checked"));
    const restrictions = rcpt.flatMap((n) => (n.kind === "RecipientsTo" ? [rule(printRecipientsTo(n), n.origin)] : []));
    const masquerade = [...mail, ...message].find((n) => n.kind === "Masquerade");
    const inEnvelope = mail.some((n) => n.kind === "Masquerade");
    const inHeaders = message.some((n) => n.kind === "Masquerade");
    const messageSyntax = message.find((n) => n.kind === "EnforceMessageSyntax");
    const bare = message.find((n) => n.kind === "RefuseBareLineEndings");
    section(...(restrictions.length > 0 ? restrictions : [absent("limit recipients to", "every recipient is allowed")]), graph.aliases ? rule(printAliases(graph.aliases, at), graph.aliases.origin) : absent("aliases", "recipients are not expanded"), masquerade?.kind === "Masquerade"
        ? rule(printMasquerade(masquerade, inEnvelope, inHeaders), masquerade.origin)
        : absent("masquerade", "host names in sender addresses are kept"), ...message.flatMap((n) => (n.kind === "RemoveHeaders" ? [rule(printRemove(n), n.origin)] : [])), messageSyntax?.kind === "EnforceMessageSyntax"
        ? rule(printEnforce(messageSyntax), messageSyntax.origin)
        : absent("enforce message syntax", "From, Date and single fields are not checked"), bare?.kind === "RefuseBareLineEndings" && bare.normalise ? rule(printAllow("bare line endings"), bare.origin) : absent("allow bare line endings", "a bare CR or LF is refused"));
    section(size?.kind === "LimitSize" ? rule(printLimitSize(size), size.origin) : absent("limit size", "no size limit"), recipients?.kind === "LimitRecipients" ? rule(printLimitRecipients(recipients), recipients.origin) : absent("limit recipients", "no recipient limit"));
    const limits = graph.limits;
    const t = limits.throttle;
    const throttleDefault = !written(t.origin);
    section(...limits.rates.filter((r) => !r.on).map((r) => rule(printRate(r), r.origin)), limits.rates.length === 0 ? absent("limit rate", "no rate limits") : undefined, limits.store.kind === "redis" ? rule(printLimitsStore(limits.store), limits.store.origin) : { text: printLimitsStore(limits.store), isDefault: true }, rule(printLimitSessions(limits.sessions.max), limits.sessions.origin), rule(printLimitSessions(limits.sessions.perIp, "ip"), limits.sessions.perIpOrigin), ...printThrottle(t).map((text) => ({ text, isDefault: throttleDefault })), rule(printTimeout("command", limits.timeouts.commandMs), limits.timeouts.origin), rule(printTimeout("data", limits.timeouts.dataMs), limits.timeouts.dataOrigin));
    const adds = message.flatMap((n) => (n.kind === "AddHeader" ? [rule(printAdd(n), n.origin)] : []));
    section(...(adds.length > 0 ? adds : [absent("add", "messages are passed on without completion")]));
    const deliver = graph.deliver;
    section(...graph.dkim.map((d) => rule(printDkim(d, at), d.origin)), graph.dkim.length === 0 ? absent("sign dkim", "messages are not signed") : undefined);
    section(rule(printLog(graph.log), graph.log.origin), graph.metrics ? rule(printMetrics(graph.metrics), graph.metrics.origin) : absent("metrics listen", "no metrics endpoint"), { text: printWorkers(graph.workers), isDefault: graph.workers === 1 }, rule(printDeliver(deliver, at), deliver.origin), ...(deliver.kind === "Spool" ? [] : (deliver.bySender ?? []).map((hop) => rule(printSenderRelay(hop, at), hop.origin))), deliver.kind === "SpoolThenRelay" ? { text: printQueueLifetime(deliver.lifetimeMs), isDefault: deliver.lifetimeMs === DEFAULT_QUEUE_LIFETIME_MS } : undefined);
    // The graph fields rule modules print themselves.
    section(...RULE_MODULES.flatMap((module) => module.printGraph?.(graph, at) ?? []).map((r) => rule(r.text, r.origin)));
    // A group read from a file is printed with the logins it held when compiled; one without any cannot be written as a rule.
    section(...Object.entries(graph.groups).map(([name, logins]) => ({ text: logins.length > 0 ? `group ${name}: ${logins.join(", ")}` : `# group ${name}: no logins`, isDefault: false })));
    section(...scoped.map((n) => rule(printScoped(n, at), n.origin)));
    const onNodes = every.filter((n) => !!scopeOf(n).on);
    for (const block of printOnBlocks(onNodes, graph.limits.rates, requireAuth, at))
        section({ text: block, isDefault: false });
    // The stage nodes of rules not laid out above are printed by their modules, in stage order; a
    // node the policy did not write is the rule's default, printed as such.
    const laidOut = new Set(LAID_OUT);
    const byModule = (n) => !laidOut.has(n.kind) && NODE_PRINTERS.has(n.kind);
    const others = [...new Set([...mail, ...rcpt, ...message])].filter(byModule);
    section(...others.map((n) => rule(NODE_PRINTERS.get(n.kind)(n, at), n.origin)));
    const builtins = [...new Set([...mail, ...rcpt, ...message].filter((n) => n.origin.builtin && !byModule(n)).map((n) => n.origin.builtin))];
    const out = [`# effective policy of ${graph.source.file}${options.changed ? " (only what differs from the defaults)" : ""}`];
    for (const rules of sections) {
        const shown = rules.filter((r) => !options.changed || !r.isDefault);
        if (shown.length === 0)
            continue;
        out.push("");
        for (const r of shown)
            out.push(r.isDefault && !r.text.startsWith("#") ? `${r.text}  # default` : r.text);
    }
    if (!options.changed) {
        out.push("", "# always on, whatever the policy says:");
        for (const b of builtins)
            out.push(`#   ${b}`);
    }
    return out.join("\n") + "\n";
}
/**
 * The `on` blocks, one per set of listeners, their rules in graph order. `allow unauthenticated`
 * stands in a block when the rule for everyone (`require auth`) does not apply on its listeners.
 */
function printOnBlocks(nodes, rates, requireAuth, at) {
    const blocks = new Map();
    const add = (listeners, text) => {
        const key = listeners.join(", ");
        const lines = blocks.get(key) ?? blocks.set(key, []).get(key);
        if (!lines.includes(text))
            lines.push(text);
    };
    for (const listener of Object.keys(requireAuth?.notOn ?? {}))
        add([listener], printAllow("unauthenticated"));
    for (const node of nodes)
        add(node.on, printScoped(node, at));
    for (const rate of rates)
        if (rate.on)
            add(rate.on, printRate(rate));
    return [...blocks].map(([listeners, lines]) => [`on ${listeners} {`, ...lines.flatMap((rule) => rule.split("\n")).map((line) => `  ${line}`), "}"].join("\n"));
}
/** A rule written `for` some logins, by its node: the module's printer, or the one this file lays out its kind with. */
function printScoped(node, at) {
    const printer = NODE_PRINTERS.get(node.kind);
    if (printer)
        return printer(node, at);
    switch (node.kind) {
        case "LimitSize":
            return printLimitSize(node);
        case "LimitRecipients":
            return printLimitRecipients(node);
        case "RecipientsTo":
            return printRecipientsTo(node);
        case "EnforceAddressSyntax":
        case "EnforceMessageSyntax":
            return printEnforce(node);
        case "RequireHelo":
        case "RequireAuth":
        case "RequireTls":
            return printRequire(node);
        case "SubmissionRights":
            return printSenders(node, at);
        default:
            return `# ${node.kind} for ${node.for?.names.join(", ")}`;
    }
}
//# sourceMappingURL=print.js.map