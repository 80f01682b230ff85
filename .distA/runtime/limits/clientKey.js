// How a client address and a login become counter keys. IPv6 clients are counted per /64: one
// subscriber usually holds a whole /64, so counting single addresses would let a client rotate past
// every per-IP limit. Logins and domains are compared without case, so `Bob` cannot dodge `bob`'s count.
import { isIPv4, isIPv6 } from "node:net";
/** The key of a client address: IPv4 as it is, IPv4-mapped IPv6 as IPv4, other IPv6 as its /64. */
export function ipSubject(ip) {
    const address = ip.replace(/%.*$/, ""); // a zone id (fe80::1%eth0) says nothing about the client
    if (isIPv4(address))
        return address;
    if (!isIPv6(address))
        return address.toLowerCase(); // unknown form: still a stable key
    const groups = expandIPv6(address.toLowerCase());
    if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
        return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
    }
    return `${groups
        .slice(0, 4)
        .map((g) => g.toString(16))
        .join(":")}::/64`;
}
/** Eight 16-bit groups of a valid IPv6 address (which may end in dotted IPv4). */
function expandIPv6(address) {
    const parse = (part) => {
        if (part === "")
            return [];
        return part.split(":").flatMap((group) => {
            if (group.includes(".")) {
                const [a, b, c, d] = group.split(".").map(Number);
                return [(a << 8) | b, (c << 8) | d];
            }
            return [parseInt(group, 16)];
        });
    };
    const [head, tail] = address.split("::");
    if (tail === undefined)
        return parse(head);
    const left = parse(head);
    const right = parse(tail);
    return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}
/** The key of a login or a sender domain. */
export function nameSubject(name) {
    return name.normalize("NFC").toLowerCase();
}
//# sourceMappingURL=clientKey.js.map