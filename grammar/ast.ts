// The syntax tree of a policy, built from the parser's CST by a visitor. Every
// node keeps its source span as offsets (line and column are computed only when
// printing). CST nodes that recovery invented are skipped, so one mistake gives
// one diagnostic: the parser's.
import type { CstNode, IToken } from "./chevrotain.js";
import { BaseCstVisitor } from "./parser.js";
import { UnterminatedString } from "./lexer.js";

/** A half-open range of source offsets: [start, end). */
export interface Span {
  start: number;
  end: number;
}

/** A value as written, with where it was written. */
export interface Located<T = string> {
  value: T;
  span: Span;
}

interface RuleBase {
  /** The whole rule, verb to last argument. */
  span: Span;
  /** The verb alone, where short diagnostics point. */
  verb: Span;
  /** `observe` in front of the rule: log what it would refuse, refuse nothing. */
  observe?: Span;
}

export type ListenMode = "starttls" | "tls" | "plain";

export interface HostnameRule extends RuleBase {
  kind: "hostname";
  name: Located;
}
export interface TlsRule extends RuleBase {
  kind: "tls";
  certificate: Located;
  key: Located;
}
export interface TlsCiphersRule extends RuleBase {
  kind: "tlsCiphers";
  ciphers: Located;
}
export interface ListenRule extends RuleBase {
  kind: "listen";
  endpoint: Located;
  mode: Located<ListenMode>;
  proxy?: Span;
  proxies?: Located[];
}
export interface AuthUsersRule extends RuleBase {
  kind: "authUsers";
  path: Located;
}
export interface RequireRule extends RuleBase {
  kind: "require";
  what: Located<"tls" | "auth">;
}
export interface QualifyRule extends RuleBase {
  kind: "qualify";
  domains: Located[];
}
export interface EnforceAddressSyntaxRule extends RuleBase {
  kind: "enforceAddressSyntax";
}
export interface EnforceMessageSyntaxRule extends RuleBase {
  kind: "enforceMessageSyntax";
}
export interface EnforceSendersInHeadersRule extends RuleBase {
  kind: "enforceSendersInHeaders";
}
export interface AllowRule extends RuleBase {
  kind: "allow";
  what: Located<"postmaster" | "unauthenticated" | "sender mismatch" | "bare line endings">;
}
export interface SenderEntry {
  span: Span;
  login: Located;
  addresses: Located[];
}
export interface SendersRule extends RuleBase {
  kind: "senders";
  entries: SenderEntry[];
  file?: Located;
}
export interface LimitSizeRule extends RuleBase {
  kind: "limitSize";
  size: Located;
}
export interface LimitRecipientsRule extends RuleBase {
  kind: "limitRecipients";
  count: Located;
}
/** `to`: only these targets; `except`: every target but these. */
export interface LimitRecipientsToRule extends RuleBase {
  kind: "limitRecipientsTo";
  mode: "to" | "except";
  targets: Located[];
  logins: Located[];
}
/** `unit` is absent when `count` is a size (a byte rate). */
export interface LimitRateRule extends RuleBase {
  kind: "limitRate";
  count: Located;
  unit?: Located;
  window: Located;
  subject: Located;
}
export interface LimitSessionsRule extends RuleBase {
  kind: "limitSessions";
  count: Located;
  subject?: Located;
}
export interface LimitQueueLifetimeRule extends RuleBase {
  kind: "limitQueueLifetime";
  lifetime: Located;
}
export interface AddRule extends RuleBase {
  kind: "add";
  header: Located;
  private?: Span;
}
export interface LogRule extends RuleBase {
  kind: "log";
  level: Located;
}
export interface RelayOptions {
  requireTls?: Span;
  verifyCertificate?: Span;
  credentials?: Located;
  requirements: Located[];
}
export interface DeliverRule extends RuleBase {
  kind: "deliver";
  spool?: Located;
  relay?: Located;
  options: RelayOptions;
}
export interface RemoveHeaderRule extends RuleBase {
  kind: "removeHeader";
  names: Located[];
}
export interface SignDkimRule extends RuleBase {
  kind: "signDkim";
  domainWord: Located;
  domain: Located;
  selector: Located;
  key: Located;
  headers: Located[];
  oversign?: Located[];
}
export interface ThrottleFailuresRule extends RuleBase {
  kind: "throttleFailures";
  count: Located;
  window?: Located;
  subject?: Located;
  block?: Located;
  session?: Located;
}
export interface ThrottleDelayRule extends RuleBase {
  kind: "throttleDelay";
  base: Located;
  max: Located;
}
export interface TimeoutRule extends RuleBase {
  kind: "timeout";
  what: Located;
  duration: Located;
}
export interface AliasesRule extends RuleBase {
  kind: "aliases";
  path: Located;
}
export interface MasqueradeRule extends RuleBase {
  kind: "masquerade";
  domains: Located[];
  exceptions: Located[];
  scope?: Located;
}
export interface MetricsRule extends RuleBase {
  kind: "metrics";
  endpoint: Located;
}
export interface WorkersRule extends RuleBase {
  kind: "workers";
  count: Located;
}
export interface LimitsStoreRule extends RuleBase {
  kind: "limitsStore";
  store: Located;
}

