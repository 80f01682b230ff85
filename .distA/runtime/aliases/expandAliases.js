// Expands envelope recipients through the aliases table before delivery (RFC 6409 section 8.7,
// `aliases "FILE"`). Pure and always finite: each alias is expanded at most once per recipient,
// at the shallowest depth it is reached (breadth first), so a loop or a deep chain cannot hang
// the server; both are reported for the log, and `msac check` reports loops before they run.
import { aliasDomainKey, aliasNameKey, aliasNameOfTarget, findCycles } from "../../formats/aliasesFile.js";
import { splitAddress } from "../../formats/envelopeAddress.js";
import { addressKey } from "../../formats/addressKey.js";
/** The first definition of a name wins, as parseAliasesFile keeps it. */
export function compileAliases(entries) {
    const aliases = new Map();
    for (const entry of entries) {
        const key = aliasNameKey(entry.name);
        if (!aliases.has(key))
            aliases.set(key, entry.targets.map((t) => (typeof t === "string" ? t : t.value)));
    }
    return { aliases };
}
export const DEFAULT_MAX_ALIAS_DEPTH = 10;
/** Key for deduplication: local parts of local domains compare case-insensitively, like alias names. */
function dedupeKey(address, localDomains) {
    const key = addressKey(address);
    if (key.domain === null || localDomains.has(key.domain))
        return `${key.local.toLowerCase()}@${key.domain ?? ""}`;
    return key.key;
}
export function expandRecipients(table, recipients, options) {
    const maxDepth = options.maxDepth ?? DEFAULT_MAX_ALIAS_DEPTH;
    const localDomains = new Set(options.localDomains.map(aliasDomainKey));
    const defaultDomain = options.localDomains[0];
    const all = [];
    const allSeen = new Set();
    const expansions = [];
    for (const recipient of recipients) {
        const expandedTo = [];
        const seenLeaves = new Set();
        const problems = [];
        const addLeaf = (address) => {
            const key = dedupeKey(address, localDomains);
            if (seenLeaves.has(key))
                return;
            seenLeaves.add(key);
            expandedTo.push(address);
            if (!allSeen.has(key)) {
                allSeen.add(key);
                all.push(address);
            }
        };
        const rootName = aliasNameOfTarget(recipient, localDomains);
        if (rootName === null || !table.aliases.has(rootName)) {
            addLeaf(recipient);
            expansions.push({ recipient, expandedTo, problems });
            continue;
        }
        // A bare target is a mailbox in the recipient's own domain (it is a local one, or it would not
        // have matched); an unqualified recipient uses the first local domain.
        const recipientDomain = splitAddress(recipient).domain;
        const qualify = (local) => {
            const domain = recipientDomain ?? defaultDomain;
            return domain === undefined ? local : `${local}@${domain}`;
        };
        const seen = new Set([rootName]);
        let level = [{ name: rootName, path: [rootName] }];
        for (let depth = 0; level.length > 0; depth++) {
            const next = [];
            for (const { name, path } of level) {
                if (depth >= maxDepth) {
                    problems.push({ kind: "depth", path });
                    continue;
                }
                for (const target of table.aliases.get(name)) {
                    const targetName = aliasNameOfTarget(target, localDomains);
                    const isAlias = targetName !== null && table.aliases.has(targetName);
                    if (!isAlias || targetName === name) {
                        // `alice: alice, ...` means alice's own mailbox too (the aliases(5) idiom), never a loop.
                        addLeaf(target.includes("@") ? target : qualify(target));
                    }
                    else if (!seen.has(targetName)) {
                        seen.add(targetName);
                        next.push({ name: targetName, path: [...path, targetName] });
                    }
                }
            }
            level = next;
        }
        const edges = (name) => (table.aliases.get(name) ?? []).map((target) => aliasNameOfTarget(target, localDomains)).filter((target) => target !== null && seen.has(target));
        for (const names of findCycles([...seen], edges))
            problems.push({ kind: "loop", names });
        expansions.push({ recipient, expandedTo, problems });
    }
    return { recipients: all, expansions };
}
//# sourceMappingURL=expandAliases.js.map