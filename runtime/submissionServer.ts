// The submission server: one smtp-server per listener of the graph, each hook a
// thin call into the decision core, each verdict turned into a reply in one
// place (`replyError`). This file owns sockets, timers, logging and delivery;
// it decides nothing itself.
import { type SniCallback, sniCallbackOf } from "./smtp/sniCertificates.js";
import crypto from "node:crypto";
import fs from "node:fs";
import type net from "node:net";
import type { Logger } from "pino";
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from "smtp-server";
import { type Listener, listenerKey, type RuleGraph } from "../graph/graph.js";
import { decide, type DecisionResult, type SmtpEvent } from "./decision/decide.js";
import { ehloKeywords } from "./decision/authStage.js";
import type { NotSigned } from "./decision/deliveryStage.js";
import type { DeliveryPlan } from "./decision/finishStage.js";
import { Replies } from "../graph/replies.js";
import { newSession, type SessionState } from "./decision/session.js";
import type { Decision } from "./decision/verdict.js";
import type { DeliveryContext } from "./deliver/delivery.js";
import type { DeliveryOutcome } from "./deliver/envelope.js";
import { createSpoolId } from "./deliver/spoolRecord.js";
import { GraphResources } from "./graphResources.js";
import { newMessageId } from "./message/messageId.js";
import { IncompleteMessageError, readMessageData } from "./message/readMessageData.js";
import { MsaSmtpServer, type ConnectionPolicy, type MsaConnection } from "./smtp/msaConnection.js";
import { replyError, replyText } from "./smtp/replyError.js";
import { logStage, SessionLog, type LoggedClient } from "./smtp/sessionLog.js";
import { ListenerSockets, type ProxiedPeer } from "./cluster/listenerSockets.js";
import { plainAddress } from "./proxy/proxyProtocol.js";
import { signPlan } from "./dkim/signPlan.js";
import type { MsaMetrics } from "./metrics/metrics.js";
import type { CounterStore } from "./limits/counterStore.js";
import { deadline as dataDeadline, type ServerLimits, smtpServerLimitOptions, type LimitRefusal, type RateCharge } from "./limits/serverLimits.js";

/** The longest an implicit TLS handshake may take (nginx and HAProxy allow about as long). */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long a graceful stop waits for sessions in flight. */
const STOP_GRACE_MS = 30_000;

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

interface BoundListener {
  listener: Listener;
  server: MsaSmtpServer;
}

export class SubmissionServer implements ConnectionPolicy {
  private readonly sessions = new Map<string, SessionState>();
  private readonly bound: BoundListener[] = [];
  private readonly log: Logger;
  /** The session's log events (refusals with their rule, accepted messages). */
  private readonly events: SessionLog;
  private sockets: ListenerSockets | null = null;
  /** The users, tables, signer, delivery and counters made from the graph. */
  private readonly resources: GraphResources;

  constructor(
    readonly graph: RuleGraph,
    private readonly options: SubmissionServerOptions,
  ) {
    this.log = options.log;
    this.events = new SessionLog(options.log, options.metrics, graph.deliver.origin);
    this.resources = new GraphResources(graph, {
      log: options.log,
      ...(options.delivery ? { delivery: options.delivery } : {}),
      ...(options.limitsStore ? { limitsStore: options.limitsStore } : {}),
    });
  }

  /** Session slots, rate rules, AUTH throttling and the error cap (runtime/limits/serverLimits.ts). */
  get limits(): ServerLimits {
    return this.resources.limits;
  }

  /** The ports actually bound, in listener order. */
  get ports(): number[] {
    return this.sockets?.ports ?? [];
  }

  async start(): Promise<void> {
    await this.resources.load();
    const versions = this.tlsVersions();
    const sni = sniCallbackOf(this.graph, versions);
    const tls = this.graph.tls ? { cert: fs.readFileSync(this.graph.tls.certificate), key: fs.readFileSync(this.graph.tls.key), ...(sni ? { SNICallback: sni } : {}) } : {};
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
    this.events.refusal(client, "connect", refusal.reply, refusal.origin, refusal.detail);
    socket.on("error", () => undefined);
    if (listener.mode === "tls") return void socket.destroy();
    socket.end(`${refusal.reply.code} ${refusal.reply.enhanced} ${refusal.reply.text}\r\n`);
    socket.setTimeout(1000, () => socket.destroy());
  }

  /** Stops accepting, lets sessions in flight finish (bounded by `graceMs`), then closes them with 421. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.sockets?.close();
    await Promise.all(this.bound.map(({ server }) => drainSmtpServer(server, graceMs)));
    await this.resources.close();
    this.log.info({ event: "stopped" }, "stopped");
  }

  /** `tls protocols` and `tls ciphers`: the lowest and highest version written (RFC 8996: never below TLS 1.2), the cipher list. */
  private tlsVersions(): { minVersion: "TLSv1.2" | "TLSv1.3"; maxVersion: "TLSv1.2" | "TLSv1.3"; ciphers?: string } {
    return {
      minVersion: this.graph.tlsProtocols.includes("TLSv1.2") ? "TLSv1.2" : "TLSv1.3",
      maxVersion: this.graph.tlsProtocols.includes("TLSv1.3") ? "TLSv1.3" : "TLSv1.2",
      ...(this.graph.tlsCiphers ? { ciphers: this.graph.tlsCiphers } : {}),
    };
  }

  private createServer(listener: Listener, tls: { cert?: Buffer; key?: Buffer; SNICallback?: SniCallback }): MsaSmtpServer {
    const size = ehloKeywords(this.graph, newSession(listener.mode, "", listenerKey(listener))).size;
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
      disabledCommands: [...(this.graph.logins ? [] : ["AUTH"]), ...(listener.mode === "starttls" ? [] : ["STARTTLS"])],
      disableReverseLookup: true,
      size: size ?? 0,
      ...this.tlsVersions(),
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
    server.on("error", (error: Error) => this.events.serverError(error));
    return server;
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

  greeted(connection: MsaConnection, name: string, extended: boolean): void {
    const state = this.sessions.get(connection.id);
    if (state) this.apply(connection.session, state, { type: "helo", name, extended });
  }

  transactionReset(connection: MsaConnection): void {
    const state = this.sessions.get(connection.id);
    if (state?.transaction) this.apply(connection.session, state, { type: "reset" });
  }

  commandTimedOut(connection: MsaConnection): void {
    const refusal = this.limits.commandTimeout();
    this.events.refusal(connection.session, "command", refusal.reply, refusal.origin, refusal.detail);
    connection.send(refusal.reply.code, replyText(refusal.reply));
  }

  closed(connection: MsaConnection): void {
    this.sessions.delete(connection.id);
  }

  // ---- smtp-server hooks ----

  private onConnect(listener: Listener, session: SMTPServerSession, callback: (error?: Error) => void) {
    const key = listenerKey(listener);
    this.apply(session, newSession(listener.mode, session.remoteAddress, key), {
      type: "connect",
      listenerMode: listener.mode,
      listener: key,
      clientAddress: session.remoteAddress,
    });
    this.log.info({ event: "connect", session: session.id, client: session.remoteAddress, mode: listener.mode }, "connection");
    this.options.metrics?.sessionsTotal.inc();
    this.options.metrics?.sessionsActive.inc();
    this.limits.started(session.id);
    const connection = this.connectionOf(session.id);
    if (connection) this.limits.guard(connection, session.id, (refusal) => this.events.refusal(session, "command", refusal.reply, refusal.origin, refusal.detail));
    callback();
  }

  private connectionOf(id: string): MsaConnection | undefined {
    return this.bound.map((b) => b.server.connectionsById.get(id)).find((c) => c !== undefined);
  }

  /** `timeout data` ran out before the final dot: 421 4.4.2, and smtp-server closes the connection. */
  private dataTimedOut(session: SMTPServerSession): void {
    const refusal = this.limits.dataTimeout();
    this.events.refusal(session, "data", refusal.reply, refusal.origin, refusal.detail);
    this.connectionOf(session.id)?.send(refusal.reply.code, replyText(refusal.reply));
  }

  /** A limit's refusal: logged with its rule, answered through `replyError` like the core's. */
  private refuseForLimit(session: SMTPServerSession, stage: string, refusal: LimitRefusal, callback: (error: Error) => void): void {
    this.events.refusal(session, stage, refusal.reply, refusal.origin, refusal.detail);
    callback(replyError(refusal.reply));
  }

  private onSecure(session: SMTPServerSession, callback: (error?: Error) => void) {
    const state = this.sessions.get(session.id);
    // Implicit TLS sessions start with TLS; only a STARTTLS handshake is an event for the core.
    if (state && !state.tls) this.apply(session, state, { type: "tls" });
    callback();
  }

  /** The session as the core knows it. */
  private state(session: SMTPServerSession): SessionState {
    return this.sessions.get(session.id) ?? newSession("plain", session.remoteAddress);
  }

  /** Runs the core, stores the new state, logs a refusal with the rule that decided. */
  private apply<E extends SmtpEvent>(session: SMTPServerSession, state: SessionState, event: E): Decision<DecisionResult<E>> {
    const decisionTimer = this.options.metrics?.time(this.options.metrics.decisionDuration);
    // Senders files are reloaded when they change (LiveTables).
    const decision = decide(this.graph, state, event, this.resources.tables);
    decisionTimer?.();
    this.sessions.set(session.id, decision.state);
    // `observe RULE`: what the rule would have refused, logged; the session goes on.
    const stage = logStage(event, decision);
    for (const seen of decision.observations ?? []) this.events.refusal(session, stage, seen.reply, seen.origin, seen.detail, "would-reject");
    if (decision.verdict.kind === "refuse") this.events.refusal(session, stage, decision.verdict.reply, decision.verdict.origin, decision.trace.at(-1)?.detail);
    else this.events.rewrites(session, decision.trace);
    return decision;
  }

  private async onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback: (error: Error | null | undefined, response?: { user: string }) => void) {
    const login = auth.username ?? "";
    const logins = this.resources.logins;
    const outcome = await this.limits.authenticate(session.id, session.remoteAddress, login, () =>
      logins ? logins.verify(login, auth.password ?? "") : Promise.resolve({ kind: "rejected" } as const),
    );
    // The session closed while waiting for a verification slot: there is no one to answer.
    if (outcome.kind === "cancelled") return;
    if (outcome.kind === "refused") return this.refuseForLimit(session, "auth", outcome.refusal, callback);
    if (outcome.kind === "unavailable") {
      this.log.warn(
        { event: "auth-unavailable", session: session.id, client: session.remoteAddress, login, method: auth.method, source: logins?.name, reason: outcome.reason },
        "the login source did not answer",
      );
      this.options.metrics?.authTotal.inc({ result: "unavailable" });
      return callback(replyError(Replies.authUnavailable));
    }
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
    this.apply(session, this.state(session), { type: "authenticated", login, ...(outcome.addresses ? { addresses: outcome.addresses } : {}) });
    this.log.info({ event: "auth", session: session.id, client: session.remoteAddress, login, method: auth.method }, "authenticated");
    this.options.metrics?.authTotal.inc({ result: "ok" });
    callback(null, { user: login });
  }

  private onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error) => void) {
    const params = (address.args || {}) as Record<string, string | true>;
    const decision = this.apply(session, this.state(session), { type: "mail", address: address.address, params });
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
    let charge: RateCharge | undefined;
    try {
      const reading = this.apply(session, state, { type: "data" }).result!;
      const endDataPhase = dataDeadline(this.limits.config.timeouts.dataMs, () => this.dataTimedOut(session));
      const data = await readMessageData(stream, { maxBytes: reading.maxBytes }).finally(endDataPhase);
      const queueId = createSpoolId();
      const decision = this.apply(session, state, { type: "message", ...data, now: new Date(), queueId, messageId: newMessageId(this.graph.hostname) });
      if (decision.verdict.kind === "refuse") return callback(replyError(decision.verdict.reply));
      const plan = decision.result!;
      // Counted now, all rate rules or none: the last refusal before delivery (docs/limits.md).
      // A message refused after this point is taken back out of the counts: its sender will
      // send it again, or has it bounced, and in neither case did it go out.
      charge = await this.limits.consume({ sessionId: session.id, state }, data.bytes.length);
      if (charge.refusal) return this.refuseForLimit(session, "message", charge.refusal, callback);
      this.events.plan(session, queueId, plan);
      const { outcome, size } = await this.signAndDeliver(plan, state, session.id, queueId);
      const delivered = this.apply(session, state, { type: "delivery", plan, queueId, outcome });
      if (this.graph.deliver.kind === "Relay" && outcome.kind !== "notSigned")
        this.options.metrics?.relayAttempts.inc({ result: outcome.kind === "accepted" ? "delivered" : outcome.kind === "temporary" ? "deferred" : "failed" });
      if (delivered.verdict.kind === "refuse") {
        await charge.refund();
        return callback(replyError(delivered.verdict.reply));
      }
      if (outcome.kind === "accepted") this.events.accepted(session, state, queueId, plan, outcome, size);
      callback(null, replyText(delivered.result!));
    } catch (error) {
      // A client that drops the connection in mid-DATA is a warning, like any other client fault.
      if (error instanceof IncompleteMessageError)
        this.log.warn({ event: "client-gone", session: session.id, client: session.remoteAddress, err: error.message }, "client left during DATA");
      else this.log.error({ event: "data-error", session: session.id, err: (error as Error).message }, "message not taken");
      await charge?.refund().catch(() => undefined);
      callback(replyError(Replies.localError));
    }
  }

  /** Carries out a delivery plan: signs with the signer the graph made, then hands the message on. */
  private async signAndDeliver(plan: DeliveryPlan, state: SessionState, sessionId: string, queueId: string): Promise<{ outcome: DeliveryOutcome | NotSigned; size: number }> {
    const signer = this.resources.signer;
    const signing = await signPlan(signer, plan);
    if (!signing.signed) return { outcome: signing.notSigned, size: plan.message.length };
    const signed = signing.bytes;
    const deliveryTimer = this.options.metrics?.time(this.options.metrics.deliveryDuration);
    const outcome = await this.resources.deliver(
      plan.envelope,
      signed,
      {
        ...(state.login ? { login: state.login } : {}),
        clientAddress: state.clientAddress,
        heloName: state.heloName ?? "",
        sessionId,
        // The id in our Received field: the spool names its record with it.
        queueId,
      },
      // a message converted to 7-bit for the next hop is signed again (RFC 6376 section 5.3)
      signer ? { resign: (converted) => signer.resign(converted) } : {},
    );
    deliveryTimer?.();
    return { outcome, size: signed.length };
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
