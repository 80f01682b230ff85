// Parses and formats the mailbox inside an SMTP MAIL FROM / RCPT TO path
// (RFC 5321 section 4.1.2, widened to UTF-8 by RFC 6531 when SMTPUTF8 is in use).
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
// RFC 5321 section 4.5.3.1: size limits, counted in octets.
export const MAX_LOCAL_PART_OCTETS = 64;
export const MAX_DOMAIN_OCTETS = 255;
export const MAX_LABEL_OCTETS = 63;
/** RFC 5321 section 4.5.3.1.3: a path including its angle brackets and any source route. */
export const MAX_PATH_OCTETS = 256;
const LDH_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NON_ASCII = /[^\x00-\x7f]/;
const DOT = 0x2e;
const AT = 0x40;
const HYPHEN = 0x2d;
// Classes of the ASCII characters, by code, so that the hot loops below test a character
// with one array read instead of a regular expression.
/** RFC 5322 section 3.2.3 atext: a character of an unquoted (Dot-string) atom. */
const ATEXT = 1;
/** RFC 5321 section 4.1.2 Let-dig: a letter or digit, which starts and ends a domain label. */
const LET_DIG = 2;
const ASCII_CLASS = new Uint8Array(128);
for (const char of "!#$%&'*+-/=?^_`{|}~")
    ASCII_CLASS[char.charCodeAt(0)] = ATEXT;
for (const [first, last] of [
    ["0", "9"],
    ["A", "Z"],
    ["a", "z"],
]) {
    for (let code = first.charCodeAt(0); code <= last.charCodeAt(0); code++)
        ASCII_CLASS[code] = ATEXT | LET_DIG;
}
function octets(text) {
    return Buffer.byteLength(text, "utf8");
}
/** True when `text` has a character outside US-ASCII. */
export function hasNonAscii(text) {
    return NON_ASCII.test(text);
}
/**
 * True when `localPart` can be written without quotes: RFC 5321 Dot-string = Atom *("." Atom),
 * an atom being atext or (RFC 6531 section 3.3) any non-ASCII character under SMTPUTF8.
 * Scans UTF-16 code units: a code point is non-ASCII exactly when its first unit is.
 */
export function isDotString(localPart, smtputf8 = true) {
    let atomStart = true;
    for (let i = 0; i < localPart.length; i++) {
        const code = localPart.charCodeAt(i);
        if (code === DOT) {
            if (atomStart)
                return false;
            atomStart = true;
            continue;
        }
        if (code > 0x7f ? !smtputf8 : (ASCII_CLASS[code] & ATEXT) === 0)
            return false;
        atomStart = false;
    }
    return !atomStart;
}
/**
 * Writes a local part as RFC 5321 requires: a Dot-string when possible (section 4.1.2
 * says a Quoted-string SHOULD NOT be used when a Dot-string would do), else a
 * Quoted-string with '"' and '\' escaped.
 */
