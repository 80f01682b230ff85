// The submission server: one smtp-server per listener of the graph, each hook a
// thin call into the decision core, each verdict turned into a reply in one
// place (`replyError`). This file owns sockets, timers, logging and delivery;
// it decides nothing itself.
import crypto from "node:crypto";
import fs from "node:fs";
import type net from "node:net";
import type { Logger } from "pino";
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from "smtp-server";
import { ruleLocation, type Listener, type RuleGraph, type RuleOrigin } from "../graph/graph.js";
import { loadUserTable, type UserTable } from "./auth/userTable.js";
import { decide, type DecisionResult, type SmtpEvent } from "./decision/decide.js";
import { liveTables } from "./rights/liveSenders.js";
import { aliasesOf, expandEnvelopeRecipients } from "./aliases/aliasRecipients.js";
import { ehloKeywords } from "./decision/authStage.js";
import { Replies, type Reply } from "./decision/replies.js";
import { newSession, type SessionState } from "./decision/session.js";
import type { Decision } from "./decision/verdict.js";
import { createDelivery, type Deliver, type DeliveryContext } from "./deliver/delivery.js";
import type { DeliveryOutcome, Envelope } from "./deliver/envelope.js";
import { createSpoolId } from "./deliver/spoolRecord.js";
import { dedupeRecipients } from "./deliver/dedupeRecipients.js";
import { applyHeaderEdits } from "./message/headerEdits.js";
import { newMessageId } from "./message/messageId.js";
import { IncompleteMessageError, readMessageData } from "./message/readMessageData.js";
import { MsaSmtpServer, type ConnectionPolicy, type MsaConnection } from "./smtp/msaConnection.js";
import { replyError, replyText } from "./smtp/replyError.js";
import { ListenerSockets, type ProxiedPeer } from "./cluster/listenerSockets.js";
import { plainAddress } from "./proxy/proxyProtocol.js";
import { createDkimSigner, DkimSigningError, type DkimSigner } from "./dkim/dkimSigner.js";
import type { MsaMetrics } from "./metrics/metrics.js";
import { messageFromDomain } from "./dkim/fromDomain.js";
import type { CounterStore } from "./limits/counterStore.js";
import { deadline as dataDeadline, ServerLimits, smtpServerLimitOptions, type LimitRefusal, type RateCharge } from "./limits/serverLimits.js";

