// Phase 2: the checker. Types and ranges every rule's arguments, finds duplicate
// and conflicting rules (pointing at both places), and applies the RFC 6409
// lints no other MTA has. Its output, `CheckedPolicy`, holds only values that
// passed; the lowering phase turns it into the rule graph. The lints run only
// on a policy that parsed completely, and never call a rule missing that was
// written with a mistake: one mistake, one diagnostic. It reads no files
// (that is `checkFiles.ts`) and never touches the network.
import { isIP } from "node:net";
import type {
  AddRule, DeliverRule, ListenRule, Located, PolicyAst, Rule, RuleKind, SendersRule, Span,
} from "../grammar/ast.js";
import { closestMatch } from "../grammar/spelling.js";
import { Catalogue, diagnostic, type Diagnostic, type PhaseResult, type RelatedLocation } from "./diagnostics.js";
import { domainProblem, isFullyQualified, toALabels } from "./domainName.js";
import type { ListenMode, LogLevel } from "./graph.js";
import { parseSize } from "./size.js";

export const ADDABLE_FIELDS = ["Date", "Message-ID", "Sender", "Received"] as const;
export type AddableField = (typeof ADDABLE_FIELDS)[number];
export const LOG_LEVELS: readonly LogLevel[] = ["errors", "info", "debug"];
const MAX_RECIPIENTS = 100_000;

/** A checked value, with the rule (its span) it came from. */
export interface From<T> {
  value: T;
  rule: Span;
}

export interface CheckedListener {
  host: string | null;
  port: number;
  mode: ListenMode;
  rule: Span;
}

export interface CheckedPolicy {
  hostname?: From<string>;
  tls?: From<{ certificate: Located; key: Located }>;
  listeners: CheckedListener[];
  users?: From<Located>;
  requireTls?: Span;
  requireAuth?: Span;
  qualify?: From<string[]>;
  enforceAddressSyntax?: Span;
  allowPostmaster?: Span;
  allowUnauthenticated?: Span;
  /** login -> allowed addresses; `logins` keeps where each login was written. */
  senders?: From<Map<string, string[]>> & { logins: Located[] };
  limitSize?: From<number>;
  limitRecipients?: From<number>;
  add: Map<AddableField, Span>;
  log?: From<LogLevel>;
  deliver?: From<{ spool?: Located; relay?: string }>;
  /** Every kind of rule the policy wrote, valid or not (lints about absent rules look here). */
  written: ReadonlySet<RuleKind>;
}

