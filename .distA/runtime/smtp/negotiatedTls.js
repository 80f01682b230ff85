// Reads what a TLS handshake settled off the socket, for the session state (`add Received with tls`).
import { TLSSocket } from "node:tls";
/** The protocol and cipher of a TLS socket; undefined for a plain socket or before the handshake ends. */
export function negotiatedTlsOf(socket) {
    if (!(socket instanceof TLSSocket))
        return undefined;
    const protocol = socket.getProtocol();
    const cipher = socket.getCipher()?.name;
    return protocol && cipher ? { protocol, cipher } : undefined;
}
//# sourceMappingURL=negotiatedTls.js.map