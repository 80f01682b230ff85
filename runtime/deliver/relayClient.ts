// In-line relay (`deliver relay smtp://HOST:PORT`) and the queue runner's client: hands one
// message to the next hop over SMTP (a new connection, or a session reused from a RelayPool,
// RSET between messages) and maps what happened to the reply our client gets.
//
// Decisions:
// - SMTP has no per-recipient reply after DATA (LMTP does, RFC 2033), so the whole message
//   gets one outcome: every recipient accepted -> accepted; any recipient deferred (4xx) ->
//   the transaction is abandoned before the final dot (RFC 5321 section 4.1.1.4: nothing is
//   delivered without it) and the outcome is temporary, so the client's retry sends no
//   duplicates; some refused for good (5xx) and the rest accepted -> accepted, with the
//   refused ones in `perRecipient` for the caller to log (or to report in a DSN); all refused
//   for good -> permanent with the first refusal.
// - A 5xx to MAIL, RCPT or the message is passed on as permanent; anything that is about our
//   session with the next hop (greeting, EHLO, STARTTLS, AUTH, 530 "authentication required")
//   is temporary: it is our configuration or the next hop's state, not the message.
// - Session-level 4xx/5xx keep the next hop's enhanced code with the class made 4.
// - 8-bit content for a next hop without 8BITMIME is converted to 7-bit MIME (RFC 6409 section
//   8.4, sevenBitConversion.ts), then signed again (`resign`) so that DKIM verifies where it lands;
//   only what cannot be converted is refused, 554 5.6.3.

import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { Readable } from "node:stream";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import type DataStream from "nodemailer/lib/smtp-connection/data-stream";
import { DeliveryReplies, NextHopStatus, type Reply } from "../decision/replies.js";
import { stuffChunk } from "./dotStuffing.js";
import type { DeliveryOutcome, Envelope, RecipientParameters } from "./envelope.js";
import { isUsable, type PooledSession, type RelayPool } from "./relayPool.js";
import { hasEightBitByte } from "./sevenBitConversion.js";
import { convertTo7BitOffThread } from "./sevenBitOffThread.js";

export interface RelayTarget {
  /** smtp://host[:port] (STARTTLS when offered, port 25 by default) or smtps://host[:port] (implicit TLS, RFC 8314, port 465) */
  url: string;
  /** refuse to send unless TLS is active (STARTTLS offered and completed, or smtps://) */
  requireTls?: boolean;
  /** refuse 8-bit content for a next hop without 8BITMIME instead of converting it (`require 8bitmime`) */
  require8BitMime?: boolean;
  /**
   * Verify the next hop's certificate. Default: on for smtps:// and under requireTls, off for
   * opportunistic STARTTLS (RFC 7435: encryption without authentication beats plaintext).
   */
  verifyCertificate?: boolean;
  /** trusted CA certificates: PEM text, or the path of a PEM file */
  ca?: string;
  auth?: { user: string; pass: string };
  /** connecting, the greeting and the STARTTLS handshake together; default 30 s */
  connectTimeoutMs?: number;
}

export interface RelayOptions {
  /** reuse sessions with the next hop (RSET between messages); without it, one connection per message */
  pool?: RelayPool;
  /** name sent with EHLO; default os.hostname() */
  clientName?: string;
  /** inactivity allowed while waiting for any reply; default 2 min (RFC 5321 section 4.5.3.2 allows more, our client is waiting) */
  socketTimeoutMs?: number;
  /** the whole relay attempt; default 5 min, below the 10 min a client waits for the reply to the final dot (RFC 5321 section 4.5.3.2.6) */
  totalTimeoutMs?: number;
  /**
   * Signs a message again once it was converted to 7-bit (the DKIM signer's `resign`): a
   * signature over the 8-bit body does not verify on the converted one (RFC 6376 section 5.3).
   * A failure refuses the attempt (temporary, 4.3.0) rather than send it with a broken signature.
   */
  resign?: (converted: Buffer) => Promise<Buffer>;
}

export type RecipientResult = { address: string; status: "accepted" } | { address: string; status: "temporary" | "permanent"; code: number; enhanced: string; text: string };

