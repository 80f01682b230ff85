// A client of Dovecot's authentication protocol (v1, the one Postfix's and Exim's Dovecot SASL
// clients speak on the `auth-client` socket): one connection, opened on demand and reopened after
// it drops, carries every request under its own id. It never throws: an answer that cannot be had
// (no connection, no handshake, no reply in time, a line it cannot read) is `unavailable`.
import { createConnection } from "node:net";
/** The protocol's major version; a server with another one is not spoken to. */
const PROTOCOL_MAJOR = 1;
const PROTOCOL_MINOR = 2;
// Dovecot expects lines to fit 16 KiB; a server that sends a longer one is not speaking the protocol.
const MAX_LINE_BYTES = 64 * 1024;
const MAX_REQUEST_ID = 0xffff_ffff;
export function describeEndpoint(endpoint) {
    return endpoint.kind === "unix" ? endpoint.path : `inet:${endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
}
export class DovecotAuthClient {
    endpoint;
    options;
    connection = null;
    nextId = 1;
    closed = false;
    constructor(endpoint, options) {
        this.endpoint = endpoint;
        this.options = options;
    }
    /** Asks Dovecot whether `login` and `password` are good; never rejects. */
    authenticate(request) {
        if (this.closed)
            return Promise.resolve({ kind: "unavailable", reason: "the Dovecot client is closed" });
        return new Promise((resolve) => {
            let done = false;
            let id = 0;
            let connection = null;
            const settle = (answer) => {
                if (done)
                    return;
                done = true;
                clearTimeout(timer);
                connection?.pending.delete(id);
                resolve(answer);
            };
            const timer = setTimeout(() => {
                // A connection that lets a request time out, in its handshake or after, is of no use: the next request opens a fresh one.
                const reason = id === 0 ? `no handshake from Dovecot within ${this.options.timeoutMs} ms` : `no answer from Dovecot within ${this.options.timeoutMs} ms`;
                settle({ kind: "unavailable", reason });
                if (connection)
                    this.drop(connection, reason);
            }, this.options.timeoutMs);
            connection = this.connect();
            connection.handshake.then((mechanisms) => {
                if (done)
                    return;
                const mechanism = mechanisms.has("PLAIN") ? "PLAIN" : mechanisms.has("LOGIN") ? "LOGIN" : null;
                if (!mechanism) {
                    settle({ kind: "unavailable", reason: `Dovecot offers neither PLAIN nor LOGIN (it offers ${[...mechanisms].join(", ") || "nothing"})` });
                    return;
                }
                id = this.takeId(connection);
                connection.pending.set(id, { request, continuations: 0, settle });
                connection.socket.write(authLine(id, mechanism, request, this.options.service ?? "smtp"));
            }, (reason) => settle({ kind: "unavailable", reason: reason.message }));
        });
    }
    /** Closes the connection; requests in flight are answered `unavailable`. */
    async close() {
        this.closed = true;
        if (this.connection)
            this.drop(this.connection, "the Dovecot client is closing");
    }
    takeId(connection) {
        do {
            this.nextId = this.nextId >= MAX_REQUEST_ID ? 1 : this.nextId + 1;
        } while (connection.pending.has(this.nextId));
        return this.nextId;
    }
    connect() {
        if (this.connection)
            return this.connection;
        const socket = this.endpoint.kind === "unix" ? createConnection({ path: this.endpoint.path }) : createConnection({ host: this.endpoint.host, port: this.endpoint.port });
        let handshakeDone = () => { };
        let handshakeFailed = () => { };
        const handshake = new Promise((resolve, reject) => {
            handshakeDone = resolve;
            handshakeFailed = reject;
        });
        // Nobody may be waiting for it when it fails (a connection dropped between requests).
        handshake.catch(() => { });
        const connection = { socket, handshake, pending: new Map(), abortHandshake: (reason) => handshakeFailed(new Error(reason)) };
        this.connection = connection;
        const mechanisms = new Set();
        let versionSeen = false;
        let handshaking = true;
        let buffered = "";
        const fail = (reason) => this.drop(connection, reason);
        const onLine = (line) => {
            const [command = "", ...args] = line.split("\t");
            if (handshaking) {
                if (command === "VERSION") {
                    if (Number(args[0]) !== PROTOCOL_MAJOR)
                        return fail(`Dovecot speaks auth protocol ${args.join(".")}, msa speaks ${PROTOCOL_MAJOR}.x`);
                    versionSeen = true;
                }
                else if (command === "MECH" && args[0])
                    mechanisms.add(args[0].toUpperCase());
                else if (command === "DONE") {
                    if (!versionSeen)
                        return fail("Dovecot ended its handshake without VERSION");
                    handshaking = false;
                    handshakeDone(mechanisms);
                }
                return;
            }
            this.onReply(connection, command, args);
        };
        socket.setEncoding("utf8");
        socket.on("connect", () => socket.write(`VERSION\t${PROTOCOL_MAJOR}\t${PROTOCOL_MINOR}\nCPID\t${process.pid}\n`));
        socket.on("data", (chunk) => {
            buffered += chunk;
            let end;
            while (this.connection === connection && (end = buffered.indexOf("\n")) >= 0) {
                const line = buffered.slice(0, end);
                buffered = buffered.slice(end + 1);
                onLine(line);
            }
            if (Buffer.byteLength(buffered) > MAX_LINE_BYTES)
                fail(`Dovecot sent a line longer than ${MAX_LINE_BYTES} bytes`);
        });
        socket.on("error", (error) => fail(`cannot reach Dovecot at ${describeEndpoint(this.endpoint)}: ${error.code ?? error.message}`));
        socket.on("close", () => fail(handshaking ? "Dovecot closed the connection during the handshake" : "Dovecot closed the connection"));
        return connection;
    }
    /** OK, FAIL or CONT for one request; anything else for an id it did not send is a protocol error. */
    onReply(connection, command, args) {
        const id = Number(args[0]);
        if (!Number.isInteger(id) || id <= 0) {
            this.drop(connection, `Dovecot sent an unreadable line (${command})`);
            return;
        }
        // A request that timed out may still be answered: its id is forgotten by then.
        const pending = connection.pending.get(id);
        if (!pending)
            return;
        const fields = parseFields(args.slice(1));
        if (command === "OK")
            pending.settle({ kind: "ok", user: fields.get("user") ?? pending.request.login });
        else if (command === "FAIL") {
            const reason = fields.get("reason");
            // `temp`: Dovecot could not check (its database is down); the client should try again later.
            if (fields.has("temp") || fields.get("code") === "temp_fail")
                pending.settle({ kind: "unavailable", reason: `Dovecot failed temporarily${reason ? `: ${reason}` : ""}` });
            else
                pending.settle({ kind: "fail", ...(reason ? { reason } : {}) });
        }
        else if (command === "CONT") {
            // Only LOGIN (used when PLAIN is not offered) continues: user name, then password.
            const answer = [pending.request.login, pending.request.password][pending.continuations++];
            if (answer === undefined)
                pending.settle({ kind: "unavailable", reason: "Dovecot asked for more than a user name and a password" });
            else
                connection.socket.write(`CONT\t${id}\t${Buffer.from(answer).toString("base64")}\n`);
        }
        else
            this.drop(connection, `Dovecot sent an unknown reply ${command}`);
    }
    /** Closes `connection` and answers what it carried; the next request opens a new one. */
    drop(connection, reason) {
        if (this.connection === connection)
            this.connection = null;
        connection.socket.destroy();
        connection.abortHandshake(reason);
        for (const pending of [...connection.pending.values()])
            pending.settle({ kind: "unavailable", reason });
        connection.pending.clear();
    }
}
function authLine(id, mechanism, request, service) {
    const fields = [`service=${tabEscape(service)}`, "nologin"];
    if (request.localAddress)
        fields.push(`lip=${tabEscape(request.localAddress)}`);
    if (request.remoteAddress)
        fields.push(`rip=${tabEscape(request.remoteAddress)}`);
    if (request.secured)
        fields.push("secured");
    // RFC 4616: authzid NUL authcid NUL passwd, with no authzid (the login acts as itself).
    if (mechanism === "PLAIN")
        fields.push(`resp=${Buffer.from(`\0${request.login}\0${request.password}`).toString("base64")}`);
    return `AUTH\t${id}\t${mechanism}\t${fields.join("\t")}\n`;
}
/** `name=value` and bare flags of a reply, the values tab-unescaped. */
function parseFields(args) {
    const fields = new Map();
    for (const arg of args) {
        const equals = arg.indexOf("=");
        if (equals < 0)
            fields.set(arg, "");
        else
            fields.set(arg.slice(0, equals), tabUnescape(arg.slice(equals + 1)));
    }
    return fields;
}
// Dovecot's tab escaping: \x01 followed by 1 (itself), t (TAB), r (CR), n (LF) or 0 (NUL).
const ESCAPES = { "\x01": "1", "\t": "t", "\r": "r", "\n": "n", "\0": "0" };
const UNESCAPES = { "1": "\x01", t: "\t", r: "\r", n: "\n", "0": "\0" };
export function tabEscape(value) {
    return value.replace(/[\x01\t\r\n\0]/g, (c) => `\x01${ESCAPES[c]}`);
}
export function tabUnescape(value) {
    return value.replace(/\x01(.?)/gs, (_, c) => UNESCAPES[c] ?? c);
}
//# sourceMappingURL=dovecotAuthClient.js.map