import { addressKey, domainKey } from "../../formats/addressKey.js";
import { relayTargetFromGraph } from "./relayTarget.js";
/** The key a `deliver from` sender is looked up by: `local@domain` as addressKey writes it, or `@domain`. */
function senderKey(sender) {
    if (!sender.startsWith("@"))
        return addressKey(sender).key;
    return `@${domainKey(sender.slice(1)) ?? sender.slice(1).toLowerCase()}`;
}
/**
 * The relay targets of a relaying deliver node. Throws RelayConfigurationError, as the main hop
 * does, when a hop's credentials file is missing or malformed.
 */
export function nextHopsFromGraph(node, extra = {}) {
    return {
        main: relayTargetFromGraph(node.url, node.relay, extra),
        bySender: new Map((node.bySender ?? []).map((hop) => [senderKey(hop.sender), relayTargetFromGraph(hop.url, hop.relay, extra)])),
    };
}
/**
 * The hop for a sender; "" (the null sender) has none of its own. A delivery status notification
 * has the null sender and goes to the sender of the message it reports on: `dsnFor` set, it
 * takes the hop its recipient (that sender) would have picked, the hop the message itself took.
 */
export function nextHopFor(hops, envelope, dsnFor = false) {
    if (hops.bySender.size === 0)
        return hops.main;
    const sender = envelope.mailFrom === "" && dsnFor ? (envelope.recipients[0]?.address ?? "") : envelope.mailFrom;
    if (sender === "")
        return hops.main;
    const key = addressKey(sender);
    return hops.bySender.get(key.key) ?? (key.domain === null ? undefined : hops.bySender.get(`@${key.domain}`)) ?? hops.main;
}
//# sourceMappingURL=senderNextHop.js.map