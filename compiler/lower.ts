// Phase 4: lowering a checked policy into the rule graph. This is where the
// evaluation order is decided, once, by the dependencies between rules:
// TLS before authentication (a login must not cross the wire in clear), both
// before any address check (RFC 6409 section 4.3: no transaction without auth),
// qualification before every other envelope check (contract section 3), syntax
// before the unqualified-address refusal, and that before submission rights;
// in the message, smuggling and size checks first, then header syntax, then
// header qualification, then the fields the MSA adds (Received last, so it is
// prepended above everything). Defaults the policy did not write become nodes
// with line 0 so traces can still name them.
import { createHash } from "node:crypto";
import os from "node:os";
import type { Span } from "../grammar/ast.js";
import type { CheckedPolicy } from "./check.js";
import { resolvePolicyPath } from "./checkFiles.js";
import { toALabels } from "./domainName.js";
import {
  GRAPH_FORMAT, GRAPH_VERSION,
  type AddHeaderNode, type AuthNode, type DeliveryNode, type Listener, type MailNode, type MessageNode,
  type RcptNode, type RequireAuthNode, type RuleGraph, type RuleOrigin,
} from "./graph.js";
import { LineMap } from "./sourceText.js";

/** The address header fields qualified by `qualify domains` (RFC 5322 section 3.6.2, 3.6.3, 3.6.6). */
export const ADDRESS_FIELDS = [
  "From", "Sender", "Reply-To", "To", "Cc", "Bcc",
  "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc",
];

export const DEFAULT_SPOOL = "spool";

export function lowerPolicy(file: string, text: string, policy: CheckedPolicy): RuleGraph {
  const lines = new LineMap(text);
  const origin = (span: Span): RuleOrigin => ({ file, line: lines.position(span.start).line, span });
  const builtin = (what: string): RuleOrigin => ({ file, line: 0, span: { start: 0, end: 0 }, builtin: what });

  const hostname = policy.hostname?.value ?? (toALabels(os.hostname()) || "localhost");
  const qualifyDomain = policy.qualify?.value[0] ?? null;

  const listeners: Listener[] = policy.listeners.length > 0
    ? policy.listeners.map((l) => ({ host: l.host, port: l.port, mode: l.mode, origin: origin(l.rule) }))
    : [
      { host: null, port: 587, mode: "starttls", origin: builtin("listen 587 starttls (RFC 6409)") },
      { host: null, port: 465, mode: "tls", origin: builtin("listen 465 tls (RFC 8314)") },
    ];

  const requireTls = policy.requireTls ? { kind: "RequireTls" as const, origin: origin(policy.requireTls) } : undefined;
  const requireAuth: RequireAuthNode | undefined = policy.requireAuth && {
    kind: "RequireAuth",
    origin: origin(policy.requireAuth),
    postmaster: policy.allowPostmaster
      ? { domains: [...new Set([hostname, ...(policy.qualify?.value ?? [])])], origin: origin(policy.allowPostmaster) }
      : null,
  };
  const qualify = qualifyDomain && policy.qualify
    ? { kind: "QualifyEnvelope" as const, origin: origin(policy.qualify.rule), domain: qualifyDomain }
    : undefined;
  const syntax = policy.enforceAddressSyntax ? { kind: "EnforceAddressSyntax" as const, origin: origin(policy.enforceAddressSyntax) } : undefined;
  const refuseUnqualified = { kind: "RefuseUnqualified" as const, origin: builtin("unqualified addresses are refused (RFC 6409 section 4.2)") };

  const auth: AuthNode[] = requireTls ? [requireTls] : [];

  const mail: MailNode[] = [];
  if (requireTls) mail.push(requireTls);
  if (requireAuth) mail.push(requireAuth);
  if (qualify) mail.push(qualify);
  if (syntax) mail.push(syntax);
  mail.push(refuseUnqualified);
  if (policy.senders) {
    mail.push({
      kind: "SubmissionRights",
      origin: origin(policy.senders.rule),
      senders: Object.fromEntries(policy.senders.value),
      ownDomain: qualifyDomain,
    });
  }
  const limitSize = policy.limitSize && { kind: "LimitSize" as const, origin: origin(policy.limitSize.rule), bytes: policy.limitSize.value };
  if (limitSize) mail.push(limitSize);

  const rcpt: RcptNode[] = [];
  if (requireAuth) rcpt.push(requireAuth);
  if (qualify) rcpt.push(qualify);
  if (syntax) rcpt.push(syntax);
  rcpt.push(refuseUnqualified);
  if (policy.limitRecipients) {
    rcpt.push({ kind: "LimitRecipients", origin: origin(policy.limitRecipients.rule), max: policy.limitRecipients.value });
  }

  const message: MessageNode[] = [
    { kind: "RefuseBareLineEndings", origin: builtin("bare CR or LF in DATA is refused (SMTP smuggling)") },
  ];
  if (limitSize) message.push(limitSize);
  message.push({ kind: "CheckHeaderSyntax", origin: builtin("the header section must be RFC 5322 syntax") });
  if (qualify) message.push({ kind: "QualifyHeaders", origin: qualify.origin, domain: qualify.domain, fields: ADDRESS_FIELDS });
  // Order of the added fields: the trace field last, so it ends up on top (RFC 5321 section 4.4).
  for (const field of ["Date", "Message-ID", "Sender", "Received"] as const) {
    const span = policy.add.get(field);
    if (span) message.push({ kind: "AddHeader", origin: origin(span), field } satisfies AddHeaderNode);
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
    users: policy.users ? { path: resolvePolicyPath(file, policy.users.value.value), origin: origin(policy.users.rule) } : null,
    localDomains: [...new Set([hostname, ...(policy.qualify?.value ?? [])])],
    log: policy.log ? { level: policy.log.value, origin: origin(policy.log.rule) } : { level: "info", origin: builtin("log info") },
    stages: { auth, mail, rcpt, message },
    deliver: lowerDeliver(file, policy, origin, builtin),
  };
}

function lowerDeliver(
  file: string,
  policy: CheckedPolicy,
  origin: (span: Span) => RuleOrigin,
  builtin: (what: string) => RuleOrigin,
): DeliveryNode {
  const deliver = policy.deliver;
  if (!deliver) return { kind: "Spool", origin: builtin(`deliver spool "${DEFAULT_SPOOL}"`), dir: resolvePolicyPath(file, DEFAULT_SPOOL) };
  const { spool, relay } = deliver.value;
  if (spool && relay) return { kind: "SpoolThenRelay", origin: origin(deliver.rule), dir: resolvePolicyPath(file, spool.value), url: relay };
  if (spool) return { kind: "Spool", origin: origin(deliver.rule), dir: resolvePolicyPath(file, spool.value) };
  return { kind: "Relay", origin: origin(deliver.rule), url: relay! };
}
