// Applies the header edits the server decided on (add Received, Date, Message-ID, Sender, qualify, remove
// Bcc) to a parsed message: untouched fields and the body are copied byte for byte, by Buffer slicing.
//
// Edits are applied as if one after another: a later prepend lands above an earlier one (as each hop's
// Received: goes on top, RFC 5321 section 4.4) and appends stay in the order given. replace and remove name
// a field by its index in header.fields, the fields as parsed, whatever other edits do.
import { MAX_LINE_OCTETS } from "./headerSection.js";
// `raw`: the value is the field's text after the colon exactly as a milter wrote it, folds and
// leading space included (a DKIM signature with simple canonicalization depends on each byte);
// it is written as is, line breaks made CRLF, not folded again.
/** RFC 5322 section 2.1.1: lines SHOULD be at most 78 characters (RFC 6532 section 3.4: characters, not octets) */
export const FOLD_AT_CHARS = 78;
export function applyHeaderEdits(bytes, header, edits) {
    const { fields } = header;
    if (header.headerEnd > bytes.length || (fields.length > 0 && fields[fields.length - 1].end > header.headerEnd)) {
        throw new RangeError("header section does not belong to these bytes");
    }
    const top = [];
    const bottom = [];
    // index into fields -> new bytes for it, or null when it is removed
    const changed = new Map();
    // index into fields -> the fields inserted before it, in order
    const inserted = new Map();
    const field = (name, value, raw) => Buffer.from(raw ? formatRawHeaderField(name, value) : formatHeaderField(name, value), "utf8");
    for (const edit of edits) {
        switch (edit.kind) {
            case "prepend":
                top.unshift(field(edit.name, edit.value, undefined));
                break;
            case "append":
                bottom.push(field(edit.name, edit.value, edit.raw));
                break;
            case "insert":
                if (edit.before >= fields.length)
                    bottom.push(field(edit.name, edit.value, edit.raw));
                else
                    inserted.set(edit.before, [...(inserted.get(edit.before) ?? []), field(edit.name, edit.value, edit.raw)]);
                break;
            case "replace":
            case "remove": {
                const field = fields[edit.index];
                if (!Number.isInteger(edit.index) || field === undefined) {
                    throw new RangeError(`header edit names field ${edit.index}, but the message has ${fields.length} fields`);
                }
                if (changed.has(edit.index)) {
                    throw new RangeError(`header field ${edit.index} (${field.name}) is edited twice`);
                }
                changed.set(edit.index, edit.kind === "remove" ? null : Buffer.from(edit.raw ? formatRawHeaderField(field.name, edit.value) : formatHeaderField(field.name, edit.value), "utf8"));
                break;
            }
        }
    }
    const parts = top;
    // runs of untouched fields are copied as one slice
    let copyFrom = 0;
    const points = [...new Set([...changed.keys(), ...inserted.keys()])].sort((a, b) => a - b);
    for (const index of points) {
        const field = fields[index];
        if (field.start > copyFrom) {
            parts.push(bytes.subarray(copyFrom, field.start));
        }
        parts.push(...(inserted.get(index) ?? []));
        copyFrom = field.start;
        if (!changed.has(index))
            continue;
        const replacement = changed.get(index);
        if (replacement) {
            parts.push(replacement);
        }
        copyFrom = field.end;
    }
    const fieldsEnd = fields.length > 0 ? fields[fields.length - 1].end : 0;
    if (fieldsEnd > copyFrom) {
        parts.push(bytes.subarray(copyFrom, fieldsEnd));
    }
    // appended fields go before the empty line; each ends with CRLF, so a message without body stays valid
    parts.push(...bottom);
    // the empty line, if any, and the body, unchanged
    parts.push(bytes.subarray(fieldsEnd));
    return Buffer.concat(parts);
}
/**
 * One header field as text, "Name: value" plus CRLF, folded at whitespace (RFC 5322 section 2.2.3) so that
 * lines stay within 78 characters where the value allows it. Unfolding gives back exactly the value: only
 * CRLFs are inserted, each before a space or tab. Throws when the name or value cannot form a field, or a
 * word is too long to fit in 998 octets.
 */
export function formatHeaderField(name, value) {
    // RFC 5322 section 2.2: printable US-ASCII except colon
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
        throw new TypeError(`invalid header field name \`${name}\``);
    }
    // CR or LF would end the field early (header injection); other controls are not in RFC 5322 unstructured
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) {
        throw new TypeError(`header field \`${name}\` value contains a control character`);
    }
    // each piece: whitespace, then a word; a fold may go in front of any piece but the first
    const pieces = value.match(/[ \t]*[^ \t]+|[ \t]+$/g) ?? [];
    const lines = [];
    let line = value === "" ? `${name}:` : `${name}: ${pieces[0] ?? ""}`;
    let lineChars = countChars(line);
    for (let i = 1; i < pieces.length; i++) {
        const piece = pieces[i];
        const pieceChars = countChars(piece);
        // trailing whitespace stays on its line: a line of only whitespace is obsolete (RFC 5322 section 4.2)
        const hasWord = /[^ \t]/.test(piece);
        if (hasWord && lineChars + pieceChars > FOLD_AT_CHARS) {
            lines.push(line);
            line = piece;
            lineChars = pieceChars;
        }
        else {
            line += piece;
            lineChars += pieceChars;
        }
    }
    lines.push(line);
    for (const l of lines) {
        if (Buffer.byteLength(l, "utf8") > MAX_LINE_OCTETS) {
            throw new RangeError(`header field \`${name}\` has a word too long to fold within ${MAX_LINE_OCTETS} octets`);
        }
    }
    return lines.join("\r\n") + "\r\n";
}
/**
 * A field whose text after the colon is given as written (a milter's), line breaks as LF or CRLF:
 * each line break must start a continuation line (RFC 5322 section 2.2.3), no other control
 * character but HTAB, every line within 998 octets. Throws otherwise.
 */
export function formatRawHeaderField(name, value) {
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
        throw new TypeError(`invalid header field name \`${name}\``);
    }
    const lines = `${name}:${value}`.split(/\r?\n/);
    for (const [i, line] of lines.entries()) {
        if (i > 0 && !/^[ \t]/.test(line))
            throw new TypeError(`header field \`${name}\` has a line break that does not start a continuation line`);
        if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line))
            throw new TypeError(`header field \`${name}\` value contains a control character`);
        if (Buffer.byteLength(line, "utf8") > MAX_LINE_OCTETS)
            throw new RangeError(`header field \`${name}\` has a line over ${MAX_LINE_OCTETS} octets`);
    }
    return `${lines.join("\r\n")}\r\n`;
}
/** characters as RFC 6532 counts them: code points, not UTF-16 units */
function countChars(text) {
    // each surrogate pair is one code point in two UTF-16 units
    return text.length - (text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);
}
//# sourceMappingURL=headerEdits.js.map