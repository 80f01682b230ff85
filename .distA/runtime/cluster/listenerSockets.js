// The listening sockets of a policy's `listen` lines, kept apart from the SubmissionServer that
// serves them, so a reload can hand new connections to a server built on the new graph while the
// old one finishes its sessions, and so cluster workers share them (node:cluster). A `proxy`
// listener reads the PROXY header (v1 or v2) before anything else sees the socket.
import net from "node:net";
import { acceptWithProxyProtocol, smtpSocketOptions } from "../proxy/proxyProtocol.js";
export class ListenerSockets {
    listeners;
    onSocket;
    options;
    servers = [];
    bound = [];
    constructor(listeners, onSocket, options) {
        this.listeners = listeners;
        this.onSocket = onSocket;
        this.options = options;
    }
    /** The ports actually bound, in listener order. */
    get ports() {
        return [...this.bound];
    }
    async bind() {
        for (const [index, listener] of this.listeners.entries()) {
            // pauseOnConnect: nothing is read before the PROXY header reader or smtp-server attaches
            const server = net.createServer({ pauseOnConnect: !!listener.proxy });
            if (listener.proxy) {
                acceptWithProxyProtocol(server, (socket, header) => this.onSocket(index, socket, smtpSocketOptions(header, socket)), {
                    ...(listener.proxies ? { trustedProxies: listener.proxies } : {}),
                    onRefused: (error, peer) => this.options.log.warn({ event: "proxy-refused", client: peer.address, port: listener.port, err: error.message }, "PROXY header refused"),
                });
            }
            else {
                server.on("connection", (socket) => this.onSocket(index, socket, null));
            }
            server.on("error", (error) => this.options.log.error({ event: "listener-error", err: error.message }, "listener error"));
            const port = this.options.portOverride?.[index] ?? listener.port;
            await new Promise((resolve, reject) => {
                server.once("error", reject);
                server.listen(port, listener.host ?? undefined, () => {
                    server.off("error", reject);
                    resolve();
                });
            });
            this.servers.push(server);
            this.bound.push(server.address().port);
        }
    }
    /**
     * Stops accepting; connections already handed over are not touched (their server drains them).
     * Does not wait for them: net.Server's close callback would wait for every accepted socket.
     */
    close() {
        for (const server of this.servers)
            server.close();
    }
}
/** Whether two graphs listen the same way (a reload cannot move listeners; that needs a restart). */
export function sameListeners(a, b) {
    const key = (l) => `${l.host ?? "*"}:${l.port}:${l.mode}:${l.proxy ? "proxy" : ""}:${l.proxies?.join(",") ?? ""}`;
    return a.length === b.length && a.every((l, i) => key(l) === key(b[i]));
}
//# sourceMappingURL=listenerSockets.js.map