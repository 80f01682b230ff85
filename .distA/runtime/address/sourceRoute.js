// Recognizes recipient local parts that many MTAs read as a route to another host: the percent
// hack (`user%elsewhere@here`, Postfix allow_percent_hack), UUCP bang paths (`elsewhere!user@here`,
// swap_bangpath) and a quoted address (`"user@elsewhere"@here`, resolve_dequoted_address). Such a
// recipient passes our checks as local while the next hop delivers it elsewhere.
import { splitAddress } from "../../formats/envelopeAddress.js";
const ROUTING_CHARACTERS = ["%", "!", "@"];
/** The routing character in `address`'s local part (quotes removed), or null when there is none. */
export function sourceRouteIn(address) {
    const { localPart } = splitAddress(address);
    const unquoted = localPart.startsWith('"') && localPart.endsWith('"') ? localPart.slice(1, -1).replace(/\\(.)/g, "$1") : localPart;
    return ROUTING_CHARACTERS.find((c) => unquoted.includes(c)) ?? null;
}
//# sourceMappingURL=sourceRoute.js.map