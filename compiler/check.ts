// Phase 2: the checker. Types and ranges every rule's arguments, finds duplicate
// and conflicting rules (pointing at both places), and applies the RFC 6409
// lints no other MTA has. Its output, `CheckedPolicy`, holds only values that
// passed; the lowering phase turns it into the rule graph. The lints run only
// on a policy that parsed completely, and never call a rule missing that was
// written with a mistake: one mistake, one diagnostic. It reads no files
// (that is `checkFiles.ts`) and never touches the network.
import { isIP } from "node:net";
import { createSecureContext } from "node:tls";
import type {
  AddRule,
  DeliverRule,
  LimitRateRule,
  ListenRule,
  Located,
  MasqueradeRule,
  PolicyAst,
  Rule,
  RuleKind,
  SendersRule,
  SignDkimRule,
  Span,
  ThrottleFailuresRule,
} from "../grammar/ast.js";
import { closestMatch } from "../grammar/spelling.js";
import { parseEnvelopeAddress } from "../formats/envelopeAddress.js";
import { type Catalogue, diagnostic, type Diagnostic, type PhaseResult, type RelatedLocation } from "./diagnostics.js";
import { domainProblem, isFullyQualified, toALabels } from "../formats/domainName.js";
import { parseDuration } from "./duration.js";
import type { ListenMode, LogLevel } from "../graph/graph.js";
import { parseSize } from "./size.js";

export const ADDABLE_FIELDS = ["Date", "Message-ID", "Sender", "Received"] as const;
export type AddableField = (typeof ADDABLE_FIELDS)[number];
export const LOG_LEVELS: readonly LogLevel[] = ["errors", "info", "debug"];
const MAX_RECIPIENTS = 100_000;
/** Fields `remove header` must not take: the trace (RFC 5321 section 4.4) and the originator (RFC 5322 section 3.6). */
const REQUIRED_FIELDS = ["Received", "From"] as const;
/** The submission ports and the TLS mode each is for (RFC 6409 section 3.1, RFC 8314 section 3.3). */
const SUBMISSION_PORT_MODES: ReadonlyMap<number, ListenMode> = new Map([
  [587, "starttls"],
  [465, "tls"],
]);

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

/** Rules that may appear once: a second one is MSA2001 when it says the same, MSA2002 when it says something else. */
const SINGLE: Partial<Record<RuleKind, string>> = {
  hostname: "hostname",
  tls: "tls certificate",
  tlsCiphers: "tls ciphers",
  authUsers: "auth users",
  qualify: "qualify domains",
  enforceAddressSyntax: "enforce address syntax",
  senders: "senders",
  limitSize: "limit size",
  limitRecipients: "limit recipients",
  log: "log",
  deliver: "deliver",
  enforceMessageSyntax: "enforce message syntax",
  enforceSendersInHeaders: "enforce senders in headers",
  limitQueueLifetime: "limit queue lifetime",
  limitsStore: "limits store",
  throttleDelay: "throttle auth delay",
  aliases: "aliases",
  masquerade: "masquerade",
  metrics: "metrics listen",
  workers: "workers",
};

/** Rules that refuse something, so `observe` can be written in front of them. */
const OBSERVABLE: ReadonlySet<RuleKind> = new Set<RuleKind>([
  "require",
  "enforceAddressSyntax",
  "enforceMessageSyntax",
  "enforceSendersInHeaders",
  "senders",
  "limitSize",
  "limitRecipients",
  "limitRecipientsTo",
  "limitRate",
]);

/** Rules that may appear more than once, keyed by what they set: a second rule with the same key is a duplicate. */
function ruleKey(rule: Rule): string {
  switch (rule.kind) {
    case "require":
    case "allow":
      return `${rule.kind} ${rule.what.value}`;
    case "add":
      return `add ${rule.header.value}`;
    case "limitSessions":
      return `limit sessions ${rule.subject?.value ?? ""}`;
    case "timeout":
      return `timeout ${rule.what.value}`;
    case "throttleFailures":
      return `throttle auth failures per ${rule.subject?.value ?? "session"}`;
    default:
      return rule.kind;
  }
}

const KEYED: ReadonlySet<RuleKind> = new Set<RuleKind>(["require", "allow", "add", "limitSessions", "timeout", "throttleFailures"]);

