// Aliases at delivery (RFC 6409 section 8.7): the envelope recipients a session accepted are
// expanded through the `aliases "FILE"` table before the message is handed on. The file is read
// once per graph (the server at its first message, `msac simulate` at its first DATA); each
// expanded recipient keeps its DSN parameters and carries ORCPT with the address the client
// wrote (RFC 3461 section 4.2) unless the client gave one.
import { parseAliasesFile } from "../../formats/aliasesFile.js";
import { readNamedFileOrThrow } from "../../formats/namedFile.js";
import { compileAliases, expandRecipients } from "./expandAliases.js";
/** Reads the aliases table of `graph`; null without an `aliases` rule. An unreadable file expands nothing. */
export function loadAliases(graph, readFile = readNamedFileOrThrow) {
    if (!graph.aliases)
        return null;
    try {
        const parsed = parseAliasesFile(readFile(graph.aliases.path));
        return { table: compileAliases(parsed.entries), problems: parsed.problems };
    }
    catch (error) {
        return { table: compileAliases([]), problems: error.message };
    }
}
/** Expands each recipient; the same final address reached twice is delivered once. */
export function expandEnvelopeRecipients(table, recipients, localDomains) {
    const result = expandRecipients(table, recipients.map((r) => r.address), { localDomains });
    const out = { recipients: [], expansions: [], nowhere: [] };
    const seen = new Set();
    result.expansions.forEach((expansion, index) => {
        const original = recipients[index];
        const unchanged = expansion.expandedTo.length === 1 && expansion.expandedTo[0] === original.address && expansion.problems.length === 0;
        if (!unchanged)
            out.expansions.push(expansion);
        if (expansion.expandedTo.length === 0)
            out.nowhere.push(original.address);
        for (const address of expansion.expandedTo) {
            const key = address.toLowerCase();
            if (seen.has(key))
                continue;
            seen.add(key);
            const dsn = { ...(original.dsn ?? {}) };
            if (!unchanged && dsn.orcpt === undefined)
                dsn.orcpt = `rfc822;${original.address}`;
            out.recipients.push({ address, dsn });
        }
    });
    return out;
}
//# sourceMappingURL=aliasRecipients.js.map