// Phase 4: lowering a checked policy into the rule graph. This is where the
// evaluation order is decided, once, by the dependencies between rules:
// TLS before authentication (a login must not cross the wire in clear), both
// before any address check (RFC 6409 section 4.3: no transaction without auth),
// qualification before every other envelope check (contract section 3), syntax
// before the unqualified-address refusal, and that before submission rights;
// in the message, smuggling and size checks first, then header syntax, then
// header qualification, then the fields the MSA adds (Received last, so it is
// prepended above everything). Masquerading comes after qualification (it
// rewrites qualified host names) and before submission rights (rights judge the
// address that will be used). Defaults the policy did not write become nodes
// with line 0 so traces can still name them; `observe` marks a node that logs
// instead of refusing.
import { createHash } from "node:crypto";
import os from "node:os";
import type { Span } from "../grammar/ast.js";
import type { CheckedPolicy, Observable } from "./checkedPolicy.js";
import { resolvePolicyPath } from "./checkFiles.js";
import { toALabels } from "../formats/domainName.js";
import {
  DEFAULT_LIMITS,
  GRAPH_FORMAT,
  GRAPH_VERSION,
  type AddHeaderNode,
  type AuthNode,
  type DeliveryNode,
  type LimitsConfig,
  type Listener,
  type MailNode,
  type MasqueradeNode,
  type MessageNode,
  type RcptNode,
  type RelayOptions,
  type RequireAuthNode,
  type RuleGraph,
  type RuleOrigin,
  type SubmissionRightsNode,
} from "../graph/graph.js";
import { LineMap } from "./sourceText.js";

/** The address header fields qualified by `qualify domains` (RFC 5322 section 3.6.2, 3.6.3, 3.6.6). */
export const ADDRESS_FIELDS = ["From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc"];

export const DEFAULT_SPOOL = "spool";
/** How long store and forward keeps trying (RFC 5321 section 4.5.4.1 suggests at least 4-5 days). */
export const DEFAULT_QUEUE_LIFETIME_MS = 5 * 86_400_000;

