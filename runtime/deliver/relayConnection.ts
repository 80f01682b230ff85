// Connection handling of the relay client: a nodemailer SMTPConnection opened for one attempt
// (TLS, timeouts, our EHLO name), the pool's key for sessions that may be shared, and closing
// a session politely (QUIT) or at once (mid-DATA).

import { hostname } from "node:os";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import type { RelayEndpoint } from "./relayEndpoint.js";
import { isUsable } from "./relayPool.js";
import type { RelayTarget } from "./relayTarget.js";
import { stuffWithIndexOf, type SmtpConnectionInternals } from "./smtpConnectionInternals.js";

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_SOCKET_TIMEOUT_MS = 120_000;
/** after the 250 we send QUIT (RFC 5321 section 4.1.1.10) but wait this long at most for 221 */
const QUIT_GRACE_MS = 5_000;

/** What a connection needs of RelayOptions (relayClient.ts). */
export interface ConnectionOptions {
  /** name sent with EHLO; default os.hostname() */
  clientName?: string;
  /** inactivity allowed while waiting for any reply; default 2 min (RFC 5321 section 4.5.3.2 allows more, our client is waiting) */
  socketTimeoutMs?: number;
}

/** One message's attempt at a next hop: the target as prepared, and when the attempt must end. */
export interface Attempt {
  target: RelayTarget;
  endpoint: RelayEndpoint;
  ca: string | undefined;
  where: string;
  options: ConnectionOptions;
  deadlineAt: number;
}

/** The pool's name for a next hop: sessions are shared only between identical targets. */
export function poolKey(attempt: Attempt): string {
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

export function openConnection(attempt: Attempt): SMTPConnection {
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
  stuffWithIndexOf(connection as unknown as SmtpConnectionInternals);
  return connection;
}

export function closeConnection(connection: SMTPConnection, quitPolitely: boolean): void {
  if (!isUsable(connection)) return;
  if (quitPolitely) {
    const fallback = setTimeout(() => connection.close(), QUIT_GRACE_MS);
    fallback.unref();
    connection.once("end", () => clearTimeout(fallback));
    connection.quit();
  } else {
    // mid-DATA, a polite end could let buffered bytes look like more message: cut it off
    connection.options.socketCloseTimeout = 0;
    connection.close();
  }
}