/** Rules that may appear once: a second one is MSA2001 when it says the same, MSA2002 when it says something else. */
const SINGLE: Partial<Record<RuleKind, string>> = {
  hostname: "hostname",
  tls: "tls certificate",
  authUsers: "auth users",
  qualify: "qualify domains",
  enforceAddressSyntax: "enforce address syntax",
  senders: "senders",
  limitSize: "limit size",
  limitRecipients: "limit recipients",
  log: "log",
  deliver: "deliver",
};

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
  private readonly policy: CheckedPolicy = { listeners: [], add: new Map(), written: this.written };
  private readonly domains = new Map<string, { ascii: string; problem?: undefined } | { problem: string }>();

  constructor(private readonly file: string, private readonly options: CheckOptions = { complete: true }) {}

  check(ast: PolicyAst): PhaseResult<CheckedPolicy> {
    const firstOfKind = new Map<string, Rule>();
    for (const rule of ast.rules) {
      const key = rule.kind === "require" || rule.kind === "allow" ? `${rule.kind} ${rule.what.value}` : rule.kind === "add" ? `add ${rule.header.value}` : rule.kind;
      const first = firstOfKind.get(key);
      if (first && (SINGLE[rule.kind] || rule.kind === "require" || rule.kind === "allow" || rule.kind === "add")) {
        this.reportSecond(first, rule);
        continue;
      }
      firstOfKind.set(key, rule);
      this.written.add(rule.kind);
      const before = this.diagnostics.length;
      this.checkRule(rule);
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
      case "require": return `require ${rule.what.value}`;
      case "allow": return `allow ${rule.what.value}`;
      case "add": return `add ${rule.header.value}`;
      default: return rule.kind;
    }
  }

  private checkRule(rule: Rule) {
    switch (rule.kind) {
      case "hostname": {
        const problem = domainProblem(rule.name.value);
        if (problem) return this.report("invalidDomain", rule.name.span, problem);
        if (!isFullyQualified(rule.name.value)) {
          this.report("hostnameNotQualified", rule.name.span, `hostname \`${rule.name.value}\` is not fully qualified`, { hint: "use a name with a dot, such as `msa.example.com`" });
        }
        this.policy.hostname = { value: toALabels(rule.name.value)!, rule: rule.span };
        return;
      }
      case "tls":
        this.policy.tls = { value: { certificate: rule.certificate, key: rule.key }, rule: rule.span };
        return;
      case "listen":
        return this.checkListen(rule);
      case "authUsers":
        this.policy.users = { value: rule.path, rule: rule.span };
        return;
      case "require":
        if (rule.what.value === "tls") this.policy.requireTls = rule.span;
        else this.policy.requireAuth = rule.span;
        return;
      case "qualify": {
        const domains: string[] = [];
        for (const domain of rule.domains) {
          const problem = domainProblem(domain.value);
          if (problem) {
            this.report("invalidDomain", domain.span, problem);
            continue;
          }
          const ascii = toALabels(domain.value)!;
          if (domains.includes(ascii)) {
            this.report("duplicateValue", domain.span, `domain \`${domain.value}\` is listed twice`);
            continue;
          }
          if (!isFullyQualified(ascii)) {
            this.report("invalidDomain", domain.span, `\`${domain.value}\` is not fully qualified, so addresses qualified with it would not be either`, { hint: "use a domain with a dot, such as `example.com`" });
            continue;
          }
          domains.push(ascii);
        }
        if (domains.length > 0) this.policy.qualify = { value: domains, rule: rule.span };
        return;
      }
      case "enforceAddressSyntax":
        this.policy.enforceAddressSyntax = rule.span;
        return;
      case "allow":
        if (rule.what.value === "postmaster") this.policy.allowPostmaster = rule.span;
        else this.policy.allowUnauthenticated = rule.span;
        return;
      case "senders":
        return this.checkSenders(rule);
      case "limitSize": {
        const size = parseSize(rule.size.value);
        if (!size.ok) return this.report("invalidSize", rule.size.span, size.message, size.hint ? { hint: size.hint } : {});
        if (size.bytes === 0) return this.report("notPositive", rule.size.span, "a size limit of 0 would refuse every message", { hint: "remove the rule for no limit" });
        if (size.bytes > 2_000_000_000) return this.report("limitTooLarge", rule.size.span, `\`${rule.size.value}\` is larger than the largest size msa accepts (2GB)`);
        this.policy.limitSize = { value: size.bytes, rule: rule.span };
        return;
      }
      case "limitRecipients": {
        const count = Number(rule.count.value);
        if (count === 0) return this.report("notPositive", rule.count.span, "a limit of 0 recipients would refuse every message");
        if (count > MAX_RECIPIENTS) return this.report("limitTooLarge", rule.count.span, `\`${rule.count.value}\` recipients is more than msa accepts (${MAX_RECIPIENTS})`);
        this.policy.limitRecipients = { value: count, rule: rule.span };
        return;
      }
      case "add":
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
    }
  }

  private checkListen(rule: ListenRule) {
    const text = rule.endpoint.value;
    const colon = text.lastIndexOf(":");
    const hostText = colon >= 0 ? text.slice(0, colon) : null;
    const port = Number(colon >= 0 ? text.slice(colon + 1) : text);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return this.report("invalidPort", rule.endpoint.span, `port \`${colon >= 0 ? text.slice(colon + 1) : text}\` is out of range`, { hint: "a port is a number from 1 to 65535" });
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
    this.policy.listeners.push({ host, port, mode: rule.mode.value, rule: rule.span });
  }

  private checkSenders(rule: SendersRule) {
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
      for (const address of entry.addresses) {
        const normalized = this.normalizePolicyAddress(address);
        if (normalized === undefined) continue;
        if (addresses.includes(normalized)) {
          this.report("duplicateValue", address.span, `address \`${address.value}\` is listed twice for \`${login}\``);
          continue;
        }
        addresses.push(normalized);
      }
      map.set(login, addresses);
    }
    this.policy.senders = { value: map, rule: rule.span, logins };
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
    this.policy.deliver = { value: { spool: rule.spool, relay }, rule: rule.span };
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
        hint: "add `listen 127.0.0.1:2525 plain` for a test, or `tls certificate \"FILE\" key \"FILE\"`",
      });
    }
    for (const listener of tlsListeners) {
      if (!p.tls) {
        this.report("tlsWithoutCertificate", listener.rule, `a \`${listener.mode}\` listener needs a certificate`, { hint: "add `tls certificate \"FILE\" key \"FILE\"`" });
      }
    }
    const onlyPlain = listenersKnown && p.listeners.length > 0 && tlsListeners.length === 0;
    if (p.tls && onlyPlain) {
      this.report("unusedCertificate", p.tls.rule, "the certificate is never used: every listener is `plain`");
    }
    if (p.requireTls && onlyPlain) {
      this.report("requireTlsWithoutTls", p.requireTls, "`require tls` but no listener offers TLS, so no mail can ever be taken", {
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
          this.report("plainWithoutAuth", listener.rule, "this listener takes mail without authentication", { hint: "add `require auth`, or `allow unauthenticated` to say it is meant" });
        }
      }
    }
    if (p.requireAuth && p.allowUnauthenticated) {
      this.report("conflictingRules", p.allowUnauthenticated, "`allow unauthenticated` contradicts `require auth`", {
        hint: "keep `require auth`; `allow unauthenticated` is only for loopback tests",
        related: this.related(p.requireAuth, "`require auth` is here"),
      });
    }
    if (p.requireAuth && !p.users) {
      this.report("requireAuthWithoutUsers", p.requireAuth, "`require auth` but no `auth users`: nobody could ever log in", { hint: "add `auth users \"FILE\"`" });
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
}

export function checkPolicy(file: string, ast: PolicyAst, options: CheckOptions = { complete: true }): PhaseResult<CheckedPolicy> {
  return new Checker(file, options).check(ast);
}
