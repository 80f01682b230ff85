// Recognizes the postmaster recipient that `allow postmaster` admits without
// authentication (RFC 5321 section 4.5.1: "postmaster" is case-insensitive).
import { splitAddress } from "../../formats/envelopeAddress.js";
import { comparableDomain } from "../../formats/ownAddress.js";
/**
 * True for "postmaster" without a domain, or "postmaster@D" where D is one of
 * `domains` (the hostname and the `qualify domains`), in any letter case; IDN
 * domains match in U-label or A-label form. Accepts a parsed address or text.
 */
export function isPostmaster(address, domains) {
    const parts = typeof address === "string" ? splitAddress(address) : address;
    // A parsed address has its local part unquoted already; text may say "Postmaster" in quotes.
    const local = typeof address === "string" ? parts.localPart.replace(/^"(.*)"$/s, "$1") : parts.localPart;
    if (local.toLowerCase() !== "postmaster")
        return false;
    if (parts.domain === null)
        return true;
    const wanted = comparableDomain(parts.domain);
    for (const domain of domains) {
        if (comparableDomain(domain) === wanted)
            return true;
    }
    return false;
}
//# sourceMappingURL=postmaster.js.map