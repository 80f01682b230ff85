// The checker's output: only values that passed, each with the span of the rule
// it came from. Lowering (lower.ts) reads nothing else; files the policy names
// are read by checkFiles.ts from the same value.
import type { Located, Span } from "../grammar/ast.js";
import type { ListenMode, LogLevel } from "../graph/graph.js";
import type { RuleKind } from "./rules/index.js";
import type { AddableField } from "./rules/add.js";

/** A checked value, with the rule (its span) it came from. */
export interface From<T> {
  value: T;
  rule: Span;
}

/** A checked rule that refuses something: written with `observe`, it logs what it would refuse and refuses nothing. */
export interface Observable {
  observe?: true;
}

/** A rule that is on or off (it has no value): where it was written, and whether it is observed. */
export interface Switch extends Observable {
  rule: Span;
}

export interface CheckedListener {
  host: string | null;
  port: number;
  mode: ListenMode;
  proxy: boolean;
  /** `proxy from ...`: the only peers trusted to send a PROXY header. */
  proxies?: string[];
  rule: Span;
}

export interface CheckedRate {
  count: number;
  unit: "messages" | "recipients" | "bytes";
  windowMs: number;
  per: "user" | "ip" | "domain";
}

export interface CheckedDkim {
  domain: string;
  selector: string;
  key: Located;
  headers?: string[];
  oversign?: string[];
}

export interface CheckedPolicy {
  hostname?: From<string>;
  tls?: From<{ certificate: Located; key: Located }>;
  listeners: CheckedListener[];
  users?: From<Located>;
  requireTls?: Switch;
  requireAuth?: Switch;
  qualify?: From<string[]>;
  enforceAddressSyntax?: Switch;
  allowPostmaster?: Span;
  allowUnauthenticated?: Span;
  /** login -> allowed addresses; `logins` keeps where each login was written. */
  senders?: From<Map<string, string[]>> & Observable & { logins: Located[]; file?: Located };
  limitSize?: From<number> & Observable;
  limitRecipients?: From<number> & Observable;
  add: Map<AddableField, Span>;
  log?: From<LogLevel>;
  deliver?: From<{ spool?: Located; relay?: string; requireTls: boolean; require8BitMime: boolean; verifyCertificate: boolean; credentials?: Located }>;
  enforceMessageSyntax?: Switch;
  sendersInHeaders?: Switch;
  allowSenderMismatch?: Span;
  recipientsTo: (From<{ except: boolean; targets: string[]; logins: string[] | null }> & Observable)[];
  rates: (From<CheckedRate> & Observable)[];
  sessions?: From<number>;
  sessionsPerIp?: From<number>;
  queueLifetime?: From<number>;
  limitsStore?: From<{ kind: "memory" } | { kind: "redis"; url: string }>;
  throttleIp?: From<{ count: number; windowMs: number; blockMs: number }>;
  throttleLogin?: From<{ count: number; windowMs: number; blockMs: number }>;
  throttleSession?: From<number>;
  throttleDelay?: From<{ baseMs: number; maxMs: number }>;
  timeoutCommand?: From<number>;
  timeoutData?: From<number>;
  aliases?: From<Located>;
  masquerade?: From<{ domains: string[]; exceptions: string[]; envelope: boolean; headers: boolean }>;
  removeHeaders: From<string[]>[];
  dkim: From<CheckedDkim>[];
  metrics?: From<{ host: string; port: number }>;
  workers?: From<number | "auto">;
  receivedPrivate?: Span;
  tlsCiphers?: From<string>;
  allowBareLineEndings?: Span;
  /** Every kind of rule the policy wrote, valid or not (lints about absent rules look here). */
  written: ReadonlySet<RuleKind>;
}
