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
// Each node is built by its rule's module (compiler/rules/); this file places it.
import { createHash } from "node:crypto";
import os from "node:os";
import type { Span } from "../grammar/ast.js";
import type { CheckedPolicy } from "./checkedPolicy.js";
import { toALabels } from "../formats/domainName.js";
import {
  DEFAULT_LIMITS,
  GRAPH_FORMAT,
  GRAPH_VERSION,
  TLS_PROTOCOLS,
  type AuthNode,
  type CheckHeaderSyntaxNode,
  type LimitsConfig,
  type Listener,
  type MailNode,
  type MasqueradeNode,
  type MessageNode,
  type RcptNode,
  type RefuseUnqualifiedNode,
  type RequireAuthNode,
  type RuleGraph,
  type RuleOrigin,
  type SubmissionRightsNode,
} from "../graph/graph.js";
import { ADDABLE_FIELDS, lowerAddField, lowerAddHeader } from "./rules/add.js";
import { lowerAliases } from "./rules/aliases.js";
import { lowerBareLineEndings, lowerPostmaster } from "./rules/allow.js";
import { lowerUsers } from "./rules/auth.js";
import { lowerDeliver } from "./rules/deliver.js";
import { lowerEnforceAddressSyntax, lowerEnforceMessageSyntax } from "./rules/enforce.js";
import { lowerLimitRecipients, lowerLimitSize, lowerRate, lowerRecipientsTo } from "./rules/limit.js";
import { lowerLimitsStore } from "./rules/limitsStore.js";
import { defaultListeners, lowerListener } from "./rules/listen.js";
import { lowerLog } from "./rules/log.js";
import { lowerMasquerade } from "./rules/masquerade.js";
import { lowerMetrics } from "./rules/metrics.js";
import { lowerQualifyEnvelope, lowerQualifyHeaders } from "./rules/qualify.js";
import { lowerRefuseHeader } from "./rules/refuse.js";
import { lowerRemoveHeaders } from "./rules/remove.js";
import { lowerRequireAuth, lowerRequireHelo, lowerRequireTls } from "./rules/require.js";
import type { Lowering } from "./rules/ruleModule.js";
import { lowerSubmissionRights } from "./rules/senders.js";
import { lowerDkim } from "./rules/sign.js";
import { lowerTls } from "./rules/tls.js";
import { LineMap } from "./sourceText.js";

