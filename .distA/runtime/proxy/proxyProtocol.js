// HAProxy PROXY protocol, versions 1 (text) and 2 (binary), read from the start of an accepted
// socket before SMTP begins, so that logs, limits and Received fields see the real client.
// smtp-server's own `useProxy` reads version 1 only; this reads both. It reads at most
// `maxHeaderBytes`, gives up after `timeoutMs`, and refuses anything that is not a valid header:
// the socket is then destroyed and never reaches SMTP. Spec: haproxy.org/download/2.9/doc/proxy-protocol.txt
import net from "node:net";
export class ProxyProtocolError extends Error {
    name = "ProxyProtocolError";
}
/** The 12-byte v2 signature: `\r\n\r\n\0\r\nQUIT\n`. */
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const PROXY_V1_PREFIX = Buffer.from("PROXY ", "latin1");
// spec section 2.1: a v1 line is at most 107 bytes including CRLF
const V1_MAX_LENGTH = 107;
function parsePort(text) {
    if (!/^(0|[1-9][0-9]{0,4})$/.test(text) || Number(text) > 65535)
        throw new ProxyProtocolError(`invalid PROXY port \`${text}\``);
    return Number(text);
}
function parseV1(line) {
    // spec section 2.1: "PROXY" SP family SP src SP dst SP srcport SP dstport CRLF, single spaces
    const parts = line.split(" ");
    if (parts[1] === "UNKNOWN")
        return { version: 1, command: "local", family: "unknown", source: null, destination: null };
    if (parts.length !== 6)
        throw new ProxyProtocolError("malformed PROXY v1 line");
    const [, family, source, destination, sourcePort, destinationPort] = parts;
    const check = family === "TCP4" ? net.isIPv4 : family === "TCP6" ? net.isIPv6 : null;
    if (check === null)
        throw new ProxyProtocolError(`unknown PROXY v1 family \`${family}\``);
    if (!check(source) || !check(destination))
        throw new ProxyProtocolError(`invalid ${family} address in PROXY v1 line`);
    return {
        version: 1,
        command: "proxy",
        family: family === "TCP4" ? "tcp4" : "tcp6",
        source: { address: source.toLowerCase(), port: parsePort(sourcePort) },
        destination: { address: destination.toLowerCase(), port: parsePort(destinationPort) },
    };
}
function ipv6(bytes) {
    const groups = [];
    for (let i = 0; i < 16; i += 2)
        groups.push(bytes.readUInt16BE(i).toString(16));
    // net.SocketAddress normalises (compresses zeros) the way Node prints socket addresses
    return new net.SocketAddress({ address: groups.join(":"), family: "ipv6" }).address;
}
function parseV2(buffer, length) {
    const versionCommand = buffer[12];
    if (versionCommand >> 4 !== 2)
        throw new ProxyProtocolError(`unsupported PROXY v2 version ${versionCommand >> 4}`);
    const command = versionCommand & 0x0f;
    if (command > 1)
        throw new ProxyProtocolError(`unknown PROXY v2 command ${command}`);
    const familyByte = buffer[13];
    const body = buffer.subarray(16, length);
    // LOCAL: the proxy speaks for itself; the address block, if any, is ignored (spec section 2.2)
    if (command === 0)
        return { version: 2, command: "local", family: "unknown", source: null, destination: null };
    if (familyByte === 0x11) {
        // TCP over IPv4: 4 + 4 address bytes, 2 + 2 port bytes; TLVs may follow
        if (body.length < 12)
            throw new ProxyProtocolError("PROXY v2 IPv4 address block too short");
        return {
            version: 2,
            command: "proxy",
            family: "tcp4",
            source: { address: [...body.subarray(0, 4)].join("."), port: body.readUInt16BE(8) },
            destination: { address: [...body.subarray(4, 8)].join("."), port: body.readUInt16BE(10) },
        };
    }
    if (familyByte === 0x21) {
        // TCP over IPv6: 16 + 16 address bytes, 2 + 2 port bytes
        if (body.length < 36)
            throw new ProxyProtocolError("PROXY v2 IPv6 address block too short");
        return {
            version: 2,
            command: "proxy",
            family: "tcp6",
            source: { address: ipv6(body.subarray(0, 16)), port: body.readUInt16BE(32) },
            destination: { address: ipv6(body.subarray(16, 32)), port: body.readUInt16BE(34) },
        };
    }
    if ([0x00, 0x12, 0x22, 0x31, 0x32].includes(familyByte)) {
        // unspecified, UDP or UNIX: valid, but no TCP client address to take over
        return { version: 2, command: "proxy", family: "unknown", source: null, destination: null };
    }
    throw new ProxyProtocolError(`unknown PROXY v2 address family 0x${familyByte.toString(16).padStart(2, "0")}`);
}
/**
 * Parses a header from the start of `buffer`. Returns null while more bytes are needed, the
 * header once complete, and throws `ProxyProtocolError` as soon as the bytes cannot be one.
 */