export function lowerPolicy(file: string, text: string, policy: CheckedPolicy): RuleGraph {
  const lines = new LineMap(text);
  const origin = (span: Span): RuleOrigin => ({ file, line: lines.position(span.start).line, span });
  // `observe` on a checked rule: its node logs what it would refuse and refuses nothing.
  const observe = (checked: Observable): { observe?: true } => (checked.observe ? { observe: true } : {});
  const builtin = (what: string): RuleOrigin => ({ file, line: 0, span: { start: 0, end: 0 }, builtin: what });

  const hostname = policy.hostname?.value ?? (toALabels(os.hostname()) || "localhost");
  const qualifyDomain = policy.qualify?.value[0] ?? null;

  const listeners: Listener[] =
    policy.listeners.length > 0
      ? policy.listeners.map((l) => ({
          host: l.host,
          port: l.port,
          mode: l.mode,
          ...(l.proxy ? { proxy: true } : {}),
          ...(l.proxies ? { proxies: l.proxies } : {}),
          origin: origin(l.rule),
        }))
      : [
          { host: null, port: 587, mode: "starttls", origin: builtin("listen 587 starttls (RFC 6409)") },
          { host: null, port: 465, mode: "tls", origin: builtin("listen 465 tls (RFC 8314)") },
        ];

  const requireTls = policy.requireTls ? { kind: "RequireTls" as const, origin: origin(policy.requireTls.rule), ...observe(policy.requireTls) } : undefined;
  const requireAuth: RequireAuthNode | undefined = policy.requireAuth && {
    kind: "RequireAuth",
    origin: origin(policy.requireAuth.rule),
    ...observe(policy.requireAuth),
    postmaster: policy.allowPostmaster ? { domains: [...new Set([hostname, ...(policy.qualify?.value ?? [])])], origin: origin(policy.allowPostmaster) } : null,
  };
  const qualify = qualifyDomain && policy.qualify ? { kind: "QualifyEnvelope" as const, origin: origin(policy.qualify.rule), domain: qualifyDomain } : undefined;
  const syntax = policy.enforceAddressSyntax
    ? { kind: "EnforceAddressSyntax" as const, origin: origin(policy.enforceAddressSyntax.rule), ...observe(policy.enforceAddressSyntax) }
    : undefined;
  const masquerade: MasqueradeNode | undefined = policy.masquerade && {
    kind: "Masquerade",
    origin: origin(policy.masquerade.rule),
    domains: policy.masquerade.value.domains,
    exceptions: policy.masquerade.value.exceptions,
  };
  const refuseUnqualified = { kind: "RefuseUnqualified" as const, origin: builtin("unqualified addresses are refused (RFC 6409 section 4.2)") };

  const auth: AuthNode[] = requireTls ? [requireTls] : [];

  // Each stage is evaluated in this array order, one pass, the first refusal deciding
  // (runtime/decision/envelopeStage.ts). The order is the policy's meaning, chosen here only:
  // the session's standing (TLS, then the login) before anything about the address, so a client
  // that may not submit learns nothing about addresses; qualification before every address check
  // (contract section 3); syntax, then the unqualified refusal; masquerading changes only the
  // address passed on, so submission rights after it still judge the address the client sent.
  const mail: MailNode[] = [];
  if (requireTls) mail.push(requireTls);
  if (requireAuth) mail.push(requireAuth);
  if (qualify) mail.push(qualify);
  if (syntax) mail.push(syntax);
  mail.push(refuseUnqualified);
  if (masquerade && policy.masquerade!.value.envelope) mail.push(masquerade);
  const rights: SubmissionRightsNode | undefined = policy.senders && {
    kind: "SubmissionRights",
    origin: origin(policy.senders.rule),
    ...observe(policy.senders),
    senders: Object.fromEntries(policy.senders.value),
    ...(policy.senders.file ? { file: resolvePolicyPath(file, policy.senders.file.value) } : {}),
    ownDomain: qualifyDomain,
    mismatch: policy.allowSenderMismatch ? "addSender" : "refuse",
    ...(policy.sendersInHeaders ? { checkHeaders: { origin: origin(policy.sendersInHeaders.rule) } } : {}),
  };
  if (rights) mail.push(rights);
  const limitSize = policy.limitSize && { kind: "LimitSize" as const, origin: origin(policy.limitSize.rule), ...observe(policy.limitSize), bytes: policy.limitSize.value };
  if (limitSize) mail.push(limitSize);

  // RequireAuth first: without a login only postmaster passes, whatever the address looks like.
  const rcpt: RcptNode[] = [];
  if (requireAuth) rcpt.push(requireAuth);
  if (qualify) rcpt.push(qualify);
  if (syntax) rcpt.push(syntax);
  rcpt.push(refuseUnqualified);
  for (const restriction of policy.recipientsTo) {
    rcpt.push({
      kind: "RecipientsTo",
      origin: origin(restriction.rule),
      ...observe(restriction),
      ...(restriction.value.except ? { except: true as const } : {}),
      targets: restriction.value.targets,
      logins: restriction.value.logins,
    });
  }
  if (policy.limitRecipients) {
    rcpt.push({ kind: "LimitRecipients", origin: origin(policy.limitRecipients.rule), ...observe(policy.limitRecipients), max: policy.limitRecipients.value });
  }

  const message: MessageNode[] = [
    policy.allowBareLineEndings
      ? { kind: "RefuseBareLineEndings", origin: origin(policy.allowBareLineEndings), normalise: true }
      : { kind: "RefuseBareLineEndings", origin: builtin("bare CR or LF in DATA is refused (SMTP smuggling)") },
  ];
  if (limitSize) message.push(limitSize);
  message.push({ kind: "CheckHeaderSyntax", origin: builtin("the header section must be RFC 5322 syntax") });
  if (policy.enforceMessageSyntax) {
    message.push({ kind: "EnforceMessageSyntax", origin: origin(policy.enforceMessageSyntax.rule), ...observe(policy.enforceMessageSyntax) });
  }
  // Header checks of submission rights judge the From: and Sender: the client wrote, before any rewriting.
  if (rights && (rights.checkHeaders || rights.mismatch === "addSender")) message.push(rights);
  if (qualify) message.push({ kind: "QualifyHeaders", origin: qualify.origin, domain: qualify.domain, fields: ADDRESS_FIELDS });
  if (masquerade && policy.masquerade!.value.headers) message.push(masquerade);
  for (const removal of policy.removeHeaders) message.push({ kind: "RemoveHeaders", origin: origin(removal.rule), names: removal.value });
  // Order of the added fields: the trace field last, so it ends up on top (RFC 5321 section 4.4).
  for (const field of ["Date", "Message-ID", "Sender", "Received"] as const) {
    const span = policy.add.get(field);
    if (span) {
      const isPrivate = field === "Received" && policy.receivedPrivate ? { private: true as const } : {};
      message.push({ kind: "AddHeader", origin: origin(span), field, ...isPrivate } satisfies AddHeaderNode);
    }
  }

  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    source: { file, sha256: createHash("sha256").update(text).digest("hex") },
    hostname,
    listeners,
    tls: policy.tls
      ? {
          certificate: resolvePolicyPath(file, policy.tls.value.certificate.value),
          key: resolvePolicyPath(file, policy.tls.value.key.value),
          origin: origin(policy.tls.rule),
        }
      : null,
    tlsCiphers: policy.tlsCiphers?.value ?? null,
    users: policy.users ? { path: resolvePolicyPath(file, policy.users.value.value), origin: origin(policy.users.rule) } : null,
    localDomains: [...new Set([hostname, ...(policy.qualify?.value ?? [])])],
    log: policy.log ? { level: policy.log.value, origin: origin(policy.log.rule) } : { level: "info", origin: builtin("log info") },
    stages: { auth, mail, rcpt, message },
    deliver: lowerDeliver(file, policy, origin, builtin),
    limits: lowerLimits(policy, origin, builtin),
    dkim: policy.dkim.map(({ value, rule }) => ({
      domain: value.domain,
      selector: value.selector,
      keyPath: resolvePolicyPath(file, value.key.value),
      ...(value.headers ? { headers: value.headers } : {}),
      ...(value.oversign ? { oversign: value.oversign } : {}),
      origin: origin(rule),
    })),
    aliases: policy.aliases ? { path: resolvePolicyPath(file, policy.aliases.value.value), origin: origin(policy.aliases.rule) } : null,
    metrics: policy.metrics ? { ...policy.metrics.value, origin: origin(policy.metrics.rule) } : null,
    workers: policy.workers?.value ?? 1,
  };
}