export type Rule =
  | HostnameRule
  | TlsRule
  | TlsCiphersRule
  | ListenRule
  | AuthUsersRule
  | RequireRule
  | QualifyRule
  | EnforceAddressSyntaxRule
  | EnforceMessageSyntaxRule
  | EnforceSendersInHeadersRule
  | AllowRule
  | SendersRule
  | LimitSizeRule
  | LimitRecipientsRule
  | LimitRecipientsToRule
  | LimitRateRule
  | LimitSessionsRule
  | LimitQueueLifetimeRule
  | AddRule
  | LogRule
  | DeliverRule
  | RemoveHeaderRule
  | SignDkimRule
  | ThrottleFailuresRule
  | ThrottleDelayRule
  | TimeoutRule
  | AliasesRule
  | MasqueradeRule
  | MetricsRule
  | WorkersRule
  | LimitsStoreRule;

export type RuleKind = Rule["kind"];

export interface PolicyAst {
  rules: Rule[];
  /** `#` comments with their spans, for the formatter. */
  comments: Located[];
}

/** A line the parser accepted only as an unknown rule. */
export interface AstProblem {
  kind: "unknownRule";
  span: Span;
  word: string;
}

type Children = Record<string, (CstNode | IToken)[] | undefined>;

function isToken(x: CstNode | IToken): x is IToken {
  return (x as IToken).image !== undefined;
}

export function spanOfToken(token: IToken): Span {
  return { start: token.startOffset, end: token.startOffset + token.image.length };
}

function located(token: IToken): Located {
  return { value: token.image, span: spanOfToken(token) };
}

function isReal(token: IToken): boolean {
  return !token.isInsertedInRecovery && !Number.isNaN(token.startOffset);
}

/**
 * The first or last real token under a CST node (tokens recovery inserted do
 * not count). Each child list is in source order, so only its edge is looked
 * at: a `senders` block of 100,000 lines is one CST node, and walking all of it
 * for its span would cost more than checking it.
 */
function edgeToken(node: CstNode, which: "first" | "last"): IToken | undefined {
  let best: IToken | undefined;
  for (const key in node.children) {
    const list = (node.children as Children)[key] ?? [];
    for (let i = 0; i < list.length; i++) {
      const child = list[which === "first" ? i : list.length - 1 - i];
      const token = isToken(child) ? (isReal(child) ? child : undefined) : edgeToken(child, which);
      if (!token) continue;
      if (!best || (which === "first" ? token.startOffset < best.startOffset : token.startOffset > best.startOffset)) best = token;
      break;
    }
  }
  return best;
}

function extentOf(node: CstNode): { first: IToken; last: IToken } | undefined {
  const first = edgeToken(node, "first");
  const last = edgeToken(node, "last");
  return first && last ? { first, last } : undefined;
}

/** The one real token of a rule that consumes a single token (`sizeValue`). */
function onlyToken(node: CstNode | IToken | undefined): IToken | undefined {
  if (!node || isToken(node) || node.recoveredNode) return undefined;
  for (const key in node.children) {
    const token = (node.children as Children)[key]?.[0];
    if (token && isToken(token) && isReal(token)) return token;
  }
  return undefined;
}

function spanBetween(first: IToken, last: IToken): Span {
  return { start: first.startOffset, end: spanOfToken(last).end };
}

class AstBuilder extends BaseCstVisitor {
  problems: AstProblem[] = [];
  /** The first token of the statement being visited (kept out of the rule objects, which hold only values and spans). */
  private statementVerb: IToken | undefined;

  constructor() {
    super();
    this.validateVisitor();
  }

  policy(children: Children): Rule[] {
    const rules: Rule[] = [];
    for (const statement of (children.statement ?? []) as CstNode[]) {
      const rule = statement.recoveredNode ? undefined : (this.visit(statement) as Rule | undefined);
      if (rule) rules.push(rule);
    }
    return rules;
  }

