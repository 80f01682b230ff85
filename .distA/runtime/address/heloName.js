// `require helo`: is the name a client greeted with its own (RFC 5321 section 4.1.4)? A client that
// claims to be this server, or gives an address literal that is not the address it connects
// from, is not; such greetings come from spam software, seldom from a mail program.
import net from "node:net";
import { plainAddress } from "../proxy/proxyProtocol.js";
/** IPv4-mapped IPv6 as IPv4 (as the server names clients), IPv6 in one spelling (`::1`, not `0:0:0:0:0:0:0:1`). */
function canonicalAddress(address) {
    const plain = plainAddress(address);
    return net.isIPv6(plain) ? new URL(`http://[${plain}]/`).hostname.slice(1, -1) : plain;
}
/** Why `helo` is not the client's own name, or null when it may be. `ours`: lowercase names. */
export function heloNameProblem(helo, clientAddress, ours) {
    if (helo === null)
        return null;
    const name = helo.toLowerCase().replace(/\.$/, "");
    if (ours.includes(name))
        return `HELO ${helo} is this server's name`;
    const literal = /^\[(?:ipv6:)?(.*)\]$/.exec(name)?.[1];
    if (literal !== undefined && canonicalAddress(literal) !== canonicalAddress(clientAddress)) {
        return `HELO ${helo} is not the client's address ${clientAddress}`;
    }
    return null;
}
//# sourceMappingURL=heloName.js.map