function lowerLimits(policy: CheckedPolicy, origin: (span: Span) => RuleOrigin, builtin: (what: string) => RuleOrigin): LimitsConfig {
  const d = DEFAULT_LIMITS;
  const pick = <T>(checked: { value: T; rule: Span } | undefined, fallback: T, what: string): { value: T; origin: RuleOrigin } =>
    checked ? { value: checked.value, origin: origin(checked.rule) } : { value: fallback, origin: builtin(what) };
  const sessions = pick(policy.sessions, d.sessions, `limit sessions ${d.sessions}`);
  const perIp = pick(policy.sessionsPerIp, d.sessionsPerIp, `limit sessions per ip ${d.sessionsPerIp}`);
  const throttleRule = policy.throttleIp ?? policy.throttleLogin ?? policy.throttleSession ?? policy.throttleDelay;
  const command = pick(policy.timeoutCommand, d.commandMs, "timeout command 5m");
  const data = pick(policy.timeoutData, d.dataMs, "timeout data 10m");
  return {
    store: policy.limitsStore?.value.kind === "redis" ? { kind: "redis", url: policy.limitsStore.value.url, origin: origin(policy.limitsStore.rule) } : { kind: "memory" },
    rates: policy.rates.map(({ value, rule, observe }) => ({ ...value, origin: origin(rule), ...(observe ? { observe } : {}) })),
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

function lowerDeliver(file: string, policy: CheckedPolicy, origin: (span: Span) => RuleOrigin, builtin: (what: string) => RuleOrigin): DeliveryNode {
  const deliver = policy.deliver;
  if (!deliver) return { kind: "Spool", origin: builtin(`deliver spool "${DEFAULT_SPOOL}"`), dir: resolvePolicyPath(file, DEFAULT_SPOOL) };
  const { spool, relay } = deliver.value;
  const options: RelayOptions = {
    requireTls: deliver.value.requireTls,
    require8BitMime: deliver.value.require8BitMime,
    verifyCertificate: deliver.value.verifyCertificate,
    credentials: deliver.value.credentials ? resolvePolicyPath(file, deliver.value.credentials.value) : null,
  };
  if (spool && relay) {
    return {
      kind: "SpoolThenRelay",
      origin: origin(deliver.rule),
      dir: resolvePolicyPath(file, spool.value),
      url: relay,
      relay: options,
      lifetimeMs: policy.queueLifetime?.value ?? DEFAULT_QUEUE_LIFETIME_MS,
    };
  }
  if (spool) return { kind: "Spool", origin: origin(deliver.rule), dir: resolvePolicyPath(file, spool.value) };
  return { kind: "Relay", origin: origin(deliver.rule), url: relay!, relay: options };
}
