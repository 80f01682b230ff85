// Sender canonical rewriting (`rewrite senders "FILE"`, Postfix's sender_canonical_maps): the
// envelope sender and the sender fields of the header are looked up in the table, a whole
// address before its domain; `@old @new` keeps the local part. Keys compare as addressKey does:
// the local part exactly, the domain without regard to case (RFC 5321 section 2.4).
import { addressKey } from "../../formats/addressKey.js";
import { canonicalFromFile, canonicalKey } from "../../formats/canonicalFile.js";
import { splitAddress } from "../../formats/envelopeAddress.js";
import { rewriteAddressHeader } from "../address/addressHeader.js";
/** The sender fields rewritten (RFC 5322 sections 3.6.2, 3.6.6 and 3.6.7), as Postfix's canonical rewrites senders. */
export const CANONICAL_SENDER_FIELDS = ["From", "Sender", "Reply-To", "Resent-From", "Resent-Sender", "Return-Path"];
export function compileCanonicalTable(entries) {
    return new Map(entries.map((entry) => [canonicalKey(entry.old), entry]));
}
/** A canonical file's text as its table, or its problems (then no line of it is used). */
export function parseCanonicalTable(text) {
    const parsed = canonicalFromFile(text);
    return parsed.problems.length > 0 ? { problems: parsed.problems } : { table: compileCanonicalTable(parsed.entries) };
}
/** The line for an address: the address itself first, then its domain. */
function entryFor(local, domain, table) {
    const key = addressKey(`${local}@${domain}`);
    return table.get(key.key) ?? (key.domain === null ? undefined : table.get(`@${key.domain}`));
}
/** The new local part and domain: a whole address, or the old local part at the new domain. */
function replaced(local, side) {
    if (side.kind === "domain")
        return { local, domain: side.domain };
    const parts = splitAddress(side.text);
    return { local: parts.localPart, domain: parts.domain ?? "" };
}
/** An envelope sender rewritten, or null when no line names it (the null sender never is). */
export function rewriteSenderAddress(address, table) {
    const parts = splitAddress(address);
    if (address === "" || parts.domain === null || parts.literal)
        return null;
    const entry = entryFor(parts.localPart, parts.domain, table);
    if (!entry)
        return null;
    const to = replaced(parts.localPart, entry.new);
    return { address: `${to.local}@${to.domain}`, line: entry.line };
}
/**
 * One address-list field body with every address the table names rewritten; display names and
 * comments stay. `lines` gets the file line of each rewrite. The body itself comes back when
 * nothing changes.
 */
export function rewriteSenderHeader(fieldBody, table, lines = []) {
    return rewriteAddressHeader(fieldBody, (spec) => {
        if (spec.domain === null || spec.literal)
            return null;
        const entry = entryFor(spec.local, spec.domain, table);
        if (!entry)
            return null;
        lines.push(entry.line);
        return replaced(spec.local, entry.new);
    });
}
//# sourceMappingURL=senderCanonical.js.map