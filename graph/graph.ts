// The rule graph: what the compiler hands the runtime. Immutable, plain JSON,
// every node a discriminated-union member that remembers the policy line it
// came from. Stages follow the SMTP session; within a stage the node order is
// the evaluation order (see `lower.ts` for why each node stands where it does).
// Lookup tables (logins, domains) are prepared here so the runtime never scans.
import type { Span } from "../grammar/ast.js";

export const GRAPH_FORMAT = "msa-rule-graph";
// 2: limits, dkim, aliases, metrics, workers, relay options, rights and rewriting nodes.
export const GRAPH_VERSION = 2;

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
  /** HAProxy PROXY protocol (v1 or v2) precedes SMTP on this listener. */
  proxy?: boolean;
  /** `proxy from ADDRESS, ...`: only these peers may connect (and send the header); absent = any peer. */
  proxies?: string[];
  origin: RuleOrigin;
}

/**
 * Written `observe RULE`: the rule logs and counts what it would refuse and
 * refuses nothing (Postfix's warn_if_reject, Exim's warn), so a new rule can be
 * rolled out safely. Only nodes that can refuse carry it.
 */
export interface Observable {
  observe?: true;
}

// ---- nodes, by stage ----

/** RFC 3207 / RFC 8314: refuse AUTH and MAIL until TLS is active. */
export interface RequireTlsNode extends Observable { kind: "RequireTls"; origin: RuleOrigin }
/** RFC 6409 section 4.3: no transaction without authentication. `postmaster` moves the refusal to RCPT. */
export interface RequireAuthNode extends Observable {
  kind: "RequireAuth";
  origin: RuleOrigin;
  /** Set by `allow postmaster`: lowercase domains whose postmaster needs no authentication. */
  postmaster: { domains: string[]; origin: RuleOrigin } | null;
}
/** RFC 6409 section 4.2 (domains must be fully qualified): unqualified addresses get the site's domain. */
export interface QualifyEnvelopeNode { kind: "QualifyEnvelope"; origin: RuleOrigin; domain: string }
/** RFC 5321 section 4.1.2 syntax of MAIL FROM / RCPT TO. */
export interface EnforceAddressSyntaxNode extends Observable { kind: "EnforceAddressSyntax"; origin: RuleOrigin }
/** RFC 6409 section 4.2: an MSA must not pass on unqualified addresses. */
export interface RefuseUnqualifiedNode { kind: "RefuseUnqualified"; origin: RuleOrigin }
/** RFC 6409 section 6.1: which MAIL FROM addresses each login may use. */
export interface SubmissionRightsNode extends Observable {
  kind: "SubmissionRights";
  origin: RuleOrigin;
  /**
   * login -> what it may use: addresses (`alice@example.com`, domain in lowercase
   * A-labels), whole domains (`@example.com`) or everything (`*`). Logins not
   * listed may use their own address.
   */
  senders: Record<string, string[]>;
  /** `senders "FILE"`: the table lives in this file (same lines as the block) and is reloaded when it changes. */
  file?: string;
  /** Domain that completes a login without `@` into its own address. */
  ownDomain: string | null;
  /** `allow sender mismatch`: accept a MAIL FROM the login may not use, and add `Sender:` with its own address. */
  mismatch: "refuse" | "addSender";
  /** `enforce senders in headers`: From: and Sender: must also be addresses the login may use (550 5.7.1 after DATA). */
  checkHeaders?: { origin: RuleOrigin };
}
/**
 * RFC 6409 section 6.2: `limit recipients to LIST [for LOGINS]`: those logins (all when null) may
 * write only to LIST; with `except`, to anyone but LIST.
 */
export interface RecipientsToNode extends Observable {
  kind: "RecipientsTo";
  origin: RuleOrigin;
  except?: true;
  /** Addresses (lowercase domain) and domains (`@example.com`, lowercase A-labels). */
  targets: string[];
  logins: string[] | null;
}
/** RFC 6409 section 8.8: `masquerade`: host names in sender addresses become the domain. */
export interface MasqueradeNode {
  kind: "Masquerade";
  origin: RuleOrigin;
  domains: string[];
  exceptions: string[];
}
/** `remove header NAME, ...`: fields taken out of the message (and logged). */
export interface RemoveHeadersNode { kind: "RemoveHeaders"; origin: RuleOrigin; names: string[] }
/** RFC 6409 section 6.3 / RFC 5322 section 3.6: From present, Sender with several From, Date parses, single fields once. */
export interface EnforceMessageSyntaxNode extends Observable { kind: "EnforceMessageSyntax"; origin: RuleOrigin }
/** RFC 1870: SIZE= and the actual message size. */
export interface LimitSizeNode extends Observable { kind: "LimitSize"; origin: RuleOrigin; bytes: number }
/** Recipients per transaction. */
export interface LimitRecipientsNode extends Observable { kind: "LimitRecipients"; origin: RuleOrigin; max: number }
/** RFC 5322 section 2.2 header syntax, always on. */
export interface CheckHeaderSyntaxNode { kind: "CheckHeaderSyntax"; origin: RuleOrigin }
/** SMTP smuggling defence: bare CR or LF in DATA is refused; `allow bare line endings` turns them into CRLF instead. */
export interface RefuseBareLineEndingsNode { kind: "RefuseBareLineEndings"; origin: RuleOrigin; normalise?: true }
/** RFC 6409 sections 4.2 and 8.8 in header fields: From, Sender, Reply-To, To, Cc, Bcc and Resent- forms. */
export interface QualifyHeadersNode { kind: "QualifyHeaders"; origin: RuleOrigin; domain: string; fields: string[] }
/** Message completion: Date (RFC 6409 section 8.2), Message-ID (8.3), Sender (8.1), Received (RFC 5321 section 4.4). */
export interface AddHeaderNode {
  kind: "AddHeader";
  origin: RuleOrigin;
  field: "Date" | "Message-ID" | "Sender" | "Received";
  /** `add Received private`: the client's IP is left out for authenticated submissions. */
  private?: true;
}

