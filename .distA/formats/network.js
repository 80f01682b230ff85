// IP networks as a policy writes them (`192.0.2.0/24`, `2001:db8::/32`, a single address): parsed,
// matched against a client address, and judged private or public, for `allow unauthenticated from`.
import { BlockList, isIP } from "node:net";
/** A network, or why the text is not one (one sentence fragment, the user's text in backticks). */
export function parseNetwork(text) {
    const slash = text.indexOf("/");
    const addressText = (slash < 0 ? text : text.slice(0, slash)).replace(/^\[(.*)\]$/, "$1");
    const version = isIP(addressText);
    if (version === 0)
        return { problem: `\`${text}\` is not an IP address or network`, hint: "write `192.0.2.0/24`, `2001:db8::/32` or a single address" };
    const family = version === 4 ? "ipv4" : "ipv6";
    const bits = version === 4 ? 32 : 128;
    const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
    const prefix = /^(0|[1-9]\d{0,2})$/.test(prefixText) ? Number(prefixText) : Number.NaN;
    if (!(prefix <= bits))
        return { problem: `prefix length \`/${prefixText}\` of \`${text}\` is not a number from 0 to ${bits}` };
    const address = canonical(addressText, family);
    const base = networkBase(address, prefix, family);
    if (base !== address)
        return { problem: `\`${text}\` has host bits set after its /${prefix}`, hint: `write \`${base}/${prefix}\`` };
    return { cidr: `${address}/${prefix}`, address, prefix, family };
}
/** A client address as sessions carry it: an IPv4-mapped IPv6 address (`::ffff:192.0.2.7`) is the IPv4 address. */
export function clientFamily(address) {
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
    const plain = mapped ? mapped[1] : address;
    const version = isIP(plain);
    return version === 0 ? null : { address: plain, family: version === 4 ? "ipv4" : "ipv6" };
}
/** The first of `networks` (CIDR texts, as parseNetwork writes them) that holds `client`, or undefined. */
export function networkHolding(networks, client) {
    const at = clientFamily(client);
    if (!at)
        return undefined;
    return networks.find((cidr) => {
        const network = parseNetwork(cidr);
        if ("problem" in network || network.family !== at.family)
            return false;
        const list = new BlockList();
        list.addSubnet(network.address, network.prefix, network.family);
        return list.check(at.address, at.family);
    });
}
// Ranges no stranger on the internet sends from: private (RFC 1918, RFC 4193), loopback,
// link-local (RFC 3927, RFC 4291) and documentation (RFC 5737, RFC 3849).
const NON_PUBLIC = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "fc00::/7",
    "::1/128",
    "fe80::/10",
    "2001:db8::/32",
];
/** Whether the whole network lies inside a private, loopback, link-local or documentation range. */
export function isNonPublicNetwork(network) {
    return NON_PUBLIC.some((cidr) => {
        const range = parseNetwork(cidr);
        return range.family === network.family && network.prefix >= range.prefix && networkHolding([cidr], network.address) !== undefined;
    });
}
/** An address inside the network, to play a client of it: the first host after the network's own address. */
export function addressInside(cidr) {
    const network = parseNetwork(cidr);
    const bits = network.family === "ipv4" ? 32 : 128;
    const first = toBigInt(network.address, network.family);
    return network.prefix >= bits - 1 ? network.address : fromBigInt(first + 1n, network.family);
}
function canonical(address, family) {
    if (family === "ipv4")
        return address.split(".").map(Number).join(".");
    // node's SocketAddress writes the RFC 5952 form (lowercase, longest zero run as `::`).
    const list = new BlockList();
    list.addAddress(address, "ipv6");
    return (list.rules[0] ?? "").replace(/^Address: IPv6 /, "");
}
function networkBase(address, prefix, family) {
    const bits = family === "ipv4" ? 32 : 128;
    const value = toBigInt(address, family);
    const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
    return fromBigInt(value & mask, family);
}
function toBigInt(address, family) {
    if (family === "ipv4")
        return address.split(".").reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
    let text = address;
    const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
    if (v4) {
        const n = toBigInt(v4[1], "ipv4");
        text = `${text.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head = "", tail] = text.split("::");
    const headParts = head === "" ? [] : head.split(":");
    const tailParts = tail === undefined || tail === "" ? [] : tail.split(":");
    const groups = tail === undefined ? headParts : [...headParts, ...Array(8 - headParts.length - tailParts.length).fill("0"), ...tailParts];
    return groups.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}
function fromBigInt(value, family) {
    if (family === "ipv4")
        return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
    const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
    return canonical(groups.join(":"), "ipv6");
}
//# sourceMappingURL=network.js.map