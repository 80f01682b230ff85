// Aliases at delivery (RFC 6409 section 8.7): the envelope recipients a session accepted are
// expanded through the `aliases "FILE"` table before the message is handed on. The file is read
// once per graph (the server at its first message, `msac simulate` at its first DATA); each
// expanded recipient keeps its DSN parameters and carries ORCPT with the address the client
// wrote (RFC 3461 section 4.2) unless the client gave one.
import { parseAliasesFile, type AliasesFileProblem } from "../../formats/aliasesFile.js";
import type { RuleGraph } from "../../graph/graph.js";
import { readNamedFileOrThrow } from "../../formats/namedFile.js";
import type { RecipientParameters } from "../deliver/envelope.js";
import { compileAliases, expandRecipients, type AliasTable, type RecipientExpansion } from "./expandAliases.js";

export interface LoadedAliases {
  table: AliasTable;
  /** Lines of the file that were skipped, or the error that kept the file from being read. */
  problems: readonly AliasesFileProblem[] | string;
}

/** Reads the aliases table of `graph`; null without an `aliases` rule. An unreadable file expands nothing. */
export function loadAliases(graph: RuleGraph, readFile: (path: string) => string = readNamedFileOrThrow): LoadedAliases | null {
  if (!graph.aliases) return null;
  try {
    const parsed = parseAliasesFile(readFile(graph.aliases.path));
    return { table: compileAliases(parsed.entries), problems: parsed.problems };
  } catch (error) {
    return { table: compileAliases([]), problems: (error as Error).message };
  }
}

export interface ExpandedEnvelope {
  recipients: { address: string; dsn: RecipientParameters }[];
  /** The recipients that changed (expanded, or left with nowhere to go), for the log. */
  expansions: RecipientExpansion[];
  /** Recipients whose expansion left no address (a loop or nesting too deep). */
  nowhere: string[];
}

/** Expands each recipient; the same final address reached twice is delivered once. */
export function expandEnvelopeRecipients(
  table: AliasTable,
  recipients: readonly { address: string; dsn?: RecipientParameters }[],
  localDomains: readonly string[],
): ExpandedEnvelope {
  const result = expandRecipients(
    table,
    recipients.map((r) => r.address),
    { localDomains },
  );
  const out: ExpandedEnvelope = { recipients: [], expansions: [], nowhere: [] };
  const seen = new Set<string>();
  result.expansions.forEach((expansion, index) => {
    const original = recipients[index]!;
    const unchanged = expansion.expandedTo.length === 1 && expansion.expandedTo[0] === original.address && expansion.problems.length === 0;
    if (!unchanged) out.expansions.push(expansion);
    if (expansion.expandedTo.length === 0) out.nowhere.push(original.address);
    for (const address of expansion.expandedTo) {
      const key = address.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      const dsn: RecipientParameters = { ...(original.dsn ?? {}) };
      if (!unchanged && dsn.orcpt === undefined) dsn.orcpt = `rfc822;${original.address}`;
      out.recipients.push({ address, dsn });
    }
  });
  return out;
}
