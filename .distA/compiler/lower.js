// Phase 4: lowering a checked policy into the rule graph. Each rule module gives
// the nodes of the session's stages (compiler/rules/, `stages`); this file puts
// every stage in the order graph/graph.ts's STAGE_ORDER decides, adds the checks
// no policy can leave out, and lowers the graph's other fields. Defaults the
// policy did not write become nodes with line 0 so traces can still name them;
// `observe` marks a node that logs instead of refusing.
import { createHash } from "node:crypto";
import os from "node:os";
import { toALabels } from "../formats/domainName.js";
import { DEFAULT_LIMITS, GRAPH_FORMAT, GRAPH_VERSION, STAGE_ORDER, TLS_PROTOCOLS, } from "../graph/graph.js";
import { lowerAliases } from "./rules/aliases.js";
import { lowerBareLineEndings } from "./rules/allow.js";
import { lowerLogins } from "./rules/auth.js";
import { lowerDeliver } from "./rules/deliver.js";
import { RULE_MODULES } from "./rules/index.js";
import { lowerRate } from "./rules/limit.js";
import { lowerLimitsStore } from "./rules/limitsStore.js";
import { defaultListeners, lowerListener } from "./rules/listen.js";
import { lowerLog } from "./rules/log.js";
import { lowerMetrics } from "./rules/metrics.js";
import { lowerDkim } from "./rules/sign.js";
import { lowerTls } from "./rules/tls.js";
import { lowerScoped } from "./scopedLowering.js";
import { LineMap } from "./sourceText.js";
export function lowerPolicy(file, text, policy) {
    const lines = new LineMap(text);
    const origin = (span) => ({ file, line: lines.position(span.start).line, span });
    const builtin = (what) => ({ file, line: 0, span: { start: 0, end: 0 }, builtin: what });
    const hostname = policy.hostname?.value ?? (toALabels(os.hostname()) || "localhost");
    const qualifyDomain = policy.qualify?.value[0] ?? null;
    // The names that are ours: their postmaster and own addresses are local, no client may greet with them.
    const localDomains = [...new Set([hostname, ...(policy.qualify?.value ?? [])])];
    const at = { file, origin, builtin, site: { hostname, localDomains, qualifyDomain } };
    const listeners = policy.listeners.length > 0 ? policy.listeners.map((l) => lowerListener(l, at)) : defaultListeners(at);
    const general = RULE_MODULES.map((module) => module.stages?.(policy, at) ?? {});
    const generalRates = policy.rates.map((rate) => lowerRate(rate, at));
    // The rules written `for` some logins stand after the others of their kind; STAGE_ORDER still decides between kinds.
    const scoped = lowerScoped(policy, at, general, generalRates);
    const given = [...general, ...scoped.given];
    const mail = given.flatMap((nodes) => nodes.mail ?? []);
    const rcpt = given.flatMap((nodes) => nodes.rcpt ?? []);
    const refuseUnqualified = { kind: "RefuseUnqualified", origin: builtin("unqualified addresses are refused (RFC 6409 section 4.2)") };
    // Bare line endings and header syntax come first, as the message stage's fixed fields: no node
    // reads a message that could be read two ways.
    const refuseBareLineEndings = lowerBareLineEndings(policy.allowBareLineEndings, at);
    const checkHeaderSyntax = { kind: "CheckHeaderSyntax", origin: builtin("the header section must be RFC 5322 syntax") };
    return {
        format: GRAPH_FORMAT,
        version: GRAPH_VERSION,
        source: { file, sha256: createHash("sha256").update(text).digest("hex") },
        hostname,
        listeners,
        tls: policy.tls ? lowerTls(policy.tls, at) : null,
        sniCertificates: (policy.sniCertificates ?? []).map((certificate) => lowerTls(certificate, at)),
        tlsCiphers: policy.tlsCiphers?.value ?? null,
        tlsProtocols: policy.tlsProtocols?.value ?? [...TLS_PROTOCOLS],
        logins: policy.logins ? lowerLogins(policy.logins, at) : null,
        localDomains,
        log: lowerLog(policy.log, at),
        stages: {
            auth: inOrder(given.flatMap((nodes) => nodes.auth ?? []), STAGE_ORDER.auth),
            mail: { before: inOrder(mail, STAGE_ORDER.mail.before), refuseUnqualified, after: inOrder(mail, STAGE_ORDER.mail.after) },
            rcpt: { before: inOrder(rcpt, STAGE_ORDER.rcpt.before), refuseUnqualified, after: inOrder(rcpt, STAGE_ORDER.rcpt.after) },
            message: {
                refuseBareLineEndings,
                checkHeaderSyntax,
                nodes: inOrder(given.flatMap((nodes) => nodes.message ?? []), STAGE_ORDER.message),
            },
        },
        deliver: lowerDeliver(policy.deliver, policy.queueLifetime, at, policy.senderRelays),
        limits: lowerLimits(policy, at, [...generalRates, ...scoped.rates]),
        dkim: policy.dkim.map((signature) => lowerDkim(signature, at)),
        aliases: policy.aliases ? lowerAliases(policy.aliases, at) : null,
        metrics: policy.metrics ? lowerMetrics(policy.metrics, at) : null,
        workers: policy.workers?.value ?? 1,
        // The fields rule modules lower themselves.
        ...Object.assign({}, ...RULE_MODULES.map((module) => module.graph?.(policy, at) ?? {})),
        groups: Object.fromEntries([...(policy.groups ?? [])].map(([name, group]) => [name, group.value])),
    };
}
/** The nodes whose kinds `kinds` lists, in its order; nodes of one kind keep the order their rules gave. */
function inOrder(nodes, kinds) {
    return kinds.flatMap((kind) => nodes.filter((node) => node.kind === kind));
}
function lowerLimits(policy, at, rates) {
    const { origin, builtin } = at;
    const d = DEFAULT_LIMITS;
    const pick = (checked, fallback, what) => checked ? { value: checked.value, origin: origin(checked.rule) } : { value: fallback, origin: builtin(what) };
    const sessions = pick(policy.sessions, d.sessions, `limit sessions ${d.sessions}`);
    const perIp = pick(policy.sessionsPerIp, d.sessionsPerIp, `limit sessions per ip ${d.sessionsPerIp}`);
    const throttleRule = policy.throttleIp ?? policy.throttleLogin ?? policy.throttleSession ?? policy.throttleDelay;
    const command = pick(policy.timeoutCommand, d.commandMs, "timeout command 5m");
    const data = pick(policy.timeoutData, d.dataMs, "timeout data 10m");
    return {
        store: lowerLimitsStore(policy.limitsStore, at),
        rates,
        sessions: { max: sessions.value, perIp: perIp.value, origin: sessions.origin, perIpOrigin: perIp.origin },
        throttle: {
            failuresPerSession: policy.throttleSession?.value ?? d.failuresPerSession,
            ip: policy.throttleIp?.value ?? { ...d.ip },
            login: policy.throttleLogin?.value ?? { ...d.login },
            delayBaseMs: policy.throttleDelay?.value.baseMs ?? d.delayBaseMs,
            delayMaxMs: policy.throttleDelay?.value.maxMs ?? d.delayMaxMs,
            origin: throttleRule ? origin(throttleRule.rule) : builtin("throttle auth defaults (docs/limits.md)"),
        },
        timeouts: { commandMs: command.value, dataMs: data.value, origin: command.origin, dataOrigin: data.origin },
    };
}
//# sourceMappingURL=lower.js.map