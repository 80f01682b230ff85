// A milter's changes to the message and its envelope, applied to the bytes msa would hand on: a
// pure function the decision core calls. Header changes go through runtime/message/headerEdits.ts
// (untouched fields and body copied byte for byte); the milter's field text is written exactly as
// it sent it, so a signature a milter made over that text (OpenDKIM) still verifies.
import { sameAddress } from "../../formats/ownAddress.js";
import { applyHeaderEdits } from "../message/headerEdits.js";
import { parseHeaderSection } from "../message/headerSection.js";
/**
 * Applies `modifications` in the order the milter sent them. `leadingSpace`: the milter negotiated
 * SMFIP_HDR_LEADSPC, so its values carry their own space after the colon; otherwise one is added,
 * as Sendmail and Postfix do. Throws when a change cannot be written (a field that breaks RFC 5322).
 */
export function applyMilterModifications(message, envelope, modifications, leadingSpace) {
    const parsed = parseHeaderSection(message);
    if (!parsed.ok)
        throw new TypeError(`the message's header does not parse: ${parsed.reason}`);
    const header = parsed.header;
    const entries = header.fields.map((field, index) => ({ original: index, name: field.name, value: null }));
    const removed = new Set();
    const changes = [];
    let quarantine = null;
    let body = null;
    let { mailFrom, recipients } = envelope;
    const text = (value) => (leadingSpace ? value : ` ${value}`);
    for (const m of modifications) {
        switch (m.kind) {
            case "addHeader":
                entries.push({ original: null, name: m.name, value: text(m.value) });
                changes.push(`add header ${m.name}`);
                break;
            case "insertHeader":
                entries.splice(Math.min(m.index, entries.length), 0, { original: null, name: m.name, value: text(m.value) });
                changes.push(`insert header ${m.name} at ${m.index}`);
                break;
            case "changeHeader": {
                const named = entries.filter((e) => e.name.toLowerCase() === m.name.toLowerCase());
                const entry = named[m.index - 1] ?? (m.index === 0 ? named[0] : undefined);
                if (!entry) {
                    // Sendmail adds a field changed that is not there; removing it is nothing to do.
                    if (m.value !== "")
                        entries.push({ original: null, name: m.name, value: text(m.value) });
                }
                else if (m.value === "") {
                    entries.splice(entries.indexOf(entry), 1);
                    if (entry.original !== null)
                        removed.add(entry.original);
                }
                else
                    entry.value = text(m.value);
                changes.push(`${m.value === "" ? "remove" : "change"} header ${m.name} #${m.index}`);
                break;
            }
            case "replaceBody":
                body = m.body;
                changes.push(`replace body (${m.body.length} bytes)`);
                break;
            case "addRecipient":
                if (!recipients.some((r) => sameAddress(r.address, m.address)))
                    recipients = [...recipients, { address: m.address }];
                changes.push(`add recipient ${m.address}`);
                break;
            case "deleteRecipient":
                recipients = recipients.filter((r) => !sameAddress(r.address, m.address));
                changes.push(`delete recipient ${m.address}`);
                break;
            case "changeSender":
                mailFrom = m.address;
                changes.push(`change sender to ${m.address}`);
                break;
            case "quarantine":
                quarantine = m.reason;
                changes.push(`quarantine: ${m.reason}`);
                break;
        }
    }
    const edits = [...removed].map((index) => ({ kind: "remove", index }));
    entries.forEach((entry, at) => {
        if (entry.value === null)
            return;
        if (entry.original !== null) {
            edits.push({ kind: "replace", index: entry.original, value: entry.value, raw: true });
            return;
        }
        // A new field goes before the next original field still there, or after the last one.
        const next = entries.slice(at + 1).find((e) => e.original !== null)?.original ?? header.fields.length;
        edits.push({ kind: "insert", before: next, name: entry.name, value: entry.value, raw: true });
    });
    let bytes = message;
    if (body) {
        // The header section with its empty line, then the new body with every line ending CRLF.
        const head = message.subarray(0, header.headerEnd);
        const separator = head.subarray(-4).equals(Buffer.from("\r\n\r\n")) || head.length === 0 ? Buffer.alloc(0) : Buffer.from("\r\n");
        bytes = Buffer.concat([head, separator, Buffer.from(body.toString("latin1").replace(/\r\n|\r|\n/g, "\r\n"), "latin1")]);
    }
    return { message: applyHeaderEdits(bytes, header, edits), envelope: { ...envelope, mailFrom, recipients }, changes, quarantine };
}
//# sourceMappingURL=milterEdits.js.map