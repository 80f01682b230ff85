// The rule graph: what the compiler hands the runtime. Immutable, plain JSON,
// every node a discriminated-union member that remembers the policy line it
// came from. Stages follow the SMTP session; within a stage the node order is
// the evaluation order (see `lower.ts` for why each node stands where it does).
// Lookup tables (logins, domains) are prepared here so the runtime never scans.
import type { Span } from "../grammar/ast.js";

export const GRAPH_FORMAT = "msa-rule-graph";
export const GRAPH_VERSION = 1;

/** Where a node came from. Nodes the policy did not write (defaults) have line 0 and say which default. */
export interface RuleOrigin {
  file: string;
  line: number;
  span: Span;
  /** For defaults: what the server does when the policy is silent. */
  builtin?: string;
}

export type ListenMode = "starttls" | "tls" | "plain";

export interface Listener {
  host: string | null;
  port: number;
  mode: ListenMode;
  origin: RuleOrigin;
}

// ---- nodes, by stage ----

/** RFC 3207 / RFC 8314: refuse AUTH and MAIL until TLS is active. */
export interface RequireTlsNode { kind: "RequireTls"; origin: RuleOrigin }
/** RFC 6409 section 4.3: no transaction without authentication. `postmaster` moves the refusal to RCPT. */
export interface RequireAuthNode {
  kind: "RequireAuth";
  origin: RuleOrigin;
  /** Set by `allow postmaster`: lowercase domains whose postmaster needs no authentication. */
  postmaster: { domains: string[]; origin: RuleOrigin } | null;
}
/** RFC 6409 section 4.2 (domains must be fully qualified): unqualified addresses get the site's domain. */
export interface QualifyEnvelopeNode { kind: "QualifyEnvelope"; origin: RuleOrigin; domain: string }
/** RFC 5321 section 4.1.2 syntax of MAIL FROM / RCPT TO. */
export interface EnforceAddressSyntaxNode { kind: "EnforceAddressSyntax"; origin: RuleOrigin }
/** RFC 6409 section 4.2: an MSA must not pass on unqualified addresses. */
export interface RefuseUnqualifiedNode { kind: "RefuseUnqualified"; origin: RuleOrigin }
/** RFC 6409 section 6.1: which MAIL FROM addresses each login may use. */
export interface SubmissionRightsNode {
  kind: "SubmissionRights";
  origin: RuleOrigin;
  /** login -> lowercase-domain addresses it may use. Logins not listed may use their own address. */
  senders: Record<string, string[]>;
  /** Domain that completes a login without `@` into its own address. */
  ownDomain: string | null;
}
/** RFC 1870: SIZE= and the actual message size. */
export interface LimitSizeNode { kind: "LimitSize"; origin: RuleOrigin; bytes: number }
/** Recipients per transaction. */
export interface LimitRecipientsNode { kind: "LimitRecipients"; origin: RuleOrigin; max: number }
/** RFC 5322 section 2.2 header syntax, always on. */
export interface CheckHeaderSyntaxNode { kind: "CheckHeaderSyntax"; origin: RuleOrigin }
/** SMTP smuggling defence: bare CR or LF in DATA is refused, always on. */
export interface RefuseBareLineEndingsNode { kind: "RefuseBareLineEndings"; origin: RuleOrigin }
/** RFC 6409 sections 4.2 and 8.8 in header fields: From, Sender, Reply-To, To, Cc, Bcc and Resent- forms. */
export interface QualifyHeadersNode { kind: "QualifyHeaders"; origin: RuleOrigin; domain: string; fields: string[] }
/** Message completion: Date (RFC 6409 section 8.2), Message-ID (8.3), Sender (8.1), Received (RFC 5321 section 4.4). */
export interface AddHeaderNode { kind: "AddHeader"; origin: RuleOrigin; field: "Date" | "Message-ID" | "Sender" | "Received" }

export type MailNode =
  | RequireTlsNode | RequireAuthNode | QualifyEnvelopeNode | EnforceAddressSyntaxNode
  | RefuseUnqualifiedNode | SubmissionRightsNode | LimitSizeNode;
export type RcptNode =
  | RequireAuthNode | QualifyEnvelopeNode | EnforceAddressSyntaxNode | RefuseUnqualifiedNode | LimitRecipientsNode;
export type MessageNode =
  | RefuseBareLineEndingsNode | LimitSizeNode | CheckHeaderSyntaxNode | QualifyHeadersNode | AddHeaderNode;
export type AuthNode = RequireTlsNode;

export type DeliveryNode =
  | { kind: "Relay"; origin: RuleOrigin; url: string }
  | { kind: "Spool"; origin: RuleOrigin; dir: string }
  | { kind: "SpoolThenRelay"; origin: RuleOrigin; dir: string; url: string };

export type LogLevel = "errors" | "info" | "debug";

export interface RuleGraph {
  format: typeof GRAPH_FORMAT;
  version: typeof GRAPH_VERSION;
  source: {
    /** The policy file as named on the command line: what log events and traces print. */
    file: string;
    /** SHA-256 of the policy text: the policy's version. */
    sha256: string;
  };
  hostname: string;
  listeners: Listener[];
  tls: { certificate: string; key: string; origin: RuleOrigin } | null;
  users: { path: string; origin: RuleOrigin } | null;
  /** Domains whose postmaster and own addresses are local (hostname and qualify domains), lowercase. */
  localDomains: string[];
  log: { level: LogLevel; origin: RuleOrigin };
  /** Whether unauthenticated sessions may submit (no `require auth`). */
  stages: {
    auth: AuthNode[];
    mail: MailNode[];
    rcpt: RcptNode[];
    message: MessageNode[];
  };
  deliver: DeliveryNode;
}

export type GraphNode = MailNode | RcptNode | MessageNode | AuthNode | DeliveryNode;

/** `FILE:LINE`, how log events and traces name the rule that decided. */
export function ruleLocation(origin: RuleOrigin): string {
  return `${origin.file}:${origin.line}`;
}