export function formatLocalPart(localPart) {
    if (isDotString(localPart))
        return localPart;
    return `"${localPart.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
/**
 * Converts a domain name to its A-label form (lowercased by IDNA) when it contains
 * non-ASCII characters; ASCII names and address literals are returned unchanged.
 * Returns null when an internationalized name cannot be converted.
 */
export function toAsciiDomain(domain) {
    if (!hasNonAscii(domain))
        return domain;
    const ascii = domainToASCII(domain);
    return ascii === "" ? null : ascii;
}
/**
 * Validates an RFC 5321 Domain (or, under SMTPUTF8, a domain made of U-labels) and
 * returns its A-label form.
 */
function parseDomainName(text, smtputf8) {
    if (text === "")
        return { ok: false, reason: "empty domain" };
    if (!smtputf8 && hasNonAscii(text)) {
        return { ok: false, reason: "non-ASCII domain without SMTPUTF8" };
    }
    const asciiLabels = [];
    // Only "." separates labels: the IDNA mapping of other dots (U+3002...) is not a Domain.
    for (const label of text.split(".")) {
        if (label === "")
            return { ok: false, reason: "empty domain label" };
        let ascii = label;
        if (hasNonAscii(label)) {
            // RFC 6531 section 3.3: sub-domain =/ U-label; its A-label must be a valid xn-- label.
            const converted = domainToASCII(label);
            if (!converted.startsWith("xn--") || converted.includes(".")) {
                return { ok: false, reason: `invalid internationalized domain label "${label}"` };
            }
            ascii = converted;
        }
        else if (/^xn--/i.test(label) && domainToASCII(label) === "") {
            return { ok: false, reason: `invalid A-label "${label}"` };
        }
        // RFC 5321 section 4.1.2: sub-domain = Let-dig [Ldh-str].
        if (!LDH_LABEL.test(ascii))
            return { ok: false, reason: `invalid domain label "${label}"` };
        if (ascii.length > MAX_LABEL_OCTETS) {
            return { ok: false, reason: `domain label longer than ${MAX_LABEL_OCTETS} octets` };
        }
        asciiLabels.push(ascii);
    }
    const canonical = hasNonAscii(text) ? asciiLabels.join(".").toLowerCase() : text;
    if (canonical.length > MAX_DOMAIN_OCTETS) {
        return { ok: false, reason: `domain longer than ${MAX_DOMAIN_OCTETS} octets` };
    }
    return { ok: true, address: canonical };
}
/** RFC 5321 section 4.1.3: IPv4-address-literal / IPv6-address-literal, including the brackets. */
function isAddressLiteral(text) {
    if (!text.startsWith("[") || !text.endsWith("]"))
        return false;
    const inner = text.slice(1, -1);
    // Snum = 1*3DIGIT with a value 0-255; leading zeros are allowed by the grammar.
    const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(inner);
    if (ipv4)
        return ipv4.slice(1).every((snum) => Number(snum) <= 255);
    const ipv6 = /^IPv6:(.*)$/i.exec(inner);
    // No zone identifier: "%" is not part of the RFC 5321 IPv6-addr grammar.
    if (ipv6)
        return !ipv6[1].includes("%") && isIP(ipv6[1]) === 6;
    // General-address-literal needs an IANA-registered Standardized-tag; none exist besides IPv6.
    return false;
}
/** Parses RFC 5321 Local-part = Dot-string / Quoted-string and returns its value. */
function parseLocalPart(text, smtputf8) {
    if (text === "")
        return { ok: false, reason: "empty local part" };
    if (!text.startsWith('"')) {
        if (!smtputf8 && hasNonAscii(text)) {
            return { ok: false, reason: "non-ASCII local part without SMTPUTF8" };
        }
        if (!isDotString(text, smtputf8))
            return { ok: false, reason: "invalid local part" };
        return { ok: true, address: text };
    }
    // Quoted-string = DQUOTE *QcontentSMTP DQUOTE
    let value = "";
    const chars = [...text];
    for (let i = 1; i < chars.length; i++) {
        const char = chars[i];
        const code = char.codePointAt(0);
        if (char === '"') {
            if (i !== chars.length - 1)
                return { ok: false, reason: "text after quoted local part" };
            return { ok: true, address: value };
        }
        if (char === "\\") {
            // quoted-pairSMTP = %d92 %d32-126
            const next = chars[++i];
            if (next === undefined)
                break;
            const nextCode = next.codePointAt(0);
            if (nextCode < 32 || nextCode > 126)
                return { ok: false, reason: "invalid quoted pair in local part" };
            value += next;
            continue;
        }
        // qtextSMTP = %d32-33 / %d35-91 / %d93-126, plus UTF8-non-ascii under SMTPUTF8 (RFC 6531 section 3.3)
        if (code >= 32 && code <= 126) {
            value += char;
        }
        else if (code > 0x7f) {
            if (!smtputf8)
                return { ok: false, reason: "non-ASCII local part without SMTPUTF8" };
            value += char;
        }
        else {
            return { ok: false, reason: "control character in quoted local part" };
        }
    }
    return { ok: false, reason: "unterminated quoted local part" };
}
/** Index of the "@" that separates local part from domain: the first one after any quoted local part. */
function findDomainSeparator(text) {
    if (!text.startsWith('"'))
        return text.indexOf("@");
    for (let i = 1; i < text.length; i++) {
        if (text[i] === "\\")
            i++;
        else if (text[i] === '"')
            return text.indexOf("@", i + 1);
    }
    return -1;
}
/**
 * Parses the text between the angle brackets of a forward path (RCPT TO) or a
 * non-null reverse path: Mailbox, optionally preceded by a source route
 * ("@a,@b:"), which RFC 5321 section 4.1.2 / appendix C says to accept and ignore.
 * An address without "@" is accepted as unqualified (domain null); whether that
 * is acceptable is for the caller to decide (see isQualified).
 */
export function parseEnvelopeAddress(text, options) {
    const plain = parsePlainAddress(text);
    return plain ? { ok: true, address: plain } : parseEnvelopeAddressInFull(text, options);
}
/**
 * The fast path of parseEnvelopeAddress, for the address nearly every command carries: ASCII
 * `dot.string@ldh.labels` (or a Dot-string alone): no quotes, literal, source route or reserved
 * (`xn--`) label. Returns what parseEnvelopeAddressInFull returns for such text (whatever the
 * SMTPUTF8 option, since the text is ASCII), and null for any other text, valid or not, which
 * the full parser then decides. One pass over the code units, no regular expression or split.
 */
export function parsePlainAddress(text) {
    // RFC 5321 section 4.5.3.1.3: the path's 256 octets include the two angle brackets.
    if (text.length > MAX_PATH_OCTETS - 2)
        return null;
    let at = 0;
    let atomStart = true;
    for (; at < text.length; at++) {
        const code = text.charCodeAt(at);
        if (code === AT)
            break;
        if (code === DOT) {
            if (atomStart)
                return null;
            atomStart = true;
            continue;
        }
        if (code > 0x7f || (ASCII_CLASS[code] & ATEXT) === 0)
            return null;
        atomStart = false;
    }
    // atomStart still set: empty local part, or one ending in a dot.
    if (atomStart || at > MAX_LOCAL_PART_OCTETS)
        return null;
    if (at === text.length)
        return { localPart: text, domain: null, domainAsWritten: null, literal: false };
    let labelStart = at + 1;
    // The position just past the end closes the last label, as a dot would.
    for (let i = labelStart; i <= text.length; i++) {
        const code = i === text.length ? DOT : text.charCodeAt(i);
        if (code === DOT) {
            const labelLength = i - labelStart;
            if (labelLength === 0 || labelLength > MAX_LABEL_OCTETS || text.charCodeAt(i - 1) === HYPHEN)
                return null;
            // RFC 5890 section 2.3.1: hyphens third and fourth mark a reserved label, "xn--" A-labels
            // among them, which need the IDNA check that only the full parser makes.
            if (labelLength >= 4 && text.charCodeAt(labelStart + 2) === HYPHEN && text.charCodeAt(labelStart + 3) === HYPHEN)
                return null;
            labelStart = i + 1;
            continue;
        }
        if (code > 0x7f)
            return null;
        if ((ASCII_CLASS[code] & LET_DIG) === 0 && (code !== HYPHEN || i === labelStart))
            return null;
    }
    const domain = text.slice(at + 1);
    return { localPart: text.slice(0, at), domain, domainAsWritten: domain, literal: false };
}
/**
 * parseEnvelopeAddress by the whole RFC 5321 / RFC 6531 grammar, without the fast path.
 * Exported so that tests can hold parsePlainAddress to it.
 */
export function parseEnvelopeAddressInFull(text, options) {
    if (text === "")
        return { ok: false, reason: "empty address" };
    if (LONE_SURROGATE.test(text))
        return { ok: false, reason: "malformed UTF-16 in address" };
    if (octets(text) + 2 > MAX_PATH_OCTETS) {
        return { ok: false, reason: `path longer than ${MAX_PATH_OCTETS} octets` };
    }
    let mailbox = text;
    if (text.startsWith("@")) {
        // A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain
        const colon = text.indexOf(":");
        if (colon < 0)
            return { ok: false, reason: "source route without ':'" };
        for (const atDomain of text.slice(0, colon).split(",")) {
            if (!atDomain.startsWith("@"))
                return { ok: false, reason: "invalid source route" };
            const routeDomain = parseDomainName(atDomain.slice(1), options.smtputf8);
            if (!routeDomain.ok)
                return { ok: false, reason: `invalid source route: ${routeDomain.reason}` };
        }
        mailbox = text.slice(colon + 1);
        if (mailbox === "")
            return { ok: false, reason: "source route without mailbox" };
    }
    const at = findDomainSeparator(mailbox);
    const localText = at < 0 ? mailbox : mailbox.slice(0, at);
    const local = parseLocalPart(localText, options.smtputf8);
    if (!local.ok)
        return local;
    if (octets(localText) > MAX_LOCAL_PART_OCTETS) {
        return { ok: false, reason: `local part longer than ${MAX_LOCAL_PART_OCTETS} octets` };
    }
    if (at < 0) {
        return { ok: true, address: { localPart: local.address, domain: null, domainAsWritten: null, literal: false } };
    }
    const domainText = mailbox.slice(at + 1);
    if (domainText.startsWith("[")) {
        if (!isAddressLiteral(domainText))
            return { ok: false, reason: "invalid address literal" };
        return {
            ok: true,
            address: { localPart: local.address, domain: domainText, domainAsWritten: domainText, literal: true },
        };
    }
    const domain = parseDomainName(domainText, options.smtputf8);
    if (!domain.ok)
        return domain;
    return {
        ok: true,
        address: { localPart: local.address, domain: domain.address, domainAsWritten: domainText, literal: false },
    };
}
/**
 * Parses the text of a MAIL FROM reverse path: like parseEnvelopeAddress, but the
 * null path "<>" (empty text) is valid and yields null (RFC 5321 section 4.1.1.2).
 */
export function parseReversePath(text, options) {
    if (text === "")
        return { ok: true, address: null };
    return parseEnvelopeAddress(text, options);
}
/** Writes an address for an SMTP path (without the angle brackets), quoting the local part when needed. */
export function formatEnvelopeAddress(address, options = {}) {
    const local = formatLocalPart(address.localPart);
    const domain = options.unicode ? (address.domainAsWritten ?? address.domain) : address.domain;
    return domain === null ? local : `${local}@${domain}`;
}
/**
 * Qualified means the domain part is complete enough to route: an address literal,
 * or a domain with at least one dot. Unqualified addresses have no domain or a
 * single-label one ("alice", "alice@mailhost").
 */
export function isQualified(address) {
    if (address.domain === null)
        return false;
    return address.literal || address.domain.includes(".");
}
/** Index of the last "@" outside a quoted string; with an unbalanced quote, of the plain last "@". */
function lastUnquotedAt(text) {
    let at = -1;
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
        const char = text[i];
        if (quoted && char === "\\")
            i++;
        else if (char === '"')
            quoted = !quoted;
        else if (char === "@" && !quoted)
            at = i;
    }
    // With an unbalanced quote the scan above is meaningless.
    return quoted ? text.lastIndexOf("@") : at;
}
/**
 * Tolerant splitter for when `enforce address syntax` is off: splits at the last
 * "@" outside a quoted string without validating anything, so the server can still
 * qualify malformed addresses. The parts are kept exactly as written.
 */
export function splitAddress(text) {
    const at = text.includes('"') ? lastUnquotedAt(text) : text.lastIndexOf("@");
    if (at < 0)
        return { localPart: text, domain: null, literal: false };
    const domain = text.slice(at + 1);
    return {
        localPart: text.slice(0, at),
        domain,
        literal: domain.startsWith("[") && domain.endsWith("]"),
    };
}
/** Joins parts produced by splitAddress back into text. */
export function joinAddress(parts) {
    return parts.domain === null ? parts.localPart : `${parts.localPart}@${parts.domain}`;
}
//# sourceMappingURL=envelopeAddress.js.map