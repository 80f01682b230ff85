// The one normal form used to look addresses and domains up in sets (senders grants, recipient
// rules), so that a check is a single Set.has instead of a scan with sameAddress.
//
// It must agree with ownAddress.ts sameAddress: local part compared exactly after removing the
// quoting that does not change its value (RFC 5321 section 2.4: only the destination host may
// interpret its case), domain lowercase in A-labels, both after Unicode NFC (RFC 6531 section 3.2).
import { parseEnvelopeAddress, splitAddress } from "./envelopeAddress.js";
import { comparableDomain } from "./ownAddress.js";
import { toALabels } from "./domainName.js";
/** The value of a local part as written: a whole quoted-string loses its quotes and escapes. */
function localPartValue(written) {
    if (!/^"(?:[^"\\]|\\[\s\S])*"$/.test(written))
        return written;
    return written.slice(1, -1).replace(/\\([\s\S])/g, "$1");
}
/**
 * The comparable form of address text. Strict parsing first (so that a source route or quoting is
 * understood as RFC 5321 section 4.1.2 says); text that does not parse is split leniently, as
 * sameAddress does, so that a malformed address still compares equal only to itself.
 */
export function addressKey(address) {
    const parsed = parseEnvelopeAddress(address, { smtputf8: true });
    let local;
    let domain;
    if (parsed.ok) {
        local = parsed.address.localPart;
        domain = parsed.address.domain;
    }
    else {
        const parts = splitAddress(address);
        local = localPartValue(parts.localPart);
        domain = parts.domain;
    }
    local = local.normalize("NFC");
    const comparable = domain === null ? null : comparableDomain(domain);
    return { local, domain: comparable, key: comparable === null ? local : `${local}@${comparable}` };
}
/**
 * A domain as configured in a policy or map file, in the form addressKey produces, or undefined
 * when it is not a valid host name. Address literals ("[192.0.2.1]") are kept, lowercased.
 */
export function domainKey(domain) {
    if (/^\[[^\]]+\]$/.test(domain))
        return domain.toLowerCase();
    return toALabels(domain.normalize("NFC"));
}
/**
 * A configured address (`local@domain`) in key form, or a reason why it is not one. Stricter than
 * addressKey: a policy names real addresses, so the local part must be a valid RFC 5321 local
 * part (RFC 6531 widened) and the domain a valid host name.
 */
export function configuredAddressKey(text) {
    const at = text.lastIndexOf("@");
    if (at <= 0)
        return { problem: `\`${text}\` is not an address; write \`local@domain\`` };
    const parsed = parseEnvelopeAddress(text, { smtputf8: true });
    if (!parsed.ok)
        return { problem: `\`${text}\` is not a valid address: ${parsed.reason}` };
    if (parsed.address.domain === null || domainKey(parsed.address.domainAsWritten ?? parsed.address.domain) === undefined) {
        return { problem: `\`${text}\` is not a valid address: \`${text.slice(at + 1)}\` is not a valid domain name` };
    }
    return { key: addressKey(text).key };
}
//# sourceMappingURL=addressKey.js.map