export function parseProxyHeader(buffer, maxHeaderBytes = 1024) {
    const v2Prefix = Math.min(buffer.length, PROXY_V2_SIGNATURE.length);
    if (v2Prefix > 0 && buffer.subarray(0, v2Prefix).equals(PROXY_V2_SIGNATURE.subarray(0, v2Prefix))) {
        if (buffer.length < 16)
            return null;
        const length = 16 + buffer.readUInt16BE(14);
        if (length > maxHeaderBytes)
            throw new ProxyProtocolError(`PROXY v2 header of ${length} bytes is over the limit of ${maxHeaderBytes}`);
        if (buffer.length < length)
            return null;
        return { ...parseV2(buffer, length), length };
    }
    const v1Prefix = Math.min(buffer.length, PROXY_V1_PREFIX.length);
    if (!buffer.subarray(0, v1Prefix).equals(PROXY_V1_PREFIX.subarray(0, v1Prefix))) {
        throw new ProxyProtocolError("the connection did not start with a PROXY header");
    }
    const newline = buffer.indexOf(0x0a);
    if (newline === -1) {
        if (buffer.length >= V1_MAX_LENGTH)
            throw new ProxyProtocolError("PROXY v1 line too long");
        return null;
    }
    if (newline + 1 > V1_MAX_LENGTH || buffer[newline - 1] !== 0x0d)
        throw new ProxyProtocolError("PROXY v1 line too long or not ended by CRLF");
    const line = buffer.subarray(0, newline - 1);
    if (!/^[\x20-\x7e]*$/.test(line.toString("latin1")))
        throw new ProxyProtocolError("PROXY v1 line has non-printable characters");
    return { ...parseV1(line.toString("latin1")), length: newline + 1 };
}
/**
 * Reads a PROXY header from `socket` (which must not be flowing or piped yet), leaving every byte
 * after it unread for whoever reads the socket next. Rejects with `ProxyProtocolError` on a bad
 * header, a timeout, or a socket that closes first; the socket is then destroyed.
 */
export function readProxyHeader(socket, options = {}) {
    const timeoutMs = options.timeoutMs ?? 5000;
    const maxHeaderBytes = options.maxHeaderBytes ?? 1024;
    return new Promise((resolve, reject) => {
        let received = Buffer.alloc(0);
        const timer = setTimeout(() => fail(new ProxyProtocolError(`no complete PROXY header within ${timeoutMs} ms`)), timeoutMs);
        const cleanup = () => {
            clearTimeout(timer);
            socket.off("readable", onReadable);
            socket.off("error", onError);
            socket.off("end", onEnd);
            socket.off("close", onEnd);
        };
        const fail = (error) => {
            cleanup();
            // late errors (EPIPE, ECONNRESET) of a socket being torn down must not go unhandled
            socket.on("error", () => { });
            socket.destroy();
            reject(error instanceof ProxyProtocolError ? error : new ProxyProtocolError(`connection failed before its PROXY header: ${error.message}`, { cause: error }));
        };
        const onError = (error) => fail(error);
        const onEnd = () => fail(new ProxyProtocolError("connection closed before a complete PROXY header"));
        const onReadable = () => {
            let chunk;
            while ((chunk = socket.read()) !== null) {
                received = Buffer.concat([received, chunk]);
                let header;
                try {
                    header = parseProxyHeader(received, maxHeaderBytes);
                }
                catch (error) {
                    return fail(error);
                }
                if (header === null) {
                    if (received.length > maxHeaderBytes)
                        return fail(new ProxyProtocolError(`PROXY header longer than ${maxHeaderBytes} bytes`));
                    continue;
                }
                cleanup();
                const rest = received.subarray(header.length);
                // the client's first bytes (pipelined after the header) go back for SMTP to read
                if (rest.length > 0)
                    socket.unshift(rest);
                return resolve(header);
            }
        };
        socket.on("readable", onReadable);
        socket.on("error", onError);
        socket.on("end", onEnd);
        socket.on("close", onEnd);
    });
}
/** The `{ remoteAddress, remotePort }` smtp-server's `connect(socket, socketOptions)` takes. */
export function smtpSocketOptions(header, socket) {
    if (header.command === "proxy" && header.source !== null)
        return { remoteAddress: header.source.address, remotePort: header.source.port };
    return { remoteAddress: socket.remoteAddress ?? "", remotePort: socket.remotePort ?? 0 };
}
/** A socket's peer as smtp-server names it: IPv4-mapped IPv6 as plain IPv4, lowercase. */
export function plainAddress(address) {
    const lower = (address ?? "").toLowerCase();
    return lower.startsWith("::ffff:") && net.isIPv4(lower.slice(7)) ? lower.slice(7) : lower;
}
/**
 * Makes `server` read a PROXY header from every connection before `onSocket` sees it. Handing
 * the socket to smtp-server: `onSocket = (socket, header) => smtp.connect(socket,
 * smtpSocketOptions(header, socket))` (an implicit-TLS listener must do its TLS handshake
 * first, as SMTPServer does in its own connection handler). Call before `server.listen`.
 */
export function acceptWithProxyProtocol(server, onSocket, options = {}) {
    const trusted = options.trustedProxies?.map(plainAddress);
    server.on("connection", (socket) => {
        // A peer that reset the connection before we saw it has no address left to judge: a load
        // balancer's TCP health check (connect, then close) looks like this. Nothing to refuse or log.
        if (socket.remoteAddress === undefined) {
            socket.on("error", () => { });
            socket.destroy();
            return;
        }
        const peer = { address: plainAddress(socket.remoteAddress), port: socket.remotePort ?? 0 };
        if (trusted !== undefined && !trusted.includes(peer.address)) {
            socket.on("error", () => { });
            socket.destroy();
            options.onRefused?.(new ProxyProtocolError(`\`${peer.address}\` is not a trusted proxy`), peer);
            return;
        }
        readProxyHeader(socket, options).then((header) => onSocket(socket, header), (error) => options.onRefused?.(error, peer));
    });
}
//# sourceMappingURL=proxyProtocol.js.map