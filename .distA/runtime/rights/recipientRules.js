// Recipient permissions (RFC 6409 section 6.2: the MSA MAY refuse recipients by local policy):
// `allow recipients ...` / `refuse recipients ...`, optionally scoped to logins. First matching
// rule wins; no matching rule allows, since recipients are open unless a policy says otherwise.
// Compiled once into per-address and per-domain indexes so a decision looks at the few rules that
// can match this address, never at the whole list.
import { addressKey, configuredAddressKey, domainKey } from "../../formats/addressKey.js";
function addIndex(map, key, index) {
    const list = map.get(key);
    if (!list)
        map.set(key, [index]);
    else if (list[list.length - 1] !== index)
        list.push(index);
}
export function compileRecipientRules(rules) {
    const byAddress = new Map();
    const byDomain = new Map();
    const matchAll = [];
    const problems = [];
    rules.forEach((rule, index) => {
        const addDomain = (text, entry) => {
            const domain = domainKey(text);
            if (domain === undefined)
                problems.push({ ruleIndex: index, entry, message: `\`${text}\` is not a valid domain name` });
            else
                addIndex(byDomain, domain, index);
        };
        const addAddress = (text) => {
            const key = configuredAddressKey(text);
            if ("problem" in key)
                problems.push({ ruleIndex: index, entry: text, message: key.problem });
            else
                addIndex(byAddress, key.key, index);
        };
        let all = rule.match.all === true;
        for (const domain of rule.match.domains ?? [])
            addDomain(domain.replace(/^@/, ""), domain);
        for (const address of rule.match.addresses ?? [])
            addAddress(address);
        for (const entry of rule.match.list ?? []) {
            if (entry === "*")
                all = true;
            else if (entry.startsWith("@"))
                addDomain(entry.slice(1), entry);
            else
                addAddress(entry);
        }
        if (all)
            matchAll.push(index);
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
function firstApplicable(compiled, candidates, login) {
    for (const index of candidates ?? []) {
        const scope = compiled.scopes[index];
        if (scope === null || (login !== null && scope.has(login)))
            return index;
    }
    return Infinity;
}
/**
 * Whether `login` (null for an unauthenticated session, which login-scoped rules never match) may
 * send to `address`. Answer 550 5.7.1 when not allowed.
 */
export function decideRecipient(compiled, login, address) {
    const key = addressKey(address);
    const index = Math.min(firstApplicable(compiled, compiled.byAddress.get(key.key), login), key.domain === null ? Infinity : firstApplicable(compiled, compiled.byDomain.get(key.domain), login), firstApplicable(compiled, compiled.matchAll, login));
    if (index === Infinity)
        return { allowed: true, ruleIndex: null };
    return { allowed: compiled.actions[index] === "allow", ruleIndex: index };
}
/**
 * Rules that can never decide, for the checker: rule j is unreachable when an earlier rule with at
 * least as wide a scope matches every recipient, or matches every entry of j.
 */
export function unreachableRecipientRules(rules) {
    const compiled = compileRecipientRules(rules);
    const found = [];
    const covers = (earlier, later) => {
        const outer = compiled.scopes[earlier];
        const inner = compiled.scopes[later];
        if (outer === null)
            return true;
        return inner !== null && [...inner].every((login) => outer.has(login));
    };
    rules.forEach((_rule, later) => {
        if (compiled.problems.some((p) => p.ruleIndex === later))
            return;
        const entriesOf = (map) => [...map].filter(([, indexes]) => indexes.includes(later)).map(([key]) => key);
        const addresses = entriesOf(compiled.byAddress);
        const domains = entriesOf(compiled.byDomain);
        const isAll = compiled.matchAll.includes(later);
        for (let earlier = 0; earlier < later; earlier++) {
            if (!covers(earlier, later))
                continue;
            if (compiled.matchAll.includes(earlier)) {
                found.push({ ruleIndex: later, shadowedBy: earlier });
                return;
            }
            if (isAll || (addresses.length === 0 && domains.length === 0))
                continue;
            const domainCovered = (domain) => compiled.byDomain.get(domain)?.includes(earlier) ?? false;
            const ok = domains.every(domainCovered) &&
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
//# sourceMappingURL=recipientRules.js.map