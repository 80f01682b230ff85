// The From domain a message is signed for (RFC 6376 section 1.2, RFC 7489 section 3.1): the
// domain of the first address of the first From field, as the message stands after every other
// change. Null when there is none (a message without From is not signed; the policy refuses it first).
import { listHeaderAddresses } from "../address/addressHeader.js";
import { fieldsNamed, parseHeaderSection } from "../message/headerSection.js";
export function messageFromDomain(message) {
    const parsed = parseHeaderSection(message);
    if (!parsed.ok)
        return null;
    const from = fieldsNamed(parsed.header, "From")[0];
    if (!from)
        return null;
    const address = listHeaderAddresses(from.value)[0];
    const at = address?.lastIndexOf("@") ?? -1;
    if (address === undefined || at < 0)
        return null;
    const domain = address.slice(at + 1).replace(/^\[.*\]$/, "");
    return domain === "" ? null : domain.toLowerCase();
}
//# sourceMappingURL=fromDomain.js.map