/** Whether a listener's host is a loopback address: 127.0.0.0/8, ::1 or `localhost` (RFC 6890). */
export function isLoopbackHost(host: string | null): boolean {
  if (host === null) return false;
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

export interface CheckOptions {
  /**
   * Whether the policy parsed completely. The lints judge the policy as a whole
   * (what is missing, what contradicts); when a line did not parse they would
   * report the consequences of the syntax error again, so they are skipped.
   */
  complete: boolean;
}

export class Checker {
  private readonly diagnostics: Diagnostic[] = [];
  /** Rule kinds the policy wrote, and those of which a rule had an error: a lint about what is missing must not fire because a written rule was wrong. */
  private readonly written = new Set<RuleKind>();
  private readonly failed = new Set<RuleKind>();
  private readonly policy: CheckedPolicy = {
    listeners: [],
    add: new Map(),
    written: this.written,
    recipientsTo: [],
    rates: [],
    removeHeaders: [],
    dkim: [],
  };
  private readonly domains = new Map<string, { ascii: string; problem?: undefined } | { problem: string }>();

  constructor(
    private readonly file: string,
    private readonly options: CheckOptions = { complete: true },
  ) {}

  check(ast: PolicyAst): PhaseResult<CheckedPolicy> {
    const firstOfKind = new Map<string, Rule>();
    for (const rule of ast.rules) {
      const key = ruleKey(rule);
      const first = firstOfKind.get(key);
      if (first && (SINGLE[rule.kind] || KEYED.has(rule.kind))) {
        this.reportSecond(first, rule);
        continue;
      }
      firstOfKind.set(key, rule);
      this.written.add(rule.kind);
      const before = this.diagnostics.length;
      if (rule.observe && !OBSERVABLE.has(rule.kind)) {
        this.report("notObservable", rule.observe, `\`${this.sourceName(rule)}\` refuses nothing, so it cannot be observed`, { hint: "remove `observe`" });
        continue;
      }
      this.checkRule(rule, rule.observe ? { observe: true } : {});
      if (this.diagnostics.slice(before).some((d) => d.severity === "error")) this.failed.add(rule.kind);
    }
    if (this.options.complete) this.lintPolicy();
    return { value: this.policy, diagnostics: this.diagnostics };
  }

  private report(kind: keyof typeof Catalogue, span: Span, message: string, extra: { hint?: string; related?: RelatedLocation[] } = {}) {
    this.diagnostics.push(diagnostic(kind, this.file, span, message, extra));
  }

  private related(span: Span, message: string): RelatedLocation[] {
    return [{ file: this.file, span, message }];
  }

  private reportSecond(first: Rule, second: Rule) {
    const name = SINGLE[second.kind] ?? this.sourceName(second);
    const related = this.related(first.span, `the first \`${name}\` is here`);
    // `require`, `allow` and `add` rules are keyed by their argument, so a second one always says the same.
    if (this.ruleText(first) !== this.ruleText(second)) {
      this.report("conflictingRules", second.span, `conflicting \`${name}\` rules`, {
        hint: second.kind === "senders" ? "merge the two blocks into one" : "keep one; msa never picks one silently",
        related,
      });
      return;
    }
    this.report("duplicateRule", second.span, `duplicate \`${name}\` rule`, { hint: "remove one of the two", related });
  }

  private ruleText(rule: Rule): string {
    return JSON.stringify(rule, (k, v) => (k === "span" || k === "verb" ? undefined : v));
  }

  private sourceName(rule: Rule): string {
    switch (rule.kind) {
      case "require":
        return `require ${rule.what.value}`;
      case "allow":
        return `allow ${rule.what.value}`;
      case "add":
        return `add ${rule.header.value}`;
      default:
        return SINGLE[rule.kind] ?? rule.kind;
    }
  }

  /** `observe` goes into the checked value of the rule, where lowering reads it. */
  private checkRule(rule: Rule, observe: Observable) {
    switch (rule.kind) {
      case "hostname": {
        const problem = domainProblem(rule.name.value);
        if (problem) return this.report("invalidDomain", rule.name.span, problem);
        if (!isFullyQualified(rule.name.value)) {
          this.report("hostnameNotQualified", rule.name.span, `hostname \`${rule.name.value}\` is not fully qualified`, {
            hint: "use a name with a dot, such as `msa.example.com`",
          });
        }
        this.policy.hostname = { value: toALabels(rule.name.value)!, rule: rule.span };
        return;
      }
      case "tls":
        this.policy.tls = { value: { certificate: rule.certificate, key: rule.key }, rule: rule.span };
        return;
      case "tlsCiphers":
        // OpenSSL judges the list: a list it cannot use would fail every handshake.
        try {
          createSecureContext({ ciphers: rule.ciphers.value });
        } catch (error) {
          return this.report("unknownValue", rule.ciphers.span, `OpenSSL cannot use the cipher list \`${rule.ciphers.value}\``, { hint: (error as Error).message });
        }
        this.policy.tlsCiphers = { value: rule.ciphers.value, rule: rule.span };
        return;
      case "listen":
        return this.checkListen(rule);
      case "authUsers":
        this.policy.users = { value: rule.path, rule: rule.span };
        return;
      case "require":
        if (rule.what.value === "tls") this.policy.requireTls = { rule: rule.span, ...observe };
        else this.policy.requireAuth = { rule: rule.span, ...observe };
        return;
      case "qualify": {
        const domains: string[] = [];
        // A set beside the list keeps the duplicate test constant-time for a list of any length.
        const seen = new Set<string>();
        for (const domain of rule.domains) {
          const problem = domainProblem(domain.value);
          if (problem) {
            this.report("invalidDomain", domain.span, problem);
            continue;
          }
          const ascii = toALabels(domain.value)!;
          if (seen.has(ascii)) {
            this.report("duplicateValue", domain.span, `domain \`${domain.value}\` is listed twice`);
            continue;
          }
          if (!isFullyQualified(ascii)) {
            this.report("invalidDomain", domain.span, `\`${domain.value}\` is not fully qualified, so addresses qualified with it would not be either`, {
              hint: "use a domain with a dot, such as `example.com`",
            });
            continue;
          }
          seen.add(ascii);
          domains.push(ascii);
        }
        if (domains.length > 0) this.policy.qualify = { value: domains, rule: rule.span };
        return;
      }
      case "enforceAddressSyntax":
        this.policy.enforceAddressSyntax = { rule: rule.span, ...observe };
        return;
      case "allow":
        if (rule.what.value === "postmaster") this.policy.allowPostmaster = rule.span;
        else if (rule.what.value === "sender mismatch") this.policy.allowSenderMismatch = rule.span;
        else if (rule.what.value === "bare line endings") this.policy.allowBareLineEndings = rule.span;
        else this.policy.allowUnauthenticated = rule.span;
        return;
      case "senders":
        return this.checkSenders(rule, observe);
      case "limitSize": {
        const size = parseSize(rule.size.value);
        if (!size.ok) return this.report("invalidSize", rule.size.span, size.message, size.hint ? { hint: size.hint } : {});
        if (size.bytes === 0) return this.report("notPositive", rule.size.span, "a size limit of 0 would refuse every message", { hint: "remove the rule for no limit" });
        if (size.bytes > 2_000_000_000) return this.report("limitTooLarge", rule.size.span, `\`${rule.size.value}\` is larger than the largest size msa accepts (2GB)`);
        this.policy.limitSize = { value: size.bytes, rule: rule.span, ...observe };
        return;
      }
      case "limitRecipients": {
        const count = Number(rule.count.value);
        if (count === 0) return this.report("notPositive", rule.count.span, "a limit of 0 recipients would refuse every message");
        if (count > MAX_RECIPIENTS) return this.report("limitTooLarge", rule.count.span, `\`${rule.count.value}\` recipients is more than msa accepts (${MAX_RECIPIENTS})`);
        this.policy.limitRecipients = { value: count, rule: rule.span, ...observe };
        return;
      }
      case "add":
        if (rule.private) {
          if (rule.header.value !== "Received") return this.report("unknownValue", rule.private, `\`private\` applies only to \`add Received\``);
          this.policy.receivedPrivate = rule.private;
        }
        return this.checkAdd(rule);
      case "log": {
        const level = LOG_LEVELS.find((l) => l === rule.level.value);
        if (!level) {
          const suggestion = closestMatch(rule.level.value, LOG_LEVELS);
          return this.report("unknownLogLevel", rule.level.span, `unknown log level \`${rule.level.value}\``, {
            hint: suggestion ? `did you mean \`${suggestion}\`?` : "use `errors`, `info` or `debug`",
          });
        }
        this.policy.log = { value: level, rule: rule.span };
        return;
      }
      case "deliver":
        return this.checkDeliver(rule);
      case "enforceMessageSyntax":
        this.policy.enforceMessageSyntax = { rule: rule.span, ...observe };
        return;
      case "enforceSendersInHeaders":
        this.policy.sendersInHeaders = { rule: rule.span, ...observe };
        return;
      case "limitRecipientsTo": {
        const targets = rule.targets.map((t) => this.normalizeTarget(t)).filter((t): t is string => t !== undefined);
        if (targets.length !== rule.targets.length) return;
        this.policy.recipientsTo.push({
          value: { except: rule.mode === "except", targets, logins: rule.logins.length > 0 ? rule.logins.map((l) => l.value) : null },
          rule: rule.span,
          ...observe,
        });
        return;
      }
      case "limitRate":
        return this.checkRate(rule, observe);
      case "limitSessions": {
        const count = this.positive(rule.count);
        if (count === undefined) return;
        if (rule.subject && rule.subject.value !== "ip") return this.unknown(rule.subject, "`limit sessions per`", ["ip"]);
        if (rule.subject) this.policy.sessionsPerIp = { value: count, rule: rule.span };
        else this.policy.sessions = { value: count, rule: rule.span };
        return;
      }
      case "limitQueueLifetime": {
        const ms = this.duration(rule.lifetime);
        if (ms !== undefined) this.policy.queueLifetime = { value: ms, rule: rule.span };
        return;
      }
      case "limitsStore": {
        if (rule.store.value === "memory") {
          this.policy.limitsStore = { value: { kind: "memory" }, rule: rule.span };
          return;
        }
        if (!/^rediss?:\/\/[^\s/]+/.test(rule.store.value)) {
          return this.report("unknownValue", rule.store.span, `\`${rule.store.value}\` is not a limits store`, { hint: "write `memory` or `redis://HOST:PORT`" });
        }
        this.policy.limitsStore = { value: { kind: "redis", url: rule.store.value }, rule: rule.span };
        return;
      }
      case "throttleFailures":
        return this.checkThrottle(rule);
      case "throttleDelay": {
        const [baseMs, maxMs] = [this.duration(rule.base), this.duration(rule.max)];
        if (baseMs === undefined || maxMs === undefined) return;
        if (maxMs < baseMs) return this.report("invalidDuration", rule.max.span, `the longest delay \`${rule.max.value}\` is shorter than the first \`${rule.base.value}\``);
        this.policy.throttleDelay = { value: { baseMs, maxMs }, rule: rule.span };
        return;
      }
      case "timeout": {
        if (rule.what.value !== "command" && rule.what.value !== "data") return this.unknown(rule.what, "`timeout`", ["command", "data"]);
        const ms = this.duration(rule.duration);
        if (ms === undefined) return;
        if (rule.what.value === "command") this.policy.timeoutCommand = { value: ms, rule: rule.span };
        else this.policy.timeoutData = { value: ms, rule: rule.span };
        return;
      }
      case "aliases":
        this.policy.aliases = { value: rule.path, rule: rule.span };
        return;
      case "masquerade":
        return this.checkMasquerade(rule);
      case "removeHeader": {
        const names = rule.names.filter((n) => {
          if (/^[\x21-\x39\x3b-\x7e]+$/.test(n.value)) return true;
          this.report("unknownValue", n.span, `\`${n.value}\` is not a header field name`);
          return false;
        });
        for (const name of names) {
          const field = REQUIRED_FIELDS.find((f) => f.toLowerCase() === name.value.toLowerCase());
          if (field) {
            this.report(
              "removeRequiredField",
              name.span,
              `removing \`${name.value}\` ${field === "From" ? "leaves messages without the originator field every message must have" : "deletes the trace of where messages have been"}`,
              {
                hint:
                  field === "From"
                    ? "RFC 5322 section 3.6 requires `From`; remove the name from the rule"
                    : "RFC 5321 section 4.4 forbids deleting `Received` fields; use `add Received private` to hide the client's address",
              },
            );
          }
        }
        if (names.length === rule.names.length) this.policy.removeHeaders.push({ value: names.map((n) => n.value), rule: rule.span });
        return;
      }
      case "signDkim":
        return this.checkDkim(rule);
      case "metrics": {
        const endpoint = this.hostPort(rule.endpoint);
        if (endpoint) this.policy.metrics = { value: endpoint, rule: rule.span };
        return;
      }
      case "workers": {
        if (rule.count.value === "auto") {
          this.policy.workers = { value: "auto", rule: rule.span };
          return;
        }
        if (!/^\d+$/.test(rule.count.value)) return this.unknown(rule.count, "`workers`", ["auto"], "a number or `auto`");
        const count = this.positive(rule.count);
        if (count !== undefined) this.policy.workers = { value: count, rule: rule.span };
        return;
      }
    }
  }

  /** Reports an unknown word with a suggestion from `known`. */
  private unknown(word: Located, where: string, known: readonly string[], takes?: string) {
    const suggestion = closestMatch(word.value, known);
    this.report("unknownValue", word.span, `unknown \`${word.value}\` in ${where}`, {
      hint: suggestion ? `did you mean \`${suggestion}\`?` : `it takes ${takes ?? known.map((k) => "`" + k + "`").join(", ")}`,
    });
  }

  private positive(count: Located): number | undefined {
    const value = Number(count.value);
    if (!Number.isInteger(value) || value <= 0) {
      this.report("notPositive", count.span, `\`${count.value}\` must be a positive number`);
      return undefined;
    }
    return value;
  }

  private duration(text: Located, options: { window?: boolean } = {}): number | undefined {
    const ms = parseDuration(text.value, options);
    if (ms === undefined) {
      this.report("invalidDuration", text.span, `\`${text.value}\` is not a duration`, {
        hint: options.window ? "write `30s`, `5m`, `1h`, `1d`, or `minute`, `hour`, `day`, `week`" : "write a positive number with `s`, `m`, `h` or `d`, such as `5m`",
      });
    }
    return ms;
  }

  /** An address (lowercase domain) or `@domain` (lowercase A-labels) in a list of recipients or grants. */
  private normalizeTarget(target: Located): string | undefined {
    const text = target.value.startsWith("@") || target.value.includes("@") ? target.value : `@${target.value}`;
    if (text.startsWith("@")) {
      const domain = this.domain(text.slice(1));
      if (domain.problem !== undefined) {
        this.report("invalidDomain", target.span, domain.problem);
        return undefined;
      }
      return `@${domain.ascii}`;
    }
    return this.normalizePolicyAddress(target);
  }

  private checkRate(rule: LimitRateRule, observe: Observable) {
    let count: number;
    let unit: CheckedRate["unit"];
    if (rule.unit) {
      const n = this.positive(rule.count);
      if (n === undefined) return;
      if (rule.unit.value !== "messages" && rule.unit.value !== "recipients")
        return this.unknown(rule.unit, "`limit rate`", ["messages", "recipients"], "`messages`, `recipients`, or a size such as `50MB`");
      count = n;
      unit = rule.unit.value;
    } else {
      const size = parseSize(rule.count.value);
      if (!size.ok) return this.report("invalidSize", rule.count.span, size.message, size.hint ? { hint: size.hint } : {});
      if (size.bytes === 0) return this.report("notPositive", rule.count.span, "a rate of 0 bytes would refuse every message");
      count = size.bytes;
      unit = "bytes";
    }
    const windowMs = this.duration(rule.window, { window: true });
    if (windowMs === undefined) return;
    const per = rule.subject.value;
    if (per !== "user" && per !== "ip" && per !== "domain") return this.unknown(rule.subject, "`limit rate ... per`", ["user", "ip", "domain"]);
    this.policy.rates.push({ value: { count, unit, windowMs, per }, rule: rule.span, ...observe });
  }

  private checkThrottle(rule: ThrottleFailuresRule) {
    const count = this.positive(rule.count);
    if (count === undefined) return;
    if (rule.session) {
      if (rule.session.value !== "session")
        return this.unknown(rule.session, "`throttle auth failures N per`", ["session"], "`session`, or a duration then `per ip` or `per login`");
      this.policy.throttleSession = { value: count, rule: rule.span };
      return;
    }
    const windowMs = this.duration(rule.window!);
    const blockMs = this.duration(rule.block!);
    if (windowMs === undefined || blockMs === undefined) return;
    const subject = rule.subject!.value;
    if (subject !== "ip" && subject !== "login") return this.unknown(rule.subject!, "`throttle auth failures ... per`", ["ip", "login"]);
    const value = { count, windowMs, blockMs };
    if (subject === "ip") this.policy.throttleIp = { value, rule: rule.span };
    else this.policy.throttleLogin = { value, rule: rule.span };
  }

  private checkMasquerade(rule: MasqueradeRule) {
    const ascii = (list: Located[]) =>
      list.map((d) => {
        const domain = this.domain(d.value.replace(/^@/, ""));
        if (domain.problem !== undefined) {
          this.report("invalidDomain", d.span, domain.problem);
          return undefined;
        }
        return domain.ascii;
      });
    const domains = ascii(rule.domains);
    const exceptions = ascii(rule.exceptions);
    if ([...domains, ...exceptions].includes(undefined)) return;
    let envelope = true;
    let headers = true;
    if (rule.scope) {
      if (rule.scope.value === "envelope") headers = false;
      else if (rule.scope.value === "headers") envelope = false;
      else return this.unknown(rule.scope, "`masquerade ... in`", ["envelope", "headers"]);
    }
    this.policy.masquerade = { value: { domains: domains as string[], exceptions: exceptions as string[], envelope, headers }, rule: rule.span };
  }

  private checkDkim(rule: SignDkimRule) {
    if (rule.domainWord.value !== "domain") {
      return this.report("syntaxError", rule.domainWord.span, `expected \`domain\`, found \`${rule.domainWord.value}\``, {
        hint: 'write `sign dkim domain example.com selector s1 key "FILE"`',
      });
    }
    const domain = this.domain(rule.domain.value);
    if (domain.problem !== undefined) return this.report("invalidDomain", rule.domain.span, domain.problem);
    // RFC 6376 section 3.1: the selector is one or more dot-separated labels.
    if (toALabels(rule.selector.value) === undefined) return this.report("invalidDomain", rule.selector.span, `selector \`${rule.selector.value}\` is not a valid DNS label`);
    this.policy.dkim.push({
      value: {
        domain: domain.ascii,
        selector: rule.selector.value.toLowerCase(),
        key: rule.key,
        ...(rule.headers.length > 0 ? { headers: rule.headers.map((h) => h.value) } : {}),
        ...(rule.oversign ? { oversign: rule.oversign.map((h) => h.value) } : {}),
      },
      rule: rule.span,
    });
  }

  /** `ADDRESS:PORT` as the metrics listener takes it. */
  private hostPort(located: Located): { host: string; port: number } | undefined {
    const colon = located.value.lastIndexOf(":");
    const port = Number(located.value.slice(colon + 1));
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      this.report("invalidPort", located.span, `port \`${located.value.slice(colon + 1)}\` is out of range`, { hint: "a port is a number from 1 to 65535" });
      return undefined;
    }
    const host = located.value.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
    return { host: host === "*" ? "0.0.0.0" : host, port };
  }

  private checkListen(rule: ListenRule) {
    const text = rule.endpoint.value;
    const colon = text.lastIndexOf(":");
    const hostText = colon >= 0 ? text.slice(0, colon) : null;
    const port = Number(colon >= 0 ? text.slice(colon + 1) : text);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return this.report("invalidPort", rule.endpoint.span, `port \`${colon >= 0 ? text.slice(colon + 1) : text}\` is out of range`, {
        hint: "a port is a number from 1 to 65535",
      });
    }
    let host: string | null = null;
    if (hostText !== null && hostText !== "*") {
      host = hostText.startsWith("[") ? hostText.slice(1, -1) : hostText;
      if (host !== "localhost" && isIP(host) === 0) {
        return this.report("invalidListenAddress", rule.endpoint.span, `\`${hostText}\` is not an IP address`);
      }
    }
    const clash = this.policy.listeners.find((l) => l.port === port && (l.host === host || l.host === null || host === null));
    if (clash) {
      return this.report("duplicateListener", rule.endpoint.span, `port ${port} is already used by another listener`, {
        related: this.related(clash.rule, "the other listener is here"),
      });
    }
    for (const proxy of rule.proxies ?? []) {
      if (isIP(proxy.value.replace(/^\[(.*)\]$/, "$1")) === 0)
        return this.report("invalidListenAddress", proxy.span, `\`${proxy.value}\` is not an IP address`, { hint: "list the load balancers' addresses" });
    }
    const proxies = rule.proxies?.map((p) => p.value.replace(/^\[(.*)\]$/, "$1"));
    this.policy.listeners.push({ host, port, mode: rule.mode.value, proxy: !!rule.proxy, ...(proxies ? { proxies } : {}), rule: rule.span });
  }

  private checkSenders(rule: SendersRule, observe: Observable) {
    if (rule.file) {
      this.policy.senders = { value: new Map(), rule: rule.span, ...observe, logins: [], file: rule.file };
      return;
    }
    const map = new Map<string, string[]>();
    const logins: Located[] = [];
    const lines = new Map<string, Span>();
    for (const entry of rule.entries) {
      const login = entry.login.value;
      const previous = lines.get(login);
      if (previous) {
        this.report("duplicateLogin", entry.login.span, `login \`${login}\` is listed twice in \`senders\``, {
          hint: "list all its addresses on one line",
          related: this.related(previous, `\`${login}\` is first listed here`),
        });
        continue;
      }
      lines.set(login, entry.span);
      logins.push(entry.login);
      const addresses: string[] = [];
      const granted = new Set<string>();
      for (const address of entry.addresses) {
        // RFC 6409 section 6.1 grants: an address, a whole domain (`@example.com`) or everything (`*`).
        const normalized = address.value === "*" ? "*" : address.value.startsWith("@") ? this.normalizeTarget(address) : this.normalizePolicyAddress(address);
        if (normalized === undefined) continue;
        if (granted.has(normalized)) {
          this.report("duplicateValue", address.span, `address \`${address.value}\` is listed twice for \`${login}\``);
          continue;
        }
        granted.add(normalized);
        addresses.push(normalized);
      }
      this.lintGrants(login, entry.addresses, addresses);
      map.set(login, addresses);
    }
    this.policy.senders = { value: map, rule: rule.span, ...observe, logins };
  }

  /** Grants that can never matter: anything next to `*`, an address inside a granted `@domain`. */
  private lintGrants(login: string, written: Located[], normalized: string[]) {
    // Only addresses (the common line): none can cover another.
    if (!normalized.some((grant) => grant === "*" || grant.startsWith("@"))) return;
    const everything = normalized.includes("*");
    const domains = new Set(normalized.filter((g) => g.startsWith("@")));
    // Where each grant was written, by its lowercase text, so a covered grant is found without a scan.
    const writtenAt = new Map<string, Located>();
    for (const w of written) if (!writtenAt.has(w.value.toLowerCase())) writtenAt.set(w.value.toLowerCase(), w);
    for (const [index, grant] of normalized.entries()) {
      const at = grant.lastIndexOf("@");
      const coveredBy = grant === "*" ? undefined : everything ? "*" : at > 0 && domains.has(grant.slice(at)) ? grant.slice(at) : undefined;
      const source = writtenAt.get(grant.toLowerCase()) ?? written[index];
      if (coveredBy && source) {
        this.report("duplicateValue", source.span, `\`${source.value}\` is already granted to \`${login}\` by \`${coveredBy}\``, { hint: "remove it; it changes nothing" });
      }
    }
  }

  /** `local@domain` with the domain in lowercase A-labels, or undefined after reporting why not. */
  private normalizePolicyAddress(address: Located): string | undefined {
    const at = address.value.lastIndexOf("@");
    if (at <= 0) {
      this.report("invalidAddress", address.span, `\`${address.value}\` is not an address`, { hint: "write `local@domain`, such as `alice@example.com`" });
      return undefined;
    }
    const domain = this.domain(address.value.slice(at + 1));
    if (domain.problem !== undefined) {
      this.report("invalidAddress", address.span, `\`${address.value}\` is not a valid address: ${domain.problem}`);
      return undefined;
    }
    // The server reads a grant with the parser it applies to MAIL FROM (senderGrants.ts), which
    // ignores a grant it cannot parse: what it would ignore is an error here.
    const parsed = parseEnvelopeAddress(address.value, { smtputf8: true });
    if (!parsed.ok) {
      this.report("invalidAddress", address.span, `\`${address.value}\` is not a valid address: ${parsed.reason.replace(/"/g, "`")}`);
      return undefined;
    }
    return `${address.value.slice(0, at).normalize("NFC")}@${domain.ascii}`;
  }

  /** A domain's A-label form or what is wrong with it, computed once per domain: a `senders` table repeats a few domains many times. */
  private domain(name: string): { ascii: string; problem?: undefined } | { problem: string } {
    let verdict = this.domains.get(name);
    if (!verdict) {
      const problem = domainProblem(name);
      verdict = problem === undefined ? { ascii: toALabels(name)! } : { problem };
      this.domains.set(name, verdict);
    }
    return verdict;
  }

  private checkAdd(rule: AddRule) {
    const field = ADDABLE_FIELDS.find((f) => f === rule.header.value);
    if (!field) {
      const sameIgnoringCase = ADDABLE_FIELDS.find((f) => f.toLowerCase() === rule.header.value.toLowerCase());
      const suggestion = sameIgnoringCase ?? closestMatch(rule.header.value, ADDABLE_FIELDS);
      return this.report("unknownHeader", rule.header.span, `unknown header \`${rule.header.value}\` in \`add\``, {
        hint: suggestion ? `did you mean \`${suggestion}\`?` : `\`add\` takes ${ADDABLE_FIELDS.map((f) => "`" + f + "`").join(", ")}`,
      });
    }
    this.policy.add.set(field, rule.span);
  }

  private checkDeliver(rule: DeliverRule) {
    let relay: string | undefined;
    if (rule.relay) {
      relay = this.checkRelayUrl(rule.relay);
      if (relay === undefined) return;
    }
    for (const requirement of rule.options.requirements) {
      if (requirement.value !== "8bitmime") return this.unknown(requirement, "`require` after a relay URL", ["tls", "8bitmime"]);
    }
    this.policy.deliver = {
      value: {
        spool: rule.spool,
        relay,
        requireTls: !!rule.options.requireTls,
        require8BitMime: rule.options.requirements.length > 0,
        verifyCertificate: !!rule.options.verifyCertificate,
        ...(rule.options.credentials ? { credentials: rule.options.credentials } : {}),
      },
      rule: rule.span,
    };
  }

  private checkRelayUrl(located: Located): string | undefined {
    let url: URL;
    try {
      url = new URL(located.value);
    } catch {
      this.report("invalidRelayUrl", located.span, `\`${located.value}\` is not a valid URL`, { hint: "write `smtp://HOST:PORT`" });
      return undefined;
    }
    if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
      const suggestion = closestMatch(url.protocol.slice(0, -1), ["smtp", "smtps"]);
      this.report("invalidRelayUrl", located.span, `unsupported relay scheme \`${url.protocol.slice(0, -1)}\``, {
        hint: suggestion ? `did you mean \`${suggestion}\`?` : "use `smtp://` or `smtps://`",
      });
      return undefined;
    }
    if (!url.hostname) {
      this.report("invalidRelayUrl", located.span, `\`${located.value}\` has no host`);
      return undefined;
    }
    return located.value;
  }

  /** Lints across rules: what the policy as a whole would do. */
  private lintPolicy() {
    const p = this.policy;
    if (p.workers && p.workers.value !== 1 && p.rates.length > 0 && p.limitsStore?.value.kind !== "redis") {
      this.report("perWorkerLimits", p.workers.rule, "rate limits are counted separately by each worker", { hint: "add `limits store redis://HOST:PORT` to share the counters" });
    }
    const start: Span = { start: 0, end: 0 };
    const tlsListeners = p.listeners.filter((l) => l.mode !== "plain");
    // With a `listen` rule in error the set of listeners is not known: lints about all of them wait.
    const listenersKnown = !this.failed.has("listen");
    const defaultListeners = !this.written.has("listen");
    if (!this.written.has("hostname")) {
      this.report("missingHostname", start, "the policy has no `hostname`; the server will use the machine's host name", { hint: "add `hostname msa.example.com`" });
    }
    if (defaultListeners && !p.tls) {
      this.report("tlsWithoutCertificate", start, "the policy has no `listen` rule, and the default listeners (587 starttls, 465 tls) need a certificate", {
        hint: 'add `listen 127.0.0.1:2525 plain` for a test, or `tls certificate "FILE" key "FILE"`',
      });
    }
    for (const listener of tlsListeners) {
      if (!p.tls) {
        this.report("tlsWithoutCertificate", listener.rule, `a \`${listener.mode}\` listener needs a certificate`, { hint: 'add `tls certificate "FILE" key "FILE"`' });
      }
    }
    const onlyPlain = listenersKnown && p.listeners.length > 0 && tlsListeners.length === 0;
    if (p.tls && onlyPlain) {
      this.report("unusedCertificate", p.tls.rule, "the certificate is never used: every listener is `plain`");
    }
    if (p.requireTls && onlyPlain) {
      this.report("requireTlsWithoutTls", p.requireTls.rule, "`require tls` but no listener offers TLS, so no mail can ever be taken", {
        hint: "add `listen 587 starttls` or remove `require tls`",
      });
    }
    const submissionListeners = defaultListeners ? [{ rule: start }] : tlsListeners;
    if (!p.requireAuth) {
      if (p.allowUnauthenticated) {
        const exposed = p.listeners.filter((l) => !isLoopbackHost(l.host));
        for (const listener of defaultListeners ? [{ rule: start }] : exposed) {
          this.report("unauthenticatedNotLoopback", listener.rule, "`allow unauthenticated` would make this listener an open relay: it is not on a loopback address", {
            hint: "bind it to `127.0.0.1:PORT`, or use `require auth`",
            related: this.related(p.allowUnauthenticated, "`allow unauthenticated` is here"),
          });
        }
      } else if (submissionListeners.length > 0) {
        for (const listener of submissionListeners) {
          this.report("submissionWithoutAuth", listener.rule, "a submission listener without `require auth` lets anyone send mail through it", {
            hint: "add `require auth` (RFC 6409 section 4.3)",
          });
        }
      } else if (listenersKnown) {
        for (const listener of p.listeners) {
          this.report("plainWithoutAuth", listener.rule, "this listener takes mail without authentication", {
            hint: "add `require auth`, or `allow unauthenticated` to say it is meant",
          });
        }
      }
    }
    if (p.requireAuth && p.allowUnauthenticated) {
      this.report("conflictingRules", p.allowUnauthenticated, "`allow unauthenticated` contradicts `require auth`", {
        hint: "keep `require auth`; `allow unauthenticated` is only for loopback tests",
        related: this.related(p.requireAuth.rule, "`require auth` is here"),
      });
    }
    this.lintTransport(defaultListeners, listenersKnown);
    this.lintRecipientLimits();
    if (p.requireAuth && !p.users) {
      this.report("requireAuthWithoutUsers", p.requireAuth.rule, "`require auth` but no `auth users`: nobody could ever log in", { hint: 'add `auth users "FILE"`' });
    }
    if (p.allowPostmaster && !p.requireAuth) {
      this.report("postmasterWithoutAuth", p.allowPostmaster, "`allow postmaster` has no effect without `require auth`");
    }
    if (!p.users) {
      if (p.senders) this.report("rightsWithoutAuth", p.senders.rule, "`senders` never applies: without `auth users` no session is authenticated");
      const addSender = p.add.get("Sender");
      if (addSender) this.report("rightsWithoutAuth", addSender, "`add Sender` never applies: without `auth users` no session is authenticated");
    }
    if (p.senders && !this.written.has("qualify")) {
      // Only logins without `@` need a domain to have an address of their own (contract section 3).
      const bare = p.senders.logins.find((login) => !login.value.includes("@"));
      if (bare) {
        this.report("ownAddressUnqualified", bare.span, `login \`${bare.value}\` has no address of its own without \`qualify domains\``, {
          hint: "add `qualify domains example.com`, or use logins of the form `user@example.com`",
        });
      }
    }
  }

  /** Listeners on the wrong port for their mode, and what lets a password cross the network before TLS. */
  private lintTransport(defaultListeners: boolean, listenersKnown: boolean) {
    const p = this.policy;
    for (const listener of p.listeners) {
      const expected = SUBMISSION_PORT_MODES.get(listener.port);
      if (expected && listener.mode !== "plain" && listener.mode !== expected) {
        this.report("swappedListenMode", listener.rule, `port ${listener.port} is for \`${expected}\`, not \`${listener.mode}\`: clients configured for it will fail to connect`, {
          hint: `write \`listen ${listener.port} ${expected}\` (RFC ${listener.port === 587 ? "6409 section 3.1" : "8314 section 3.3"})`,
        });
      }
      if (listener.port === 25) {
        this.report("port25Listener", listener.rule, "port 25 is for relay between mail servers, not for submission", {
          hint: "listen on 587 (`starttls`) or 465 (`tls`) and leave port 25 to the MTA",
        });
      }
    }
    const starttls = defaultListeners ? { rule: { start: 0, end: 0 } } : p.listeners.find((l) => l.mode === "starttls");
    if (p.requireAuth && !p.requireTls && starttls && listenersKnown) {
      this.report("authBeforeTls", starttls.rule, "this listener offers AUTH before STARTTLS, so passwords may be sent in clear text", {
        hint: "add `require tls`",
        related: this.related(p.requireAuth.rule, "`require auth` is here"),
      });
    }
    if (p.requireTls?.observe) {
      this.report("observedRequireTls", p.requireTls.rule, "an observed `require tls` takes AUTH before STARTTLS, so passwords may be sent in clear text", {
        hint: "remove `observe` once the clients that need TLS are found",
      });
    }
  }

  /** `limit recipients` rules that together leave no recipient for the sessions they share (every rule that applies must hold). */
  private lintRecipientLimits() {
    // An observed limit refuses nothing, so it cannot take part.
    const limits = this.policy.recipientsTo.filter((limit) => !limit.observe).map((limit) => ({ ...limit, set: new Set(limit.value.targets) }));
    const overlap = (a: string[] | null, b: string[] | null) => a === null || b === null || a.some((login) => b.includes(login));
    // Whether `list` names `target`: the target itself, or for an address its whole domain.
    const names = (list: ReadonlySet<string>, target: string) => list.has(target) || list.has(target.slice(target.lastIndexOf("@")));
    for (const [index, later] of limits.entries()) {
      for (const earlier of limits.slice(0, index)) {
        if (!overlap(earlier.value.logins, later.value.logins)) continue;
        const [to, other] = later.value.except ? [earlier, later] : [later, earlier];
        if (to.value.except) continue;
        const noneLeft = other.value.except
          ? to.value.targets.every((target) => names(other.set, target))
          : !to.value.targets.some((target) => names(other.set, target)) && !other.value.targets.some((target) => names(to.set, target));
        if (noneLeft) {
          this.report("recipientsAllRefused", later.rule, "this limit and an earlier one together refuse every recipient", {
            hint: other.value.except
              ? "every address this `to` list allows, the `except` list refuses"
              : "the two `to` lists have no recipient in common; merge them into the one you mean",
            related: this.related(earlier.rule, "the other limit is here"),
          });
          break;
        }
      }
    }
  }
}

export function checkPolicy(file: string, ast: PolicyAst, options: CheckOptions = { complete: true }): PhaseResult<CheckedPolicy> {
  return new Checker(file, options).check(ast);
}