export function lowerPolicy(file: string, text: string, policy: CheckedPolicy): RuleGraph {
  const lines = new LineMap(text);
  const origin = (span: Span): RuleOrigin => ({ file, line: lines.position(span.start).line, span });
  const builtin = (what: string): RuleOrigin => ({ file, line: 0, span: { start: 0, end: 0 }, builtin: what });
  const at: Lowering = { file, origin, builtin };

  const hostname = policy.hostname?.value ?? (toALabels(os.hostname()) || "localhost");
  const qualifyDomain = policy.qualify?.value[0] ?? null;
  // The names that are ours: their postmaster and own addresses are local, no client may greet with them.
  const localDomains = [...new Set([hostname, ...(policy.qualify?.value ?? [])])];

  const listeners: Listener[] = policy.listeners.length > 0 ? policy.listeners.map((l) => lowerListener(l, at)) : defaultListeners(at);

  const requireTls = policy.requireTls ? lowerRequireTls(policy.requireTls, at) : undefined;
  const requireAuth: RequireAuthNode | undefined =
    policy.requireAuth && lowerRequireAuth(policy.requireAuth, at, policy.allowPostmaster ? lowerPostmaster(policy.allowPostmaster, localDomains, at) : null);
  const qualify = qualifyDomain && policy.qualify ? lowerQualifyEnvelope(policy.qualify, at) : undefined;
  const syntax = policy.enforceAddressSyntax ? lowerEnforceAddressSyntax(policy.enforceAddressSyntax, at) : undefined;
  const masquerade: MasqueradeNode | undefined = policy.masquerade && lowerMasquerade(policy.masquerade, at);
  const refuseUnqualified: RefuseUnqualifiedNode = { kind: "RefuseUnqualified", origin: builtin("unqualified addresses are refused (RFC 6409 section 4.2)") };

  const auth: AuthNode[] = requireTls ? [requireTls] : [];

  // Each stage is evaluated in this order, one pass, the first refusal deciding
  // (runtime/decision/envelopeStage.ts). The order is the policy's meaning, chosen here only:
  // the session's standing (TLS, then the login) before anything about the address, so a client
  // that may not submit learns nothing about addresses; qualification before every address check
  // (contract section 3); syntax, then the unqualified refusal (the stage's fixed field between
  // `before` and `after`); masquerading changes only the address passed on, so submission rights
  // after it still judge the address the client sent.
  const mail: MailNode[] = [];
  if (requireTls) mail.push(requireTls);
  // The greeting is part of the session's standing, judged with TLS and before the login.
  if (policy.requireHelo) mail.push(lowerRequireHelo(policy.requireHelo, at, localDomains));
  if (requireAuth) mail.push(requireAuth);
  if (qualify) mail.push(qualify);
  if (syntax) mail.push(syntax);
  const mailBefore = mail.length;
  if (masquerade && policy.masquerade!.value.envelope) mail.push(masquerade);
  const rights: SubmissionRightsNode | undefined =
    policy.senders && lowerSubmissionRights(policy.senders, at, { ownDomain: qualifyDomain, allowMismatch: policy.allowSenderMismatch, inHeaders: policy.sendersInHeaders });
  if (rights) mail.push(rights);
  const limitSize = policy.limitSize && lowerLimitSize(policy.limitSize, at);
  if (limitSize) mail.push(limitSize);

  // RequireAuth first: without a login only postmaster passes, whatever the address looks like.
  const rcpt: RcptNode[] = [];
  if (requireAuth) rcpt.push(requireAuth);
  if (qualify) rcpt.push(qualify);
  if (syntax) rcpt.push(syntax);
  const rcptBefore = rcpt.length;
  for (const restriction of policy.recipientsTo) {
    rcpt.push(lowerRecipientsTo(restriction, at));
  }
  if (policy.limitRecipients) {
    rcpt.push(lowerLimitRecipients(policy.limitRecipients, at));
  }

  // Bare line endings and header syntax come first, as the stage's fixed fields: no node reads a
  // message that could be read two ways. Size next (a message over it was not kept).
  const refuseBareLineEndings = lowerBareLineEndings(policy.allowBareLineEndings, at);
  const checkHeaderSyntax: CheckHeaderSyntaxNode = { kind: "CheckHeaderSyntax", origin: builtin("the header section must be RFC 5322 syntax") };
  const message: MessageNode[] = [];
  if (limitSize) message.push(limitSize);
  if (policy.enforceMessageSyntax) {
    message.push(lowerEnforceMessageSyntax(policy.enforceMessageSyntax, at));
  }
  // Refusals by field name before any change: the client's own fields decide.
  for (const refusal of policy.refuseHeaders ?? []) message.push(lowerRefuseHeader(refusal, at));
  // Header checks of submission rights judge the From: and Sender: the client wrote, before any rewriting.
  if (rights && (rights.checkHeaders || rights.mismatch === "addSender")) message.push(rights);
  if (qualify) message.push(lowerQualifyHeaders(qualify));
  if (masquerade && policy.masquerade!.value.headers) message.push(masquerade);
  for (const removal of policy.removeHeaders) message.push(lowerRemoveHeaders(removal, at));
  // Order of the added fields: the trace field last, so it ends up on top (RFC 5321 section 4.4).
  for (const field of policy.addFields ?? []) message.push(lowerAddField(field, at));
  for (const field of ADDABLE_FIELDS) {
    const span = policy.add.get(field);
    if (span) message.push(lowerAddHeader(field, span, !!policy.receivedPrivate, at));
  }

  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    source: { file, sha256: createHash("sha256").update(text).digest("hex") },
    hostname,
    listeners,
    tls: policy.tls ? lowerTls(policy.tls, at) : null,
    tlsCiphers: policy.tlsCiphers?.value ?? null,
    tlsProtocols: policy.tlsProtocols?.value ?? [...TLS_PROTOCOLS],
    users: policy.users ? lowerUsers(policy.users, at) : null,
    localDomains,
    log: lowerLog(policy.log, at),
    stages: {
      auth,
      mail: { before: mail.slice(0, mailBefore), refuseUnqualified, after: mail.slice(mailBefore) },
      rcpt: { before: rcpt.slice(0, rcptBefore), refuseUnqualified, after: rcpt.slice(rcptBefore) },
      message: { refuseBareLineEndings, checkHeaderSyntax, nodes: message },
    },
    deliver: lowerDeliver(policy.deliver, policy.queueLifetime, at),
    limits: lowerLimits(policy, at),
    dkim: policy.dkim.map((signature) => lowerDkim(signature, at)),
    aliases: policy.aliases ? lowerAliases(policy.aliases, at) : null,
    metrics: policy.metrics ? lowerMetrics(policy.metrics, at) : null,
    workers: policy.workers?.value ?? 1,
  };
}

function lowerLimits(policy: CheckedPolicy, at: Lowering): LimitsConfig {
  const { origin, builtin } = at;
  const d = DEFAULT_LIMITS;
  const pick = <T>(checked: { value: T; rule: Span } | undefined, fallback: T, what: string): { value: T; origin: RuleOrigin } =>
    checked ? { value: checked.value, origin: origin(checked.rule) } : { value: fallback, origin: builtin(what) };
  const sessions = pick(policy.sessions, d.sessions, `limit sessions ${d.sessions}`);
  const perIp = pick(policy.sessionsPerIp, d.sessionsPerIp, `limit sessions per ip ${d.sessionsPerIp}`);
  const throttleRule = policy.throttleIp ?? policy.throttleLogin ?? policy.throttleSession ?? policy.throttleDelay;
  const command = pick(policy.timeoutCommand, d.commandMs, "timeout command 5m");
  const data = pick(policy.timeoutData, d.dataMs, "timeout data 10m");
  return {
    store: lowerLimitsStore(policy.limitsStore, at),
    rates: policy.rates.map((rate) => lowerRate(rate, at)),
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
