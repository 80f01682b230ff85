// Which signatures sign a message: a `sign dkim` domain covers its own From domain and the
// domains below it. Pure, so the decision core can choose the signatures the signer will use.
import { domainToASCII } from "node:url";
/** Lower-case A-label form without a final dot, or null when `domain` is not a domain name. */
export function normalizeDomain(domain) {
    const trimmed = domain.trim().replace(/\.$/, "");
    if (trimmed === "")
        return null;
    const ascii = domainToASCII(trimmed).toLowerCase();
    return ascii === "" ? null : ascii;
}
/**
 * Whether a signature with d=`signingDomain` covers mail From `fromDomain`: the same domain or a
 * parent of it (`example.com` covers `mail.example.com`, never `badexample.com` or `com`'s
 * other children). With d= the From domain the signature aligns strictly for DMARC (RFC 7489
 * section 3.1.1); with a parent it aligns in relaxed mode as long as the parent is at or below
 * the organizational domain, which is the admin's choice when writing the rule: msa does not
 * consult the public suffix list.
 */
export function domainCovers(signingDomain, fromDomain) {
    const d = normalizeDomain(signingDomain);
    const from = normalizeDomain(fromDomain);
    if (d === null || from === null)
        return false;
    return from === d || from.endsWith(`.${d}`);
}
//# sourceMappingURL=domainCovers.js.map