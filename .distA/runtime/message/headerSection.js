// Parses the header section of a message (RFC 5322 section 2.2) into fields with byte offsets, refusing
// what is not header syntax, so that edits can copy every untouched field byte for byte.
//
// Strict on structure, lenient on content: every line must end with CRLF, be at most 998 octets
// (RFC 5322 section 2.1.1, counted in octets per RFC 6532 section 3.4) and be either "name:" or a
// continuation starting with SP or HTAB. Field bodies may hold UTF-8 (RFC 6532 section 3.2) or any other
// octet but CR, LF and the control characters; they are never rewritten here.
//
// Control characters (NUL, VT, ESC, DEL...) are refused outright: RFC 5322 allows them only in obsolete
// syntax (obs-NO-WS-CTL, section 4.1), and readers disagree on them, so that a From: with a NUL in it is
// one address to a checker and another to the reader who sees the message (issue 13).
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const DEL = 0x7f;
/** RFC 5322 section 2.1.1: at most 998 characters per line, excluding the CRLF */
export const MAX_LINE_OCTETS = 998;
export function parseHeaderSection(bytes) {
    const fields = [];
    const len = bytes.length;
    // the field being read: its continuation lines are not known until the next field line starts
    let open = null;
    const close = (end) => {
        if (open !== null) {
            fields.push({ name: open.name, start: open.start, end, value: unfoldBody(bytes, open.bodyStart, end - 2) });
            open = null;
        }
    };
    let pos = 0;
    while (pos < len) {
        const lf = bytes.indexOf(LF, pos);
        const contentEnd = lf === -1 ? len : lf - 1;
        // RFC 5322 section 2.2: CR and LF occur only together as CRLF
        const cr = bytes.indexOf(CR, pos);
        if (cr !== -1 && cr < contentEnd) {
            return fail("bare CR (carriage return not followed by line feed) in header section", cr);
        }
        if (lf === -1) {
            return fail("last header line does not end with CRLF", pos);
        }
        if (lf === pos || bytes[lf - 1] !== CR) {
            return fail("bare LF (line feed without carriage return) in header section", lf);
        }
        if (contentEnd === pos) {
            // the empty line that separates header and body (RFC 5322 section 2.1)
            close(pos);
            return { ok: true, header: { fields, headerEnd: lf + 1 } };
        }
        if (contentEnd - pos > MAX_LINE_OCTETS) {
            return fail(`header line is ${contentEnd - pos} bytes long, over the limit of ${MAX_LINE_OCTETS}`, pos);
        }
        const control = firstControlCharacter(bytes, pos, contentEnd);
        if (control !== -1) {
            return fail(`header line contains control byte 0x${bytes[control].toString(16).padStart(2, "0")}, which RFC 5322 does not allow`, control);
        }
        const first = bytes[pos];
        if (first === SP || first === HTAB) {
            // RFC 5322 section 2.2.3: a folded line continues the field above it
            if (open === null) {
                return fail("continuation line (starting with a space or tab) before the first header field", pos);
            }
            pos = lf + 1;
            continue;
        }
        close(pos);
        const colon = bytes.indexOf(COLON, pos);
        if (colon === -1 || colon > contentEnd) {
            return fail("header line has no colon: neither a field nor a continuation line", pos);
        }
        // RFC 5322 section 4.5 (obs-optional): whitespace between name and colon must still be accepted
        let nameEnd = colon;
        while (nameEnd > pos && (bytes[nameEnd - 1] === SP || bytes[nameEnd - 1] === HTAB)) {
            nameEnd--;
        }
        if (nameEnd === pos) {
            return fail("header field name is empty", pos);
        }
        // RFC 5322 section 2.2: field names are printable US-ASCII, 33 to 126, except colon
        for (let i = pos; i < nameEnd; i++) {
            const b = bytes[i];
            if (b < 33 || b > 126) {
                return fail(`header field name contains byte 0x${b.toString(16).padStart(2, "0")}, which is not printable US-ASCII`, i);
            }
        }
        open = { name: bytes.toString("latin1", pos, nameEnd), start: pos, bodyStart: colon + 1 };
        pos = lf + 1;
    }
    // no body: the header section runs to the end of the data (RFC 5322 section 3.5, the body is optional)
    close(len);
    return { ok: true, header: { fields, headerEnd: len } };
}
/** The fields called `name`, in message order; names compare case-insensitively (RFC 5322 section 1.2.2). */
export function fieldsNamed(header, name) {
    const wanted = name.toLowerCase();
    return header.fields.filter((field) => field.name.toLowerCase() === wanted);
}
/** Offset of the first byte in [start, end) that is a control character other than HTAB, or -1. */
function firstControlCharacter(bytes, start, end) {
    for (let i = start; i < end; i++) {
        const b = bytes[i];
        if ((b < SP && b !== HTAB) || b === DEL)
            return i;
    }
    return -1;
}
function fail(reason, offset) {
    return { ok: false, reason, offset };
}
/**
 * Unfolding removes each CRLF (RFC 5322 section 2.2.3); inside a parsed field every CRLF is a fold.
 * Leading and trailing SP/HTAB are skipped by offsets, not by a regular expression: `[ \t]+$` retries
 * at every blank of a run, quadratic on a field folded over thousands of blank lines.
 */
function unfoldBody(bytes, start, end) {
    const isBlank = (b) => b === SP || b === HTAB || b === CR || b === LF;
    while (start < end && isBlank(bytes[start]))
        start++;
    while (end > start && isBlank(bytes[end - 1]))
        end--;
    return bytes.toString("utf8", start, end).replace(/\r\n/g, "");
}
//# sourceMappingURL=headerSection.js.map