  statement(children: Children): Rule | undefined {
    const observe = this.token(children, "KwObserve");
    for (const [name, list] of Object.entries(children)) {
      if (name === "Newline" || name === "KwObserve" || !list) continue;
      const node = list[0] as CstNode;
      if (node.recoveredNode) return undefined;
      const extent = extentOf(node);
      if (!extent) return undefined;
      this.statementVerb = extent.first;
      const base: RuleBase = { span: spanBetween(extent.first, extent.last), verb: spanOfToken(extent.first) };
      if (observe) base.observe = spanOfToken(observe);
      return this.visit(node, base) as Rule | undefined;
    }
    return undefined;
  }

  private token(children: Children, name: string, index = 0): IToken | undefined {
    const token = children[name]?.[index] as IToken | undefined;
    return token && !token.isInsertedInRecovery && !Number.isNaN(token.startOffset) ? token : undefined;
  }

  private string(node: CstNode | IToken | undefined): Located | undefined {
    if (!node || isToken(node) || node.recoveredNode) return undefined;
    return this.visit(node) as Located | undefined;
  }

  hostnameRule(c: Children, base: RuleBase): HostnameRule | undefined {
    const name = this.token(c, "Name");
    return name && { kind: "hostname", ...base, name: located(name) };
  }

  tlsRule(c: Children, base: RuleBase): TlsRule | TlsCiphersRule | undefined {
    if (c.KwCiphers) {
      const ciphers = this.string(c.ciphers?.[0]);
      return ciphers && { kind: "tlsCiphers", ...base, ciphers };
    }
    const certificate = this.string(c.certificate?.[0]);
    const key = this.string(c.key?.[0]);
    return certificate && key && { kind: "tls", ...base, certificate, key };
  }

  listenRule(c: Children, base: RuleBase): ListenRule | undefined {
    const endpoint = this.token(c, "NumberLiteral") ?? this.token(c, "HostPort");
    const mode = this.token(c, "KwStarttls") ?? this.token(c, "KwTls") ?? this.token(c, "KwPlain");
    if (!endpoint || !mode) return undefined;
    const proxy = this.token(c, "KwProxy");
    const proxies = this.list(c.proxies?.[0]);
    return {
      kind: "listen",
      ...base,
      endpoint: located(endpoint),
      mode: located(mode) as Located<ListenMode>,
      ...(proxy ? { proxy: spanOfToken(proxy) } : {}),
      ...(proxies.length > 0 ? { proxies } : {}),
    };
  }

  authRule(c: Children, base: RuleBase): AuthUsersRule | undefined {
    const path = this.string(c.stringValue?.[0]);
    return path && { kind: "authUsers", ...base, path };
  }

  requireRule(c: Children, base: RuleBase): RequireRule | undefined {
    const what = this.token(c, "KwTls") ?? this.token(c, "KwAuth");
    return what && { kind: "require", ...base, what: located(what) as Located<"tls" | "auth"> };
  }

  qualifyRule(c: Children, base: RuleBase): QualifyRule | undefined {
    const domains = ((c.Name ?? []) as IToken[]).filter((t) => !t.isInsertedInRecovery).map(located);
    return domains.length > 0 ? { kind: "qualify", ...base, domains } : undefined;
  }

  enforceRule(c: Children, base: RuleBase): EnforceAddressSyntaxRule | EnforceMessageSyntaxRule | EnforceSendersInHeadersRule | undefined {
    if (this.token(c, "KwAddress") && this.token(c, "KwSyntax")) return { kind: "enforceAddressSyntax", ...base };
    if (this.token(c, "KwMessage") && this.token(c, "KwSyntax")) return { kind: "enforceMessageSyntax", ...base };
    if (this.token(c, "KwSenders") && this.token(c, "KwHeaders")) return { kind: "enforceSendersInHeaders", ...base };
    return undefined;
  }

  allowRule(c: Children, base: RuleBase): AllowRule | undefined {
    const endings = this.token(c, "KwEndings");
    if (endings) return { kind: "allow", ...base, what: { value: "bare line endings", span: spanBetween(this.token(c, "KwBare") ?? endings, endings) } };
    const mismatch = this.token(c, "KwMismatch");
    if (mismatch) return { kind: "allow", ...base, what: { value: "sender mismatch", span: spanBetween(this.token(c, "KwSender") ?? mismatch, mismatch) } };
    const what = this.token(c, "KwPostmaster") ?? this.token(c, "KwUnauthenticated");
    return what && { kind: "allow", ...base, what: located(what) as Located<"postmaster" | "unauthenticated"> };
  }