export type MailNode =
  | RequireTlsNode | RequireAuthNode | QualifyEnvelopeNode | EnforceAddressSyntaxNode
  | RefuseUnqualifiedNode | MasqueradeNode | SubmissionRightsNode | LimitSizeNode;
export type RcptNode =
  | RequireAuthNode | QualifyEnvelopeNode | EnforceAddressSyntaxNode | RefuseUnqualifiedNode | RecipientsToNode | LimitRecipientsNode;
export type MessageNode =
  | RefuseBareLineEndingsNode | LimitSizeNode | CheckHeaderSyntaxNode | EnforceMessageSyntaxNode | SubmissionRightsNode
  | QualifyHeadersNode | MasqueradeNode | RemoveHeadersNode | AddHeaderNode;
export type AuthNode = RequireTlsNode;

/** How the next hop is reached (RFC 8314, RFC 4954). */
export interface RelayOptions {
  /** Refuse to hand over unless TLS is active. */
  requireTls: boolean;
  /** `require 8bitmime`: 8-bit mail for a next hop without 8BITMIME is refused (554 5.6.3), not converted (RFC 6409 section 8.4). */
  require8BitMime: boolean;
  /** `verify certificate` was written; the certificate is verified anyway for smtps:// and under requireTls. */
  verifyCertificate: boolean;
  /** A file with one `USER:PASSWORD` line for AUTH at the next hop. */
  credentials: string | null;
}

export type DeliveryNode =
  | { kind: "Relay"; origin: RuleOrigin; url: string; relay: RelayOptions }
  | { kind: "Spool"; origin: RuleOrigin; dir: string }
  | { kind: "SpoolThenRelay"; origin: RuleOrigin; dir: string; url: string; relay: RelayOptions; lifetimeMs: number };

/** `limit rate N UNIT per WINDOW per SUBJECT`: counted on accepted messages, refused with 451 4.7.1. */
export interface RateRuleNode {
  origin: RuleOrigin;
  count: number;
  unit: "messages" | "recipients" | "bytes";
  windowMs: number;
  per: "user" | "ip" | "domain";
  observe?: true;
}

/** Issue 6: rate limits, login throttling, session limits and timeouts (all with defaults). */
export interface LimitsConfig {
  store: { kind: "memory" } | { kind: "redis"; url: string; origin: RuleOrigin };
  rates: RateRuleNode[];
  sessions: { max: number; perIp: number; origin: RuleOrigin; perIpOrigin: RuleOrigin };
  throttle: {
    failuresPerSession: number;
    ip: { count: number; windowMs: number; blockMs: number };
    login: { count: number; windowMs: number; blockMs: number };
    delayBaseMs: number;
    delayMaxMs: number;
    origin: RuleOrigin;
  };
  /** `origin` is the `timeout command` rule, `dataOrigin` the `timeout data` rule (or their defaults). */
  timeouts: { commandMs: number; dataMs: number; origin: RuleOrigin; dataOrigin: RuleOrigin };
}

/** What the server does when the policy says nothing about limits (`docs/limits.md`). */
export const DEFAULT_LIMITS = {
  sessions: 500,
  sessionsPerIp: 20,
  failuresPerSession: 3,
  ip: { count: 5, windowMs: 10 * 60_000, blockMs: 15 * 60_000 },
  login: { count: 10, windowMs: 60 * 60_000, blockMs: 60 * 60_000 },
  delayBaseMs: 1000,
  delayMaxMs: 8000,
  commandMs: 5 * 60_000,
  dataMs: 10 * 60_000,
} as const;

/** `sign dkim domain D selector S key "FILE"` (RFC 6376, RFC 8463). */
export interface DkimSignatureNode {
  domain: string;
  selector: string;
  keyPath: string;
  headers?: string[];
  oversign?: string[];
  origin: RuleOrigin;
}

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
  /** `tls ciphers`: the OpenSSL cipher list for TLS 1.2 (TLS 1.2 is the floor), or null for Node's default. */
  tlsCiphers: string | null;
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
  limits: LimitsConfig;
  /** Signatures applied after every other change to the message. */
  dkim: DkimSignatureNode[];
  /** `aliases "FILE"`: recipients expanded before delivery (RFC 6409 section 8.7). */
  aliases: { path: string; origin: RuleOrigin } | null;
  metrics: { host: string; port: number; origin: RuleOrigin } | null;
  /** Server processes sharing the listeners; "auto" is one per core. */
  workers: number | "auto";
}

export type GraphNode = MailNode | RcptNode | MessageNode | AuthNode | DeliveryNode;

/** `FILE:LINE`, how log events and traces name the rule that decided. */
export function ruleLocation(origin: RuleOrigin): string {
  return `${origin.file}:${origin.line}`;
}
