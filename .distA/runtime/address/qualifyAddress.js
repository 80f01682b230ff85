// Completes unqualified envelope addresses under `qualify domains D` (CONTRACT section 5):
// no domain gets "@D", a single-label domain gets ".D", anything else is left alone.
import { joinAddress, splitAddress, toAsciiDomain } from "../../formats/envelopeAddress.js";
/** The qualify domain in both forms; an unconvertible IDN is used as written. */
function qualifyDomainForms(domain) {
    return { ascii: toAsciiDomain(domain) ?? domain, asWritten: domain };
}
/** Qualifies a parsed envelope address with `domain`; literals and dotted domains are returned as they are. */
export function qualifyAddress(address, domain) {
    const qualifier = qualifyDomainForms(domain);
    if (address.domain === null) {
        return { ...address, domain: qualifier.ascii, domainAsWritten: qualifier.asWritten, literal: false };
    }
    if (address.literal || address.domain.includes("."))
        return address;
    const asWritten = address.domainAsWritten ?? address.domain;
    return {
        ...address,
        domain: `${address.domain}.${qualifier.ascii}`,
        domainAsWritten: `${asWritten}.${qualifier.asWritten}`,
    };
}
/**
 * Text-level qualification for addresses that were not (or could not be) parsed:
 * splits with splitAddress and keeps everything else as written. The null path
 * (empty text) stays empty, and an empty domain ("alice@") is completed to "@D".
 */
export function qualifyAddressText(text, domain) {
    if (text === "")
        return text;
    const parts = splitAddress(text);
    if (parts.domain === null)
        return `${text}@${domain}`;
    if (parts.domain === "")
        return `${text}${domain}`;
    if (parts.literal || parts.domain.includes("."))
        return text;
    return joinAddress({ ...parts, domain: `${parts.domain}.${domain}` });
}
//# sourceMappingURL=qualifyAddress.js.map