  sendersRule(c: Children, base: RuleBase): SendersRule | undefined {
    const block = c.sendersBlock?.[0] as CstNode | undefined;
    if (block) return block.recoveredNode ? undefined : { kind: "senders", ...base, entries: this.visit(block) as SenderEntry[] };
    const file = this.string(c.stringValue?.[0]);
    return file && { kind: "senders", ...base, entries: [], file };
  }

  sendersBlock(c: Children): SenderEntry[] {
    return ((c.senderEntry ?? []) as CstNode[])
      .filter((e) => !e.recoveredNode)
      .map((e) => this.visit(e) as SenderEntry | undefined)
      .filter((e): e is SenderEntry => !!e);
  }

  senderEntry(c: Children): SenderEntry | undefined {
    const loginToken = this.token(c, "login");
    if (!loginToken) return undefined;
    const addressTokens = ((c.address ?? []) as IToken[]).filter(isReal);
    if (addressTokens.length === 0) return undefined;
    return {
      span: spanBetween(loginToken, addressTokens[addressTokens.length - 1]),
      login: located(loginToken),
      addresses: addressTokens.map(located),
    };
  }

  limitRule(c: Children, base: RuleBase): Rule | undefined {
    if (c.KwSize) {
      const value = onlyToken(c.sizeValue?.[0]);
      return value && { kind: "limitSize", ...base, size: located(value) };
    }
    if (c.KwRate) {
      const [count, unit, window, subject] = [this.token(c, "count"), this.token(c, "unit"), this.token(c, "window"), this.token(c, "subject")];
      return count && window && subject
        ? { kind: "limitRate", ...base, count: located(count), ...(unit ? { unit: located(unit) } : {}), window: located(window), subject: located(subject) }
        : undefined;
    }
    if (c.KwSessions) {
      const count = this.token(c, "count");
      const subject = this.token(c, "subject");
      return count && { kind: "limitSessions", ...base, count: located(count), ...(subject ? { subject: located(subject) } : {}) };
    }
    if (c.KwQueue) {
      const lifetime = this.token(c, "lifetime");
      return lifetime && { kind: "limitQueueLifetime", ...base, lifetime: located(lifetime) };
    }
    if (c.KwTo || c.KwExcept) {
      const targets = this.list(c.targets?.[0]);
      const mode = c.KwTo ? "to" : "except";
      return targets.length > 0 ? { kind: "limitRecipientsTo", ...base, mode, targets, logins: this.list(c.logins?.[0]) } : undefined;
    }
    const count = this.token(c, "NumberLiteral");
    return count && { kind: "limitRecipients", ...base, count: located(count) };
  }

  /** The items of a `nameList` subrule. */
  private list(node: CstNode | IToken | undefined): Located[] {
    if (!node || isToken(node) || node.recoveredNode) return [];
    return this.visit(node) as Located[];
  }

  nameList(c: Children): Located[] {
    return ((c.item ?? []) as IToken[]).filter(isReal).map(located);
  }

  sizeValue(): undefined {
    return undefined;
  }

  addRule(c: Children, base: RuleBase): AddRule | undefined {
    const header = this.token(c, "Name");
    const isPrivate = this.token(c, "KwPrivate");
    return header && { kind: "add", ...base, header: located(header), ...(isPrivate ? { private: spanOfToken(isPrivate) } : {}) };
  }

  logRule(c: Children, base: RuleBase): LogRule | undefined {
    const level = this.token(c, "Name");
    return level && { kind: "log", ...base, level: located(level) };
  }

  deliverRule(c: Children, base: RuleBase): DeliverRule | undefined {
    const relayToken = this.token(c, "Url") ?? this.token(c, "Url", 1);
    const relay = relayToken && located(relayToken);
    const optionsNode = c.relayOptions?.[0] as CstNode | undefined;
    const options: RelayOptions = optionsNode && !optionsNode.recoveredNode ? (this.visit(optionsNode) as RelayOptions) : { requirements: [] };
    if (c.KwSpool) {
      const spool = this.string(c.stringValue?.[0]);
      return spool && { kind: "deliver", ...base, spool, relay, options };
    }
    return relay && { kind: "deliver", ...base, relay, options };
  }