export type RelayOutcome = DeliveryOutcome & {
  perRecipient?: RecipientResult[];
  /** EHLO keywords of the next hop (upper case), once it answered EHLO: the queue runner checks DSN */
  nextHopExtensions?: string[];
};

export interface RelayEndpoint {
  secure: boolean;
  host: string;
  port: number;
}

// What msa says itself comes from the reply catalogue (runtime/decision/replies.ts); the next
// hop's replies are passed on. A 4xx the next hop gave a recipient without a reply code is 451.
const TEMPORARY_CODE = 451;
const AUTH_REQUIRED_REPLY = 530; // RFC 4954 section 6: the next hop wants us to authenticate

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_SOCKET_TIMEOUT_MS = 120_000;
const DEFAULT_TOTAL_TIMEOUT_MS = 300_000;
/** after the 250 we send QUIT (RFC 5321 section 4.1.1.10) but wait this long at most for 221 */
const QUIT_GRACE_MS = 5_000;
const MAX_TEXT_LENGTH = 400;

/** Parses smtp:// and smtps:// URLs; throws TypeError for anything else. */
export function parseRelayUrl(url: string): RelayEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`not a URL: ${url}`);
  }
  const secure = parsed.protocol === "smtps:";
  if (!secure && parsed.protocol !== "smtp:") throw new TypeError(`relay URL must be smtp:// or smtps://: ${url}`);
  if (parsed.username || parsed.password) throw new TypeError("relay credentials go in auth, not in the URL");
  if ((parsed.pathname !== "" && parsed.pathname !== "/") || parsed.search || parsed.hash) {
    throw new TypeError(`relay URL has a path or query: ${url}`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new TypeError(`relay URL has no host: ${url}`);
  const port = parsed.port ? Number(parsed.port) : secure ? 465 : 25;
  return { secure, host, port };
}

interface PreparedTarget {
  endpoint: RelayEndpoint;
  ca: string | undefined;
}

// A target's URL and CA worked out once per target (the server's delivery and the queue runner
// each keep one for their lifetime), not once per message; a failure is not kept, so each
// message reports it.
const preparedTargets = new WeakMap<RelayTarget, PreparedTarget>();

function prepareTarget(target: RelayTarget): PreparedTarget {
  let prepared = preparedTargets.get(target);
  if (!prepared) {
    prepared = { endpoint: parseRelayUrl(target.url), ca: target.ca === undefined ? undefined : loadCa(target.ca) };
    preparedTargets.set(target, prepared);
  }
  return prepared;
}

/** Relays one message; never throws, every failure is an outcome. */
export async function relayMessage(target: RelayTarget, envelope: Envelope, message: Buffer, options: RelayOptions = {}): Promise<RelayOutcome> {
  let prepared: PreparedTarget;
  try {
    prepared = prepareTarget(target);
  } catch (error) {
    return temporary(DeliveryReplies.relayMisconfigured((error as Error).message));
  }
  const { endpoint, ca } = prepared;
  if (envelope.recipients.length === 0) {
    return temporary(DeliveryReplies.noRecipients);
  }
  const attempt: Attempt = {
    target,
    endpoint,
    ca,
    where: `${endpoint.host}:${endpoint.port}`,
    options,
    deadlineAt: Date.now() + (options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS),
  };
  const first = await relayOnce(attempt, envelope, message, false);
  // a reused session the next hop had closed meanwhile fails before anything was sent: once
  // more on a new session (the first attempt cannot have delivered: the message never left)
  if (first.staleSession) return (await relayOnce(attempt, envelope, message, true)).outcome;
  return first.outcome;
}

interface Attempt {
  target: RelayTarget;
  endpoint: RelayEndpoint;
  ca: string | undefined;
  where: string;
  options: RelayOptions;
  deadlineAt: number;
}

/** The pool's name for a next hop: sessions are shared only between identical targets. */
function poolKey(attempt: Attempt): string {
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

function openConnection(attempt: Attempt): SMTPConnection {
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

async function relayOnce(attempt: Attempt, envelope: Envelope, message: Buffer, fresh: boolean): Promise<{ outcome: RelayOutcome; staleSession?: boolean }> {
  const { target, where, options } = attempt;
  const pool = options.pool;
  const key = pool ? poolKey(attempt) : "";
  let session: PooledSession | null = null;
  let reused = false;
  if (pool) {
    const acquired = await pool.acquire(key, Math.max(0, attempt.deadlineAt - Date.now()), fresh);
    if (acquired === "timeout") return { outcome: temporary(DeliveryReplies.noFreeConnection(where)) };
    if (acquired !== "open") {
      session = acquired;
      reused = true;
    }
  }
  const connection = session?.connection ?? openConnection(attempt);
  const internals = connection as unknown as SmtpConnectionInternals;
  if (!hasExpectedInternals(internals)) {
    pool?.release(key, null, false);
    closeConnection(connection, false);
    return { outcome: temporary(DeliveryReplies.relayClientIncompatible) };
  }

  // Every step races the connection's own failure ('error', or an 'end' nobody expected) and
  // the overall deadline, so no path waits for a callback that will never come.
  let deadlineTimer: NodeJS.Timeout | undefined;
  let onError: (error: Error) => void = () => undefined;
  let onEnd: () => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    onError = reject;
    // nodemailer closes (emitting 'end') just before it hands a 421 or a refusal to the send
    // callback: give that callback the chance to settle first
    onEnd = () => setImmediate(() => reject(new RelayConnectionEnded()));
    connection.on("error", onError);
    connection.once("end", onEnd);
    deadlineTimer = setTimeout(() => reject(new RelayDeadlineExceeded()), Math.max(0, attempt.deadlineAt - Date.now()));
  });
  failure.catch(() => undefined);
  const step = <T>(work: Promise<T>): Promise<T> => Promise.race([work, failure]);

  const sendCommand = internals._sendCommand;
  let cleanSession = false; // the next hop is between transactions: reuse, or QUIT
  // A transaction the next hop answered after the final dot is over: the session is ready for
  // MAIL (RFC 5321 section 4.1.1.4), so only a refused or abandoned one is RSET before reuse.
  let transactionCompleted = false;
  let dataStarted = false;
  let outcome: RelayOutcome;
  const transact = async (): Promise<RelayOutcome> => {
    if (!session) {
      await step(new Promise<void>((done, fail) => connection.connect((error) => (error ? fail(error) : done()))));
      if (target.requireTls && !connection.secure) {
        throw new RelayTlsMissing(); // unreachable with requireTLS set, kept as a guard
      }
      if (target.auth) {
        const { user, pass } = target.auth;
        await step(new Promise<void>((done, fail) => connection.login({ user, pass }, (error) => (error ? fail(error) : done()))));
      }
      session = { key, connection, extensions: new Set(internals._supportedExtensions), messages: 0 };
    }
    const extensions = session.extensions;
    const refusal = refusalForMissingExtension(envelope, extensions, where);
    if (refusal) {
      cleanSession = true;
      return refusal;
    }
    // RFC 6409 section 8.4: 8-bit content for a next hop without 8BITMIME (or UTF-8 header
    // fields for one without SMTPUTF8) is converted to 7-bit MIME; refused only if it cannot be
    let payload = message;
    let converted = false;
    const eightBitHeader = hasEightBitByte(headerSection(message));
    if (hasEightBitByte(message) && (!extensions.has("8BITMIME") || (eightBitHeader && !extensions.has("SMTPUTF8")))) {
      if (target.require8BitMime) {
        cleanSession = true;
        return permanent(DeliveryReplies.eightBitRequired(where));
      }
      // off the event loop: a worst-case message takes seconds to convert (docs/limits.md)
      const conversion = await convertTo7BitOffThread(message);
      if (conversion.kind === "impossible") {
        cleanSession = true;
        return permanent(DeliveryReplies.eightBitNotConvertible(where, conversion.reason));
      }
      if (conversion.kind === "converted") {
        payload = conversion.message;
        converted = true;
        if (options.resign) {
          try {
            payload = await options.resign(payload);
          } catch (error) {
            cleanSession = true;
            return temporary(DeliveryReplies.convertedNotSigned((error as Error).message));
          }
        }
      }
    }
    rewriteEnvelopeCommands(internals, envelope, extensions);
    const info = await step(
      new Promise<SMTPConnection.SentMessageInfo>((done, fail) =>
        connection.send(
          {
            from: envelope.mailFrom,
            to: envelope.recipients.map((recipient) => recipient.address),
            size: payload.length, // RFC 1870: SIZE=, so an oversized message is refused before DATA
            use8BitMime: envelope.bodyType === "8BITMIME" && !converted,
            dsn: envelope.dsn && { ret: envelope.dsn.ret, envid: envelope.dsn.envid },
          },
          messageGatedOnRecipients(payload, internals, () => (dataStarted = true)),
          (error, sent) => (error ? fail(error) : done(sent)),
        ),
      ),
    );
    cleanSession = true;
    transactionCompleted = true;
    const perRecipient = recipientResults(envelope, info.rejectedErrors ?? [], where);
    const refused = perRecipient.filter((result) => result.status !== "accepted").length;
    return {
      kind: "accepted",
      id: queueIdFromReply(info.response) ?? connection.id,
      detail: `relayed to ${where}: ${singleLine(info.response)}` + (refused ? ` (${refused} recipient(s) refused)` : "") + (converted ? " (converted to 7-bit MIME)" : ""),
      perRecipient,
      nextHopExtensions: [...extensions],
    };
  };
  try {
    outcome = await transact();
  } catch (error) {
    const clientError = error as SmtpClientError;
    // replies to MAIL, RCPT or the message leave the next hop ready for the next command;
    // anything else (a dropped connection, a timeout, an abandoned DATA) is torn down
    cleanSession = typeof clientError.responseCode === "number" && (clientError.code === "EENVELOPE" || clientError.code === "EMESSAGE");
    outcome = outcomeForError(clientError, envelope, connection, where);
    const connectionLost =
      typeof clientError.responseCode !== "number" && (error instanceof RelayConnectionEnded || clientError.code === "ECONNECTION" || clientError.code === "ESOCKET");
    if (reused && !dataStarted && connectionLost) {
      internals._sendCommand = sendCommand;
      clearTimeout(deadlineTimer);
      detach();
      pool?.release(key, null, false);
      closeConnection(connection, false);
      return { outcome, staleSession: true };
    }
  } finally {
    internals._sendCommand = sendCommand;
  }
  // the session: back to the pool (after RSET, RFC 5321 section 4.1.1.5, unless the
  // transaction completed), or closed
  let keep = false;
  if (pool && cleanSession && session && isUsable(connection)) {
    session.messages++;
    try {
      if (!transactionCompleted) await step(new Promise<void>((done, fail) => connection.reset((error) => (error ? fail(error) : done()))));
      keep = true;
    } catch {
      keep = false;
    }
  }
  clearTimeout(deadlineTimer);
  detach();
  if (pool) pool.release(key, keep ? session : null, keep);
  if (!keep) closeConnection(connection, cleanSession);
  return { outcome };

  function detach(): void {
    connection.off("error", onError);
    connection.off("end", onEnd);
  }
}

// ---------------------------------------------------------------------------------------------
// nodemailer internals. Its public API cannot add SMTPUTF8 for a UTF-8 header section, give
// each recipient its own NOTIFY/ORCPT, tell which extensions the next hop offered, or stop
// between the RCPT replies and the message. These members do; the tests exercise each one,
// and a nodemailer without them is refused at run time instead of misbehaving.

interface SmtpConnectionInternals {
  _supportedExtensions: string[];
  _sendCommand(command: string, logText?: string): void;
  _envelope?: { rejectedErrors?: SmtpClientError[] } | false;
  _createSendStream(callback: unknown): DataStream;
}

interface SmtpClientError extends Error {
  code?: string;
  originalCode?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  timeoutType?: string;
  recipient?: string;
  rejectedErrors?: SmtpClientError[];
}

function hasExpectedInternals(internals: SmtpConnectionInternals): boolean {
  return Array.isArray(internals._supportedExtensions) && typeof internals._sendCommand === "function" && typeof internals._createSendStream === "function";
}

/**
 * Gives each message's DataStream (the dot-stuffing transform nodemailer pipes to the socket)
 * the same transform done with Buffer.indexOf (dotStuffing.ts), before a byte is written to it.
 */
function stuffWithIndexOf(internals: SmtpConnectionInternals): void {
  const createSendStream = internals._createSendStream;
  if (typeof createSendStream !== "function") return; // refused by hasExpectedInternals before any use
  internals._createSendStream = function (this: SmtpConnectionInternals, callback: unknown) {
    const stream = createSendStream.call(this, callback);
    stream._transform = function (this: DataStream, chunk: Buffer | string, _encoding: BufferEncoding, done: () => void) {
      if (!chunk || chunk.length === 0) return done();
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      const stuffed = stuffChunk(bytes, this.lastByte);
      this.inByteCount += bytes.length;
      this.outByteCount += stuffed.length;
      this.lastByte = bytes[bytes.length - 1]!;
      this.push(stuffed);
      done();
    };
    return stream;
  };
}

/**
 * Adds to MAIL FROM and RCPT TO what nodemailer's envelope cannot express: SMTPUTF8 whenever
 * the client declared it and the next hop offers it (RFC 6531 section 3.4), and each
 * recipient's own NOTIFY and ORCPT (RFC 3461 section 4) when the next hop offers DSN.
 */
function rewriteEnvelopeCommands(internals: SmtpConnectionInternals, envelope: Envelope, extensions: Set<string>): void {
  const sendCommand = internals._sendCommand;
  let rcptIndex = 0;
  internals._sendCommand = function (this: SmtpConnectionInternals, command: string, logText?: string) {
    if (/^MAIL FROM:/i.test(command)) {
      if (envelope.smtputf8 && extensions.has("SMTPUTF8") && !/ SMTPUTF8(\s|$)/i.test(command)) {
        command += " SMTPUTF8";
      }
    } else if (/^RCPT TO:/i.test(command)) {
      const recipient = envelope.recipients[rcptIndex++];
      if (recipient?.dsn && extensions.has("DSN")) command += dsnRcptParameters(recipient.dsn);
    }
    return sendCommand.call(this, command, logText);
  };
}

function dsnRcptParameters(dsn: RecipientParameters): string {
  let parameters = "";
  if (dsn.notify && dsn.notify.length > 0) parameters += " NOTIFY=" + dsn.notify.join(",");
  if (dsn.orcpt) {
    const separator = dsn.orcpt.indexOf(";");
    const [addressType, address] = separator > 0 ? [dsn.orcpt.slice(0, separator), dsn.orcpt.slice(separator + 1)] : ["rfc822", dsn.orcpt];
    parameters += ` ORCPT=${addressType};${encodeXtext(address)}`;
  }
  return parameters;
}

/** RFC 3461 section 4: xtext, "+" and hex for anything outside "!".."~" and for "+" and "=". */
export function encodeXtext(value: string): string {
  let encoded = "";
  for (const byte of Buffer.from(value, "utf8")) {
    encoded += byte < 0x21 || byte > 0x7e || byte === 0x2b || byte === 0x3d ? "+" + byte.toString(16).toUpperCase().padStart(2, "0") : String.fromCharCode(byte);
  }
  return encoded;
}

/**
 * The message as a stream that nodemailer reads only after DATA was answered 354, that is
 * once every RCPT reply is in. If any recipient was deferred it fails instead, so the final
 * dot is never sent and the next hop delivers nothing.
 */
function messageGatedOnRecipients(message: Buffer, internals: SmtpConnectionInternals, onStart: () => void): Readable {
  let started = false;
  return new Readable({
    read() {
      if (started) return;
      started = true;
      onStart();
      const rejected = (internals._envelope && internals._envelope.rejectedErrors) || [];
      const deferred = rejected.find((error) => !isPermanentReply(error.responseCode));
      if (deferred) {
        this.destroy(new RelayRecipientDeferred(rejected));
        return;
      }
      this.push(message);
      this.push(null);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Outcomes

class RelayConnectionEnded extends Error {
  override name = "RelayConnectionEnded";
  constructor() {
    super("connection closed");
  }
}

class RelayDeadlineExceeded extends Error {
  override name = "RelayDeadlineExceeded";
  constructor() {
    super("relay took too long");
  }
}

class RelayTlsMissing extends Error {
  override name = "RelayTlsMissing";
  constructor() {
    super("TLS is required but not active");
  }
}

class RelayRecipientDeferred extends Error {
  override name = "RelayRecipientDeferred";
  constructor(readonly rejectedErrors: SmtpClientError[]) {
    super("a recipient was deferred");
  }
}

function outcomeForError(error: SmtpClientError, envelope: Envelope, connection: SMTPConnection, where: string): RelayOutcome {
  const heardFromHost = connection.lastServerResponse !== false;
  if (error instanceof RelayRecipientDeferred || (error.code === "EENVELOPE" && error.rejectedErrors)) {
    // RCPT phase: decide from every recipient's reply, not from nodemailer's summary
    const perRecipient = recipientResults(envelope, error.rejectedErrors ?? [], where);
    const deferred = perRecipient.find((result) => result.status === "temporary");
    const refused = perRecipient.find((result) => result.status === "permanent");
    const decisive = deferred ?? refused;
    if (decisive && decisive.status !== "accepted") {
      const outcome: RelayOutcome =
        decisive.status === "temporary"
          ? temporary(DeliveryReplies.recipientDeferred(decisive.address, decisive.enhanced, decisive.text))
          : { kind: "permanent", code: decisive.code, enhanced: decisive.enhanced, text: decisive.text };
      return { ...outcome, perRecipient };
    }
  }
  if (error instanceof RelayDeadlineExceeded) {
    return temporary(DeliveryReplies.nextHopTooSlow(where, heardFromHost));
  }
  if (error instanceof RelayConnectionEnded) {
    return temporary(DeliveryReplies.nextHopClosed(where, heardFromHost));
  }
  if (error instanceof RelayTlsMissing) {
    return temporary(DeliveryReplies.nextHopTlsMissing(where));
  }
  if (typeof error.responseCode === "number" && error.response) {
    return outcomeForReply(error, where);
  }
  if (error.code === "EMESSAGE" && error.command === "MAIL FROM") {
    // nodemailer compares our size with the next hop's SIZE limit before sending MAIL
    return permanent(DeliveryReplies.tooBigForNextHop(where));
  }
  if (error.code === "EDNS") {
    return temporary(DeliveryReplies.nextHopUnresolvable(where));
  }
  if (error.code === "ETLS" || isTlsFailure(error.originalCode)) {
    return temporary(DeliveryReplies.nextHopTlsFailed(where, error.originalCode ?? error.message));
  }
  if (error.code === "EAUTH") {
    return temporary(DeliveryReplies.nextHopAuthFailed(where));
  }
  if (error.command === "API") {
    return temporary(DeliveryReplies.cannotRelay(singleLine(error.message)));
  }
  const reason = error.originalCode ?? error.timeoutType ?? error.code ?? "error";
  return temporary(DeliveryReplies.nextHopConnectionFailed(where, heardFromHost, error.timeoutType === "CONNECT_TIMEOUT", reason));
}

/** A reply from the next hop that ended the attempt. */
function outcomeForReply(error: SmtpClientError, where: string): RelayOutcome {
  const code = error.responseCode!;
  const reply = singleLine(error.response!);
  const enhanced = enhancedCodeOf(error.response!, code);
  const text = `${where} said: ${reply}`;
  const aboutTheMessage = error.code === "EENVELOPE" || error.code === "EMESSAGE";
  if (aboutTheMessage && isPermanentReply(code) && code !== AUTH_REQUIRED_REPLY) {
    return { kind: "permanent", code, enhanced: enhanced ?? NextHopStatus.refusedWithoutCode, text };
  }
  if (aboutTheMessage && !isPermanentReply(code)) {
    return temporary({ code: TEMPORARY_CODE, enhanced: enhanced ?? (code === 421 ? NextHopStatus.closing : NextHopStatus.deferredWithoutCode), text });
  }
  // the session itself failed: greeting, EHLO, STARTTLS, AUTH, 421, or 530 at MAIL
  if (error.code === "ETLS") return temporary(DeliveryReplies.nextHopTlsRefused(text));
  const fallback = error.code === "EAUTH" || code === AUTH_REQUIRED_REPLY ? NextHopStatus.securityFailed : NextHopStatus.sessionFailed;
  return temporary({ code: TEMPORARY_CODE, enhanced: enhanced ? "4" + enhanced.slice(1) : fallback, text });
}

function recipientResults(envelope: Envelope, rejectedErrors: SmtpClientError[], where: string): RecipientResult[] {
  const refusals = new Map<string, SmtpClientError[]>();
  for (const error of rejectedErrors) {
    if (!error.recipient) continue;
    const list = refusals.get(error.recipient) ?? [];
    list.push(error);
    refusals.set(error.recipient, list);
  }
  return envelope.recipients.map(({ address }) => {
    const refusal = refusals.get(address.trim())?.shift();
    if (!refusal) return { address, status: "accepted" };
    const code = refusal.responseCode ?? TEMPORARY_CODE;
    const permanent = isPermanentReply(code);
    const enhanced = refusal.response ? enhancedCodeOf(refusal.response, code) : undefined;
    return {
      address,
      status: permanent ? "permanent" : "temporary",
      code,
      enhanced: enhanced ?? (permanent ? NextHopStatus.refusedWithoutCode : NextHopStatus.deferredWithoutCode),
      text: `${where} said: ${singleLine(refusal.response ?? refusal.message)}`,
    };
  });
}

/**
 * Decides for the client: an address with non-ASCII characters cannot go to a next hop that
 * does not offer SMTPUTF8 (RFC 6531 section 3.2); no conversion can change an address. 8-bit
 * content is converted instead (sevenBitConversion.ts).
 */
function refusalForMissingExtension(envelope: Envelope, extensions: Set<string>, where: string): RelayOutcome | undefined {
  if (!extensions.has("SMTPUTF8")) {
    const addresses = [envelope.mailFrom, ...envelope.recipients.map((recipient) => recipient.address)];
    if (addresses.some((address) => /[^\x00-\x7f]/.test(address))) {
      return permanent(DeliveryReplies.nonAsciiAddressRefused(where));
    }
  }
  return undefined;
}

/** A temporary outcome: the client gets 451 and the enhanced code, the text on one line. */
function temporary(reply: Reply): RelayOutcome {
  return { kind: "temporary", code: TEMPORARY_CODE, enhanced: reply.enhanced, text: singleLine(reply.text) };
}

function permanent(reply: Reply): RelayOutcome {
  return { kind: "permanent", code: reply.code, enhanced: reply.enhanced, text: reply.text };
}

function closeConnection(connection: SMTPConnection, quitPolitely: boolean): void {
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

// ---------------------------------------------------------------------------------------------
// Small helpers

function isPermanentReply(code: number | undefined): boolean {
  return typeof code === "number" && code >= 500 && code < 600;
}

/** RFC 2034 section 4: the enhanced code follows the reply code; its class must match. */
function enhancedCodeOf(response: string, code: number): string | undefined {
  const match = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(response);
  if (!match || match[1] !== String(code)[0]) return undefined;
  return `${match[1]}.${match[2]}.${match[3]}`;
}

/** "250 2.0.0 Ok: queued as ABC123" (Postfix) and the like, for logs that follow the message. */
function queueIdFromReply(response: string | undefined): string | undefined {
  return response ? /queued as ([A-Za-z0-9._-]+)/i.exec(response)?.[1] : undefined;
}

function isTlsFailure(code: string | undefined): boolean {
  return code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_/.test(code);
}

function headerSection(message: Buffer): Buffer {
  const end = message.indexOf("\r\n\r\n");
  return end < 0 ? message : message.subarray(0, end);
}

function singleLine(text: string): string {
  const line = text
    .replace(/[\r\n]+/g, " ")
    .replace(/[\x00-\x1f\x7f]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return line.length > MAX_TEXT_LENGTH ? line.slice(0, MAX_TEXT_LENGTH) + "..." : line;
}

function loadCa(ca: string): string {
  return ca.includes("-----BEGIN") ? ca : readFileSync(ca, "utf8");
}
