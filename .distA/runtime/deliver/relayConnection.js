// Connection handling of the relay client: a nodemailer SMTPConnection opened for one attempt
// (TLS, timeouts, our EHLO name), the pool's key for sessions that may be shared, and closing
// a session politely (QUIT) or at once (mid-DATA).
import { hostname } from "node:os";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { isUsable } from "./relayPool.js";
import { stuffWithIndexOf } from "./smtpConnectionInternals.js";
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_SOCKET_TIMEOUT_MS = 120_000;
/** after the 250 we send QUIT (RFC 5321 section 4.1.1.10) but wait this long at most for 221 */
const QUIT_GRACE_MS = 5_000;
/** The pool's name for a next hop: sessions are shared only between identical targets. */
export function poolKey(attempt) {
    const { target, options } = attempt;
    return JSON.stringify([
        target.url,
        target.requireTls === true,
        target.verifyCertificate ?? null,
        attempt.ca ?? null,
        target.auth?.user ?? null,
        target.auth?.pass ?? null,
        options.clientName ?? null,
    ]);
}
export function openConnection(attempt) {
    const { target, endpoint, options } = attempt;
    const verify = target.verifyCertificate ?? (endpoint.secure || target.requireTls === true);
    const connection = new SMTPConnection({
        host: endpoint.host,
        port: endpoint.port,
        secure: endpoint.secure,
        requireTLS: target.requireTls === true && !endpoint.secure,
        // RFC 3207 section 4.1 allows going on in plaintext after a refused STARTTLS unless TLS is required
        opportunisticTLS: target.requireTls !== true,
        tls: { rejectUnauthorized: verify, ca: attempt.ca, minVersion: "TLSv1.2" },
        name: options.clientName ?? hostname(),
        connectionTimeout: target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        greetingTimeout: target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        socketTimeout: options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
        allowInternalNetworkInterfaces: true,
        logger: false,
    });
    // an idle pooled session can fail with nobody listening; each use listens for itself
    connection.on("error", () => undefined);
    stuffWithIndexOf(connection);
    return connection;
}
export function closeConnection(connection, quitPolitely) {
    if (!isUsable(connection))
        return;
    if (quitPolitely) {
        const fallback = setTimeout(() => connection.close(), QUIT_GRACE_MS);
        fallback.unref();
        connection.once("end", () => clearTimeout(fallback));
        connection.quit();
    }
    else {
        // mid-DATA, a polite end could let buffered bytes look like more message: cut it off
        connection.options.socketCloseTimeout = 0;
        connection.close();
    }
}
//# sourceMappingURL=relayConnection.js.map