/** The longest an implicit TLS handshake may take (nginx and HAProxy allow about as long). */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long a graceful stop waits for sessions in flight. */
const STOP_GRACE_MS = 30_000;
/** Connection errors that a client causes (a broken TLS handshake, a reset or timed-out socket). */
const CLIENT_ERROR_CODES = new Set(["TLSError", "SocketError", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ERR_SSL_WRONG_VERSION_NUMBER"]);

export interface SubmissionServerOptions {
  log: Logger;
  /** Replaces the ports of the graph's listeners, in order (tests bind port 0). */
  portOverride?: number[];
  /** Replaces the policy's growing delay before a failed login's reply (`throttle auth delay`). */
  failedAuthDelayMs?: number;
  /** Where sessions, refusals, bytes and latencies are counted (`metrics listen`). */
  metrics?: MsaMetrics;
  /** How the deliver rule reaches its next hop (a private CA, no connection reuse); tests set it. */
  delivery?: DeliveryContext;
  /**
   * The listening sockets belong to someone else (msac serve: shared across reloads and
   * cluster workers), who hands connections over with `accept`; start() binds nothing.
   */
  external?: boolean;
  /** Replaces the counter store the policy names (tests). */
  limitsStore?: CounterStore;
  /** Replaces the implicit TLS handshake deadline (tests). */
  handshakeTimeoutMs?: number;
}

/** What a log line names of a client: its session id and address. */
type LoggedClient = Pick<SMTPServerSession, "id" | "remoteAddress">;

interface BoundListener {
  listener: Listener;
  server: MsaSmtpServer;
}

export class SubmissionServer implements ConnectionPolicy {
  private readonly sessions = new Map<string, SessionState>();
  private readonly bound: BoundListener[] = [];
  private users: UserTable | null = null;
  private readonly deliver: Deliver;
  private readonly log: Logger;
  private sockets: ListenerSockets | null = null;
  private signer: DkimSigner | null = null;
  /** Session slots, rate rules, AUTH throttling and the error cap (runtime/limits/serverLimits.ts). */
  readonly limits: ServerLimits;

  constructor(
    readonly graph: RuleGraph,
    private readonly options: SubmissionServerOptions,
  ) {
    this.log = options.log;
    this.deliver = createDelivery(graph.deliver, graph.hostname, options.delivery);
    this.limits = new ServerLimits(graph.limits, { log: options.log, ...(options.limitsStore ? { store: options.limitsStore } : {}) });
  }

  /** The ports actually bound, in listener order. */
  get ports(): number[] {
    return this.sockets?.ports ?? [];
  }

  async start(): Promise<void> {
    if (this.graph.users) this.users = await loadUserTable(this.graph.users.path);
    for (const warning of this.users?.warnings ?? []) {
      this.log.warn({ event: "users-file", line: warning.line, message: warning.message }, "users file line skipped");
    }
    // Tables from files are read now, so their problems are logged at start rather than at the first message.
    liveTables(this.graph, this.log);
    const aliases = aliasesOf(this.graph);
    if (aliases && aliases.problems.length > 0) this.log.warn({ event: "aliases-file", problems: aliases.problems }, "aliases file lines skipped");
    // every key is read now: an unreadable key stops the start (or the reload), not a message later
    const dkim = this.graph.dkim;
    if (dkim.length > 0)
      this.signer = await createDkimSigner(
        dkim.map(({ domain, selector, keyPath, headers, oversign }) => ({ domain, selector, keyPath, ...(headers ? { headers } : {}), ...(oversign ? { oversign } : {}) })),
      );
    const tls = this.graph.tls ? { cert: fs.readFileSync(this.graph.tls.certificate), key: fs.readFileSync(this.graph.tls.key) } : {};
    for (const listener of this.graph.listeners) this.bound.push({ listener, server: this.createServer(listener, tls) });
    if (this.options.external) return;
    this.sockets = new ListenerSockets(this.graph.listeners, (index, socket, proxied) => this.accept(index, socket, proxied), {
      log: this.log,
      ...(this.options.portOverride ? { portOverride: this.options.portOverride } : {}),
    });
    await this.sockets.bind();
    for (const [index, port] of this.sockets.ports.entries()) {
      const listener = this.graph.listeners[index]!;
      this.log.info({ event: "listening", host: listener.host ?? "*", port, mode: listener.mode, ...(listener.proxy ? { proxy: true } : {}) }, "listening");
    }
  }

  /**
   * Serves a connection accepted on listener `index`. `proxied`: the client named by a PROXY
   * header, which then stands in for the socket's peer in logs, limits and Received fields.
   * The session slot is taken here, before any TLS handshake, so that silent or slow handshakes
   * count against `limit sessions` like any other connection; the handshake has its own deadline.
   */
  accept(index: number, socket: net.Socket, proxied: ProxiedPeer = null): void {
    const bound = this.bound[index];
    if (!bound) {
      socket.destroy();
      return;
    }
    const smtp = bound.server as unknown as {
      connect(socket: net.Socket, options: unknown): void;
      _upgrade(socket: net.Socket, callback: (error: Error | null, tls: net.Socket) => void): void;
      _onError(error: Error): void;
      /** Accepted sockets before their session starts, each mapped to its topmost socket (the TLS one once the handshake began). */
      _pendingSockets: Map<net.Socket, net.Socket>;
    };
    // smtp-server's own id format. The slot is held under the session's id: freed when the
    // session ends (onClose), or when the socket closes before a session exists. (STARTTLS takes
    // every listener off the plain socket, so its close alone cannot be relied on.)
    const id = BigInt(`0x${crypto.randomBytes(10).toString("hex")}`)
      .toString(32)
      .padStart(16, "0");
    const client = proxied?.remoteAddress ?? plainAddress(socket.remoteAddress);
    const full = this.limits.admit(id, client);
    if (full) return this.refuseConnection(bound.listener, socket, { id: "", remoteAddress: client }, full);
    socket.once("close", () => this.limits.leave(id));
    const options = { ...proxied, id };
    if (bound.listener.mode !== "tls") return smtp.connect(socket, options);
    // The handshake's own deadline. The topmost socket is destroyed: tearing the raw socket out
    // from under a TLS handshake crashes Node.
    smtp._pendingSockets.set(socket, socket);
    const handshake = setTimeout(() => smtp._pendingSockets.get(socket)?.destroy(), this.handshakeTimeoutMs);
    smtp._upgrade(socket, (error, tlsSocket) => {
      clearTimeout(handshake);
      smtp._pendingSockets.delete(socket);
      if (error) {
        socket.destroy();
        return smtp._onError(error);
      }
      smtp.connect(tlsSocket, options);
    });
  }

  /** How long an implicit TLS handshake may take: its own deadline, never longer than `timeout command`. */
  private get handshakeTimeoutMs(): number {
    return Math.min(this.options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS, this.limits.config.timeouts.commandMs);
  }

  /**
   * A connection over `limit sessions`: refused before it costs anything. In clear text it gets
   * the 421 in place of a greeting (RFC 5321 section 3.1); before a TLS handshake nothing can be
   * said, so the socket is closed.
   */
  private refuseConnection(listener: Listener, socket: net.Socket, client: LoggedClient, refusal: LimitRefusal): void {
    this.logRefusal(client, "connect", refusal.reply, refusal.origin, refusal.detail);
    socket.on("error", () => undefined);
    if (listener.mode === "tls") return void socket.destroy();
    socket.end(`${refusal.reply.code} ${refusal.reply.enhanced} ${refusal.reply.text}\r\n`);
    socket.setTimeout(1000, () => socket.destroy());
  }

  /** Stops accepting, lets sessions in flight finish (bounded by `graceMs`), then closes them with 421. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.sockets?.close();
    await Promise.all(this.bound.map(({ server }) => drainSmtpServer(server, graceMs)));
    await this.limits.close();
    this.deliver.close?.();
    liveTables(this.graph, this.log).close();
    this.log.info({ event: "stopped" }, "stopped");
  }

  private createServer(listener: Listener, tls: { cert?: Buffer; key?: Buffer }): MsaSmtpServer {
    const size = ehloKeywords(this.graph, newSession(listener.mode, "")).size;
    const server: MsaSmtpServer = new MsaSmtpServer(this, {
      ...tls,
      name: this.graph.hostname,
      banner: "msa",
      secure: listener.mode === "tls",
      hideSTARTTLS: listener.mode !== "starttls",
      hideREQUIRETLS: true,
      hideENHANCEDSTATUSCODES: false,
      hideDSN: false,
      hidePIPELINING: false,
      hide8BITMIME: false,
      hideSMTPUTF8: false,
      // The policy decides about authentication and addresses, not smtp-server.
      authOptional: true,
      allowInsecureAuth: true,
      authMethods: ["PLAIN", "LOGIN"],
      // STARTTLS only where the listener says so: elsewhere smtp-server would run it, unadvertised,
      // with its built-in certificate (found by test/fuzz).
      disabledCommands: [...(this.graph.users ? [] : ["AUTH"]), ...(listener.mode === "starttls" ? [] : ["STARTTLS"])],
      disableReverseLookup: true,
      size: size ?? 0,
      minVersion: "TLSv1.2",
      ...(this.graph.tlsCiphers ? { ciphers: this.graph.tlsCiphers } : {}),
      logger: false,
      ...smtpServerLimitOptions(this.limits.config),
      onConnect: (session, callback) => this.onConnect(listener, session, callback),
      onSecure: (_socket, session, callback) => this.onSecure(session, callback),
      onAuth: (auth, session, callback) => void this.onAuth(auth, session, callback),
      onMailFrom: (address, session, callback) => this.onMailFrom(address, session, callback),
      onRcptTo: (address, session, callback) => this.onRcptTo(address, session, callback),
      onData: (stream, session, callback) => void this.onData(stream, session, callback),
      onClose: (session) => {
        this.limits.leave(session.id);
        this.limits.release(session.id);
        server.connectionsById.delete(session.id); // MsaSmtpServer never forgets a connection otherwise
        this.onClose(session);
      },
    });
    server.on("error", (error: Error) => this.logServerError(error));
    return server;
  }

  /**
   * A client that breaks off a TLS handshake, sends plain text after STARTTLS or drops the
   * socket is the client's problem, logged as a warning; anything else is the server's, an error.
   */
  private logServerError(error: Error & { code?: string; meta?: { remoteAddress?: string } }) {
    const clientSide = error.meta?.remoteAddress !== undefined || CLIENT_ERROR_CODES.has(error.code ?? "");
    const fields = { event: "client-error", client: error.meta?.remoteAddress, code: error.code, err: error.message };
    // A reset is how many clients hang up (HAProxy ends each health check with one): not worth a warning.
    if (error.code === "ECONNRESET") this.log.info(fields, "client reset the connection");
    else if (clientSide) this.log.warn(fields, "client connection failed");
    else this.log.error({ event: "server-error", err: error.message }, "server error");
  }

  // ---- ConnectionPolicy ----

  offersAuth(connection: MsaConnection): boolean {
    const state = this.sessions.get(connection.id);
    return !!state && ehloKeywords(this.graph, state).auth;
  }

  refuseAuth(connection: MsaConnection): { code: number; text: string } | null {
    const state = this.sessions.get(connection.id);
    if (!state) return null;
    const decision = this.apply(connection.session, state, { type: "authStart" });
    return decision.verdict.kind === "refuse" ? { code: decision.verdict.reply.code, text: replyText(decision.verdict.reply) } : null;
  }

  transactionReset(connection: MsaConnection): void {
    const state = this.sessions.get(connection.id);
    if (state?.transaction) this.apply(connection.session, state, { type: "reset" });
  }

  commandTimedOut(connection: MsaConnection): void {
    const refusal = this.limits.commandTimeout();
    this.logRefusal(connection.session, "command", refusal.reply, refusal.origin, refusal.detail);
    connection.send(refusal.reply.code, replyText(refusal.reply));
  }

  closed(connection: MsaConnection): void {
    this.sessions.delete(connection.id);
  }

  // ---- smtp-server hooks ----

  private onConnect(listener: Listener, session: SMTPServerSession, callback: (error?: Error) => void) {
    this.sessions.set(session.id, newSession(listener.mode, session.remoteAddress));
    this.log.info({ event: "connect", session: session.id, client: session.remoteAddress, mode: listener.mode }, "connection");
    this.options.metrics?.sessionsTotal.inc();
    this.options.metrics?.sessionsActive.inc();
    this.limits.started(session.id);
    const connection = this.connectionOf(session.id);
    if (connection) this.limits.guard(connection, session.id, (refusal) => this.logRefusal(session, "command", refusal.reply, refusal.origin, refusal.detail));
    callback();
  }

  private connectionOf(id: string): MsaConnection | undefined {
    return this.bound.map((b) => b.server.connectionsById.get(id)).find((c) => c !== undefined);
  }

  /** `timeout data` ran out before the final dot: 421 4.4.2, and smtp-server closes the connection. */
  private dataTimedOut(session: SMTPServerSession): void {
    const refusal = this.limits.dataTimeout();
    this.logRefusal(session, "data", refusal.reply, refusal.origin, refusal.detail);
    this.connectionOf(session.id)?.send(refusal.reply.code, replyText(refusal.reply));
  }

  /** A limit's refusal: logged with its rule, answered through `replyError` like the core's. */
  private refuseForLimit(session: SMTPServerSession, stage: string, refusal: LimitRefusal, callback: (error: Error) => void): void {
    this.logRefusal(session, stage, refusal.reply, refusal.origin, refusal.detail);
    callback(replyError(refusal.reply));
  }

  private onSecure(session: SMTPServerSession, callback: (error?: Error) => void) {
    const state = this.sessions.get(session.id);
    // Implicit TLS sessions start with TLS; only a STARTTLS handshake is an event for the core.
    if (state && !state.tls) this.apply(session, state, { type: "tls" });
    callback();
  }

  /** The session as the core knows it, refreshed with what smtp-server tracked (HELO name). */
  private state(session: SMTPServerSession): SessionState {
    const state = this.sessions.get(session.id) ?? newSession("plain", session.remoteAddress);
    const helo = session.hostNameAppearsAs || null;
    const extended = session.openingCommand === "EHLO";
    return helo === state.heloName && extended === state.extended ? state : { ...state, heloName: helo, extended };
  }

  /** Runs the core, stores the new state, logs a refusal with the rule that decided. */
  private apply<E extends SmtpEvent>(session: SMTPServerSession, state: SessionState, event: E): Decision<DecisionResult<E>> {
    const decisionTimer = this.options.metrics?.time(this.options.metrics.decisionDuration);
    // Senders files are read at first use and reloaded when they change (liveTables, one set per graph).
    const decision = decide(this.graph, state, event, liveTables(this.graph, this.log).current);
    decisionTimer?.();
    this.sessions.set(session.id, decision.state);
    // `observe RULE`: what the rule would have refused, logged; the session goes on.
    // Log stages are SMTP's (docs/deployment.md): the start of AUTH is the `auth` stage.
    const stage = event.type === "authStart" ? "auth" : event.type;
    for (const seen of decision.observations ?? []) this.logRefusal(session, stage, seen.reply, seen.origin, seen.detail, "would-reject");
    if (decision.verdict.kind === "refuse") this.logRefusal(session, stage, decision.verdict.reply, decision.verdict.origin);
    return decision;
  }

  private logRefusal(session: LoggedClient, stage: string, reply: Reply, origin: RuleOrigin, detail?: string, event: "reject" | "would-reject" = "reject") {
    if (event === "reject") this.options.metrics?.recordRefusal(stage, origin.line > 0 ? origin : null);
    else this.options.metrics?.wouldRejectByRule.inc({ rule: ruleLocation(origin) });
    this.log.warn(
      {
        event,
        session: session.id,
        client: session.remoteAddress,
        stage,
        code: reply.code,
        enhanced: reply.enhanced,
        rule: ruleLocation(origin),
        ...(origin.builtin ? { default: origin.builtin } : {}),
        ...(detail ? { detail } : {}),
      },
      `${reply.code} ${reply.enhanced} ${reply.text}`,
    );
  }

  private async onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback: (error: Error | null | undefined, response?: { user: string }) => void) {
    const login = auth.username ?? "";
    const users = this.users;
    const outcome = await this.limits.authenticate(session.id, session.remoteAddress, login, () => (users ? users.verify(login, auth.password ?? "") : Promise.resolve(false)));
    // The session closed while waiting for a verification slot: there is no one to answer.
    if (outcome.kind === "cancelled") return;
    if (outcome.kind === "refused") return this.refuseForLimit(session, "auth", outcome.refusal, callback);
    if (outcome.kind === "failed") {
      this.log.warn(
        {
          event: "auth-failed",
          session: session.id,
          client: session.remoteAddress,
          login,
          method: auth.method,
          failures: outcome.failures,
          delayMs: outcome.delayMs,
          ...(outcome.blocked.length ? { blocked: outcome.blocked } : {}),
        },
        "authentication failed",
      );
      this.options.metrics?.authTotal.inc({ result: "failed" });
      setTimeout(
        () => (outcome.drop ? this.refuseForLimit(session, "auth", outcome.drop, callback) : callback(replyError(Replies.authFailed))),
        this.options.failedAuthDelayMs ?? outcome.delayMs,
      );
      return;
    }
    this.apply(session, this.state(session), { type: "authenticated", login });
    this.log.info({ event: "auth", session: session.id, client: session.remoteAddress, login, method: auth.method }, "authenticated");
    this.options.metrics?.authTotal.inc({ result: "ok" });
    callback(null, { user: login });
  }

  private onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error) => void) {
    const params = (address.args || {}) as Record<string, string | true>;
    const decision = this.apply(session, { ...this.state(session), transaction: null }, { type: "mail", address: address.address, params });
    if (decision.verdict.kind === "refuse") return callback(replyError(decision.verdict.reply));
    address.address = decision.result ?? address.address;
    const rate = this.limits.checkMail({ sessionId: session.id, state: decision.state }, address.address, decision.state.transaction?.declaredSize ?? null);
    this.gate(session, "mail", rate, callback, { ...decision.state, transaction: null });
  }

  /** Answers once a limit check is in: go on, or refuse and put the session back as it was (`undo`). */
  private gate(session: SMTPServerSession, stage: string, pending: Promise<LimitRefusal | null>, callback: (error?: Error) => void, undo: SessionState): void {
    pending.then(
      (refusal) => {
        if (!refusal) return callback();
        this.sessions.set(session.id, undo);
        this.refuseForLimit(session, stage, refusal, callback);
      },
      (error: Error) => {
        this.sessions.set(session.id, undo);
        this.log.error({ event: "limits-error", session: session.id, stage, err: error.message }, "limit check failed");
        callback(replyError(Replies.localError));
      },
    );
  }

  private onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error) => void) {
    const params = (address.args || {}) as Record<string, string | true>;
    const before = this.state(session);
    const decision = this.apply(session, before, { type: "rcpt", address: address.address, params });
    if (decision.verdict.kind === "refuse") return callback(replyError(decision.verdict.reply));
    address.address = decision.result ?? address.address;
    this.gate(session, "rcpt", this.limits.checkRcpt({ sessionId: session.id, state: before }), callback, before);
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null, message?: string) => void) {
    const state = this.state(session);
    const transaction = state.transaction;
    let charge: RateCharge | undefined;
    try {
      const sizeLimit = ehloKeywords(this.graph, state).size;
      const endDataPhase = dataDeadline(this.limits.config.timeouts.dataMs, () => this.dataTimedOut(session));
      const data = await readMessageData(stream, { maxBytes: sizeLimit }).finally(endDataPhase);
      const queueId = createSpoolId();
      const decision = this.apply(session, state, {
        type: "message",
        ...data,
        now: new Date(),
        queueId,
        messageId: newMessageId(this.graph.hostname),
      });
      if (decision.verdict.kind === "refuse" || !transaction) {
        return callback(replyError(decision.verdict.kind === "refuse" ? decision.verdict.reply : Replies.localError));
      }
      // Counted now, all rate rules or none: the last refusal before delivery (docs/limits.md).
      // A message refused after this point is taken back out of the counts: its sender will
      // send it again, or has it bounced, and in neither case did it go out.
      charge = await this.limits.consume({ sessionId: session.id, state }, data.bytes.length);
      if (charge.refusal) return this.refuseForLimit(session, "message", charge.refusal, callback);
      const plan = decision.result!;
      // `remove header`: the names of the fields taken out, never their values (Bcc lists recipients).
      for (const name of plan.removed) this.log.info({ event: "removed-header", session: session.id, queueId, name }, "header field removed");
      let recipients = dedupeRecipients(transaction.recipients);
      const aliases = aliasesOf(this.graph);
      if (aliases && this.graph.aliases) {
        // RFC 6409 section 8.7: recipients expanded through the aliases file before delivery.
        const expanded = expandEnvelopeRecipients(aliases.table, recipients, this.graph.localDomains);
        for (const e of expanded.expansions) {
          this.log.info(
            {
              event: "alias-expansion",
              session: session.id,
              queueId,
              recipient: e.recipient,
              expandedTo: e.expandedTo,
              ...(e.problems.length > 0 ? { problems: e.problems } : {}),
            },
            "recipient expanded",
          );
        }
        if (expanded.recipients.length === 0) {
          await charge.refund();
          this.logRefusal(session, "aliases", Replies.aliasLoop, this.graph.aliases.origin, `no recipient left: ${expanded.nowhere.join(", ")}`);
          return callback(replyError(Replies.aliasLoop));
        }
        recipients = expanded.recipients;
      }
      const message = applyHeaderEdits(plan.bytes, plan.header, plan.edits);
      const envelope: Envelope = {
        mailFrom: transaction.mailFrom,
        recipients,
        dsn: transaction.dsn,
        smtputf8: transaction.smtputf8,
        ...(transaction.bodyType ? { bodyType: transaction.bodyType === "8BITMIME" ? "8BITMIME" : "7BIT" } : {}),
      };
      // DKIM signing is the last change to the message (RFC 6409 section 8.5); failing it refuses the message.
      let signed: Buffer;
      try {
        signed = this.signer ? await this.signer.sign(message, messageFromDomain(message)) : message;
      } catch (error) {
        if (!(error instanceof DkimSigningError)) throw error;
        await charge.refund();
        this.logRefusal(session, "sign", Replies.signingFailed, this.graph.dkim[0]!.origin, error.message);
        return callback(replyError(Replies.signingFailed));
      }
      const deliveryTimer = this.options.metrics?.time(this.options.metrics.deliveryDuration);
      const signer = this.signer;
      const outcome = await this.deliver(
        envelope,
        signed,
        {
          ...(state.login ? { login: state.login } : {}),
          clientAddress: state.clientAddress,
          heloName: state.heloName ?? "",
          sessionId: session.id,
          // The id in our Received field: the spool names its record with it.
          queueId,
        },
        // a message converted to 7-bit for the next hop is signed again (RFC 6376 section 5.3)
        signer ? { resign: (converted) => signer.resign(converted) } : {},
      );
      deliveryTimer?.();
      if (this.graph.deliver.kind === "Relay")
        this.options.metrics?.relayAttempts.inc({ result: outcome.kind === "accepted" ? "delivered" : outcome.kind === "temporary" ? "deferred" : "failed" });
      if (outcome.kind === "accepted") {
        this.options.metrics?.messagesAccepted.inc();
        this.options.metrics?.messageBytes.inc(signed.length);
        this.log.info(
          {
            event: "accept",
            session: session.id,
            client: state.clientAddress,
            login: state.login,
            queueId,
            ...(outcome.id !== queueId ? { deliveredAs: outcome.id } : {}),
            size: signed.length,
            recipients: envelope.recipients.length,
            ...(outcome.refused ? { refused: outcome.refused.length } : {}),
            from: envelope.mailFrom,
          },
          "message accepted",
        );
        this.logRefusedRecipients(session, queueId, envelope.mailFrom, outcome);
        return callback(null, `2.0.0 Ok: queued as ${queueId}`);
      }
      await charge.refund();
      const reply: Reply = { code: outcome.kind === "temporary" ? 451 : outcome.code, enhanced: outcome.enhanced, text: outcome.text };
      this.logRefusal(session, "deliver", reply, this.graph.deliver.origin, outcome.text);
      callback(replyError(reply));
    } catch (error) {
      // A client that drops the connection in mid-DATA is a warning, like any other client fault.
      if (error instanceof IncompleteMessageError)
        this.log.warn({ event: "client-gone", session: session.id, client: session.remoteAddress, err: error.message }, "client left during DATA");
      else this.log.error({ event: "data-error", session: session.id, err: (error as Error).message }, "message not taken");
      await charge?.refund().catch(() => undefined);
      callback(replyError(Replies.localError));
    }
  }

  /**
   * Recipients the next hop refused while it took the message for the others (the client's 250
   * stands for those): each one with the deliver rule, then what became of the sender's DSN.
   */
  private logRefusedRecipients(session: SMTPServerSession, queueId: string, sender: string, outcome: DeliveryOutcome & { kind: "accepted" }) {
    const rule = ruleLocation(this.graph.deliver.origin);
    for (const r of outcome.refused ?? []) {
      this.log.warn(
        { event: "recipient-refused", session: session.id, queueId, recipient: r.address, code: r.code, enhanced: r.enhanced, reply: r.text, rule },
        `recipient <${r.address}> refused by the next hop`,
      );
    }
    const report = outcome.refusalReport;
    if (!report) return;
    const fields = { event: "dsn", session: session.id, queueId, action: "failed", to: sender, ...report };
    if (report.result === "failed") this.log.error(fields, "DSN about refused recipients could not be sent");
    else this.log.info(fields, report.result === "sent" ? "DSN about refused recipients sent" : "no DSN about refused recipients");
  }

  private onClose(session: SMTPServerSession) {
    this.sessions.delete(session.id);
    this.options.metrics?.sessionsActive.dec();
    this.log.debug({ event: "close", session: session.id }, "closed");
  }
}

/** Waits until `server` has no connection left, at most `graceMs`; then 421 to whoever remains. */
async function drainSmtpServer(server: MsaSmtpServer, graceMs: number): Promise<void> {
  const internals = server as unknown as { connections: Set<{ send(code: number, text: string): void; close(): void }>; server: net.Server };
  const deadline = Date.now() + graceMs;
  while (internals.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const connection of internals.connections) {
    connection.send(421, "Server shutting down");
    connection.close();
  }
}
