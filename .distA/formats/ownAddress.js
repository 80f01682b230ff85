// The authenticated login's own address (CONTRACT section 3) and the address
// equality used to check it against MAIL FROM, From: and `senders` entries.
import { formatLocalPart, hasNonAscii, splitAddress, toAsciiDomain } from "./envelopeAddress.js";
/**
 * A login's own address: the login itself when it contains "@", otherwise the
 * login qualified with the first `qualify domains` domain (lowercased). Without a
 * qualify domain an "@"-less login stays unqualified. A login that is not a
 * valid Dot-string is quoted so that the result is a well-formed address.
 */
export function ownAddressOfLogin(login, qualifyDomain) {
    if (login.includes("@") || qualifyDomain === undefined)
        return login;
    return `${formatLocalPart(login)}@${qualifyDomain.toLowerCase()}`;
}
/** The value of a local part as written: a whole quoted-string loses its quotes and escapes. */
function localPartValue(written) {
    if (!/^"(?:[^"\\]|\\[\s\S])*"$/.test(written))
        return written;
    return written.slice(1, -1).replace(/\\([\s\S])/g, "$1");
}
/**
 * A domain in the form used for comparisons: NFC, A-labels for IDNs, lower case
 * (domains are case-insensitive, RFC 5321 section 2.4). Literals are only lowercased.
 */
export function comparableDomain(domain) {
    // ASCII is its own NFC and A-label form: only the case changes.
    if (!hasNonAscii(domain))
        return domain.toLowerCase();
    const normalized = domain.normalize("NFC");
    return (toAsciiDomain(normalized) ?? normalized).toLowerCase();
}
/** Local part and domain of either a parsed address or address text. */
function comparableParts(address) {
    if (typeof address !== "string") {
        return { local: address.localPart.normalize("NFC"), domain: address.domain && comparableDomain(address.domain) };
    }
    const parts = splitAddress(address);
    return {
        local: localPartValue(parts.localPart).normalize("NFC"),
        domain: parts.domain === null ? null : comparableDomain(parts.domain),
    };
}
/**
 * Whether two addresses name the same mailbox: local parts compared exactly
 * (RFC 5321 section 2.4: only the destination host may interpret their case),
 * domains case-insensitively after IDN conversion to A-labels; both after
 * Unicode NFC. `"alice"@d` and `alice@d` are the same address.
 */
export function sameAddress(a, b) {
    const left = comparableParts(a);
    const right = comparableParts(b);
    return left.local === right.local && left.domain === right.domain;
}
//# sourceMappingURL=ownAddress.js.map