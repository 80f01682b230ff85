// Recipient permissions (RFC 6409 section 6.2: the MSA MAY refuse recipients by local policy):
// `allow recipients ...` / `refuse recipients ...`, optionally scoped to logins. First matching
// rule wins; no matching rule allows, since recipients are open unless a policy says otherwise.
// Compiled once into per-address and per-domain indexes so a decision looks at the few rules that
// can match this address, never at the whole list.
import { addressKey, configuredAddressKey, domainKey } from "../../formats/addressKey.js";

export interface RecipientRule {
  readonly action: "allow" | "refuse";
  readonly match: {
    /** exact domains (not their subdomains), any form: `example.com`, `bücher.example`, `xn--bcher-kva.example` */
    readonly domains?: readonly string[];
    readonly addresses?: readonly string[];
    /** the lines of a list (inline or from a file): each `local@domain`, `@domain` or `*` */
    readonly list?: readonly string[];
    /** every recipient: the `*` of `refuse recipients * for bob` */
    readonly all?: boolean;
  };
  /** the rule applies only to sessions authenticated as one of these logins; absent = every session */
  readonly logins?: readonly string[];
}

export interface CompiledRecipientRules {
  /** address key -> indexes of rules naming it, ascending */
  readonly byAddress: ReadonlyMap<string, readonly number[]>;
  /** domain key -> indexes of rules naming it, ascending */
  readonly byDomain: ReadonlyMap<string, readonly number[]>;
  /** indexes of rules matching every recipient, ascending */
  readonly matchAll: readonly number[];
  readonly actions: readonly ("allow" | "refuse")[];
  /** per rule: the logins it is limited to, or null for everyone */
  readonly scopes: readonly (ReadonlySet<string> | null)[];
  /** entries that were not understood and so match nothing, for the checker to report */
  readonly problems: readonly { ruleIndex: number; entry: string; message: string }[];
}

export interface RecipientDecision {
  readonly allowed: boolean;
  /** the rule that decided, or null when none matched (default allow) */
  readonly ruleIndex: number | null;
}

function addIndex(map: Map<string, number[]>, key: string, index: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [index]);
  else if (list[list.length - 1] !== index) list.push(index);
}

export function compileRecipientRules(rules: readonly RecipientRule[]): CompiledRecipientRules {
  const byAddress = new Map<string, number[]>();
  const byDomain = new Map<string, number[]>();
  const matchAll: number[] = [];
  const problems: { ruleIndex: number; entry: string; message: string }[] = [];
  rules.forEach((rule, index) => {
    const addDomain = (text: string, entry: string): void => {
      const domain = domainKey(text);
      if (domain === undefined) problems.push({ ruleIndex: index, entry, message: `\`${text}\` is not a valid domain name` });
      else addIndex(byDomain, domain, index);
    };
    const addAddress = (text: string): void => {
      const key = configuredAddressKey(text);
      if ("problem" in key) problems.push({ ruleIndex: index, entry: text, message: key.problem });
      else addIndex(byAddress, key.key, index);
    };
    let all = rule.match.all === true;
    for (const domain of rule.match.domains ?? []) addDomain(domain.replace(/^@/, ""), domain);
    for (const address of rule.match.addresses ?? []) addAddress(address);
    for (const entry of rule.match.list ?? []) {
      if (entry === "*") all = true;
      else if (entry.startsWith("@")) addDomain(entry.slice(1), entry);
      else addAddress(entry);
    }
    if (all) matchAll.push(index);
  });
  return {
    byAddress,
    byDomain,
    matchAll,
    actions: rules.map((rule) => rule.action),
    scopes: rules.map((rule) => (rule.logins ? new Set(rule.logins) : null)),
    problems,
  };
}

/** The first rule in `candidates` (ascending) that applies to `login`, or Infinity. */
function firstApplicable(compiled: CompiledRecipientRules, candidates: readonly number[] | undefined, login: string | null): number {
  for (const index of candidates ?? []) {
    const scope = compiled.scopes[index]!;
    if (scope === null || (login !== null && scope.has(login))) return index;
  }
  return Infinity;
}

/**
 * Whether `login` (null for an unauthenticated session, which login-scoped rules never match) may
 * send to `address`. Answer 550 5.7.1 when not allowed.
 */
export function decideRecipient(compiled: CompiledRecipientRules, login: string | null, address: string): RecipientDecision {
  const key = addressKey(address);
  const index = Math.min(
    firstApplicable(compiled, compiled.byAddress.get(key.key), login),
    key.domain === null ? Infinity : firstApplicable(compiled, compiled.byDomain.get(key.domain), login),
    firstApplicable(compiled, compiled.matchAll, login),
  );
  if (index === Infinity) return { allowed: true, ruleIndex: null };
  return { allowed: compiled.actions[index] === "allow", ruleIndex: index };
}

/**
 * Rules that can never decide, for the checker: rule j is unreachable when an earlier rule with at
 * least as wide a scope matches every recipient, or matches every entry of j.
 */
export function unreachableRecipientRules(rules: readonly RecipientRule[]): { ruleIndex: number; shadowedBy: number }[] {
  const compiled = compileRecipientRules(rules);
  const found: { ruleIndex: number; shadowedBy: number }[] = [];
  const covers = (earlier: number, later: number): boolean => {
    const outer = compiled.scopes[earlier]!;
    const inner = compiled.scopes[later]!;
    if (outer === null) return true;
    return inner !== null && [...inner].every((login) => outer.has(login));
  };
  rules.forEach((_rule, later) => {
    if (compiled.problems.some((p) => p.ruleIndex === later)) return;
    const entriesOf = (map: ReadonlyMap<string, readonly number[]>): string[] => [...map].filter(([, indexes]) => indexes.includes(later)).map(([key]) => key);
    const addresses = entriesOf(compiled.byAddress);
    const domains = entriesOf(compiled.byDomain);
    const isAll = compiled.matchAll.includes(later);
    for (let earlier = 0; earlier < later; earlier++) {
      if (!covers(earlier, later)) continue;
      if (compiled.matchAll.includes(earlier)) {
        found.push({ ruleIndex: later, shadowedBy: earlier });
        return;
      }
      if (isAll || (addresses.length === 0 && domains.length === 0)) continue;
      const domainCovered = (domain: string): boolean => compiled.byDomain.get(domain)?.includes(earlier) ?? false;
      const ok =
        domains.every(domainCovered) &&
        addresses.every((address) => {
          const at = address.lastIndexOf("@");
          return (compiled.byAddress.get(address)?.includes(earlier) ?? false) || (at >= 0 && domainCovered(address.slice(at + 1)));
        });
      if (ok) {
        found.push({ ruleIndex: later, shadowedBy: earlier });
        return;
      }
    }
  });
  return found;
}