  relayOptions(c: Children): RelayOptions {
    const options: RelayOptions = { requirements: ((c.requirement ?? []) as IToken[]).filter(isReal).map(located) };
    const requireTls = this.token(c, "KwTls");
    const verify = this.token(c, "KwVerify");
    const credentials = this.string(c.credentials?.[0]);
    if (requireTls) options.requireTls = spanOfToken(requireTls);
    if (verify) options.verifyCertificate = spanOfToken(verify);
    if (credentials) options.credentials = credentials;
    return options;
  }

  removeRule(c: Children, base: RuleBase): RemoveHeaderRule | undefined {
    const names = this.list(c.nameList?.[0]);
    return names.length > 0 ? { kind: "removeHeader", ...base, names } : undefined;
  }

  signRule(c: Children, base: RuleBase): SignDkimRule | undefined {
    const [domainWord, domain, selector] = [this.token(c, "domainWord"), this.token(c, "domain"), this.token(c, "selector")];
    const key = this.string(c.stringValue?.[0]);
    if (!domainWord || !domain || !selector || !key) return undefined;
    const headers = this.list(c.headers?.[0]);
    const oversign = c.KwOversign ? this.list(c.oversign?.[0]) : undefined;
    return { kind: "signDkim", ...base, domainWord: located(domainWord), domain: located(domain), selector: located(selector), key, headers, ...(oversign ? { oversign } : {}) };
  }

  throttleRule(c: Children, base: RuleBase): ThrottleFailuresRule | ThrottleDelayRule | undefined {
    if (c.KwDelay) {
      const [baseDelay, max] = [this.token(c, "base"), this.token(c, "max")];
      return baseDelay && max && { kind: "throttleDelay", ...base, base: located(baseDelay), max: located(max) };
    }
    const count = this.token(c, "count");
    if (!count) return undefined;
    const session = this.token(c, "session");
    if (session) return { kind: "throttleFailures", ...base, count: located(count), session: located(session) };
    const [window, subject, block] = [this.token(c, "window"), this.token(c, "subject"), this.token(c, "block")];
    return window && subject && block
      ? { kind: "throttleFailures", ...base, count: located(count), window: located(window), subject: located(subject), block: located(block) }
      : undefined;
  }

  timeoutRule(c: Children, base: RuleBase): TimeoutRule | undefined {
    const [what, duration] = [this.token(c, "Name"), this.token(c, "Duration")];
    return what && duration && { kind: "timeout", ...base, what: located(what), duration: located(duration) };
  }

  aliasesRule(c: Children, base: RuleBase): AliasesRule | undefined {
    const path = this.string(c.stringValue?.[0]);
    return path && { kind: "aliases", ...base, path };
  }

  masqueradeRule(c: Children, base: RuleBase): MasqueradeRule | undefined {
    const domains = this.list(c.domains?.[0]);
    const scope = this.token(c, "scope");
    return domains.length > 0 ? { kind: "masquerade", ...base, domains, exceptions: this.list(c.exceptions?.[0]), ...(scope ? { scope: located(scope) } : {}) } : undefined;
  }

  metricsRule(c: Children, base: RuleBase): MetricsRule | undefined {
    const endpoint = this.token(c, "HostPort");
    return endpoint && { kind: "metrics", ...base, endpoint: located(endpoint) };
  }

  workersRule(c: Children, base: RuleBase): WorkersRule | undefined {
    const count = this.token(c, "NumberLiteral") ?? this.token(c, "Name");
    return count && { kind: "workers", ...base, count: located(count) };
  }

  limitsStoreRule(c: Children, base: RuleBase): LimitsStoreRule | undefined {
    const store = this.token(c, "Url") ?? this.token(c, "Name");
    return store && { kind: "limitsStore", ...base, store: located(store) };
  }

  unknownRule(_c: Children, base: RuleBase): undefined {
    this.problems.push({ kind: "unknownRule", span: base.verb, word: this.statementVerb!.image });
    return undefined;
  }

  stringValue(c: Children): Located | undefined {
    const token = this.token(c, "StringLiteral") ?? this.token(c, "UnterminatedString");
    if (!token) return undefined;
    // The parse phase reports unterminated strings from the token stream.
    if (token.tokenType === UnterminatedString) return undefined;
    const value = token.image.slice(1, -1).replace(/\\(.)/g, "$1");
    return { value, span: spanOfToken(token) };
  }
}

const builder = new AstBuilder();

/** Builds the AST; `problems` are token-level mistakes that the parser could not see. */
export function buildAst(cst: CstNode, comments: IToken[]): { ast: PolicyAst; problems: AstProblem[] } {
  builder.problems = [];
  const rules = builder.visit(cst) as Rule[];
  return { ast: { rules, comments: comments.map(located) }, problems: builder.problems };
}
