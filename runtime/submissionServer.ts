// The submission server: one smtp-server per listener of the graph, each hook a
// thin call into the decision core, each verdict turned into a reply in one
// place (`replyError`). This file owns sockets, timers, logging and delivery;
// it decides nothing itself.
import type net from "node:net";
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from "smtp-server";
import { type Listener, listenerKey, type RuleGraph, ruleLocation } from "../graph/graph.js";
import { decide, type DecisionResult, type SmtpEvent } from "./decision/decide.js";
import { authMechanisms, ehloKeywords } from "./decision/authStage.js";
import type { LoginResult } from "./auth/loginBackend.js";
import type { TokenResult } from "./auth/oauthTokens.js";
import type { NotSigned } from "./decision/deliveryStage.js";
import type { DeliveryPlan } from "./decision/finishStage.js";
import { Replies, type Reply } from "../graph/replies.js";
import { newSession, type SessionState } from "./decision/session.js";
import { receivedProtocol } from "./decision/messageStage.js";
import type { Decision } from "./decision/verdict.js";
import type { DeliveryContext } from "./deliver/delivery.js";
import type { DeliveryOutcome } from "./deliver/envelope.js";
import { createSpoolId, LOCAL_CLIENT_ADDRESS } from "./deliver/spoolRecord.js";
import { GraphResources } from "./graphResources.js";
import { newMessageId } from "./message/messageId.js";
import { IncompleteMessageError, type MessageData, readMessageData } from "./message/readMessageData.js";
import { MsaSmtpServer, type ConnectionPolicy, type MsaConnection } from "./smtp/msaConnection.js";
import { replyError, replyText } from "./smtp/replyError.js";
import { logStage, SessionLog, type LoggedClient } from "./smtp/sessionLog.js";
import { ListenerSockets, type ProxiedPeer } from "./cluster/listenerSockets.js";
import { MaildropListener } from "./local/maildropListener.js";
import { plainAddress } from "./proxy/proxyProtocol.js";
import { randomHex } from "./randomHex.js";
import { negotiatedTlsOf } from "./smtp/negotiatedTls.js";
import { signPlan } from "./dkim/signPlan.js";
import { ServedCertificates, type SniCallback } from "./smtp/servedCertificates.js";
import type { MsaMetrics } from "./metrics/metrics.js";
import type { CounterStore } from "./limits/counterStore.js";
import { MilterSession } from "./milter/milterSession.js";
import { parseHeaderSection } from "./message/headerSection.js";
import { deadline as dataDeadline, type ServerLimits, smtpServerLimitOptions, type LimitRefusal } from "./limits/serverLimits.js";

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
  /** Replaces the quiet time between a certificate file's change and its reload (tests). */
  certificateDebounceMs?: number;
}

/** How rules and log events name the `listen local` listener (`on local { }` is not a listener key of a port). */
export const LOCAL_LISTENER = "local";

/** What `msac sendmail` dropped, with the login the drop file's owner maps to. */
export interface LocalSubmission {
  uid: number;
  login: string;
  sender: string;
  recipients: string[];
  /** The message with CRLF line endings, as on the wire (the drop file, read once). */
  message: Readable;
}

interface BoundListener {
  listener: Listener;
  server: MsaSmtpServer;
}

export class SubmissionServer implements ConnectionPolicy {
  private readonly sessions = new Map<string, SessionState>();
  /** Each session's connections to the policy's milters (only with `milter` rules). */
  private readonly milterSessions = new Map<string, MilterSession>();
  private readonly bound: BoundListener[] = [];
  private readonly log: Logger;
  /** The session's log events (refusals with their rule, accepted messages). */
  private readonly events: SessionLog;
  private sockets: ListenerSockets | null = null;
  /** What TLS handshakes present, reloaded when the files change; null without `tls certificate`. */
  private served: ServedCertificates | null = null;
  private maildrop: MaildropListener | null = null;
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

  /** `previous`: the certificates of the server this one replaces (a policy reload), kept for files that have gone bad since. */
  async start(previous: ServedCertificates | null = null): Promise<void> {
    await this.resources.load();
    const tls = this.startCertificates(previous);
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
    if (this.graph.localSubmission) {
      this.maildrop = new MaildropListener(this.graph.localSubmission.dir, (submission) => this.submitLocal(submission), this.log);
      await this.maildrop.bind();
    }
  }

  /** The certificates this server presents (handed to the next server at a policy reload). */
  get certificates(): ServedCertificates | null {
    return this.served;
  }

  /** Reads the certificates (a pair that cannot be served stops the start) and keeps every listener on the current default. */
  private startCertificates(previous: ServedCertificates | null): { cert?: string; key?: string; SNICallback?: SniCallback } {
    const { graph } = this;
    if (!graph.tls) return {};
    const served = new ServedCertificates(
      { ...graph, tls: graph.tls },
      {
        log: this.log,
        contextOptions: this.tlsVersions(),
        ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
        ...(this.options.certificateDebounceMs !== undefined ? { debounceMs: this.options.certificateDebounceMs } : {}),
      },
      previous,
    );
    this.served = served;
    // smtp-server reads its default context at each STARTTLS and implicit TLS handshake
    served.onDefaultChange(({ cert, key }) => {
      for (const { server } of this.bound) server.updateSecureContext({ cert, key });
    });
    const sni = served.sniCallback;
    return { cert: served.defaultCertificate.cert, key: served.defaultCertificate.key, ...(sni ? { SNICallback: sni } : {}) };
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
    const id = BigInt(`0x${randomHex(10)}`)
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
    // the next server (a reload) or nobody watches the certificate files from now on
    this.served?.close();
    this.maildrop?.close();
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

  private createServer(listener: Listener, tls: { cert?: string; key?: string; SNICallback?: SniCallback }): MsaSmtpServer {
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
      // OAUTHBEARER is msa's own (runtime/smtp/oauthBearer.ts); smtp-server's types do not know it.
      authMethods: authMechanisms(this.graph) as SMTPServerOptions["authMethods"],
      // STARTTLS only where the listener says so: elsewhere smtp-server would run it, unadvertised,
      // with its built-in certificate (found by test/fuzz).
      disabledCommands: [...(authMechanisms(this.graph).length > 0 ? [] : ["AUTH"]), ...(listener.mode === "starttls" ? [] : ["STARTTLS"])],
      disableReverseLookup: true,
      size: size ?? 0,
      ...this.tlsVersions(),
      logger: false,
      ...smtpServerLimitOptions(this.limits.config),
      onConnect: (session, callback) => this.onConnect(listener, session, callback),
      onSecure: (socket, session, callback) => this.onSecure(socket, session, callback),
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
    this.milterSessions.get(connection.id)?.abort();
    const state = this.sessions.get(connection.id);
    if (state?.transaction) this.apply(connection.session, state, { type: "reset" });
  }

  commandTimedOut(connection: MsaConnection): void {
    const refusal = this.limits.commandTimeout();
    this.events.refusal(connection.session, "command", refusal.reply, refusal.origin, refusal.detail);
    connection.send(refusal.reply.code, replyText(refusal.reply));
  }

  messageSizeLimit(connection: MsaConnection): number | null {
    const state = this.sessions.get(connection.id);
    return state ? this.apply(connection.session, state, { type: "data" }).result!.maxBytes : null;
  }

  closed(connection: MsaConnection): void {
    this.sessions.delete(connection.id);
  }

  // ---- smtp-server hooks ----

  private onConnect(listener: Listener, session: SMTPServerSession, callback: (error?: Error) => void) {
    const key = listenerKey(listener);
    const connection = this.connectionOf(session.id);
    // an implicit TLS session starts after its handshake: the socket already says what it settled
    const negotiatedTls = listener.mode === "tls" ? negotiatedTlsOf(connection?._socket) : undefined;
    this.apply(session, newSession(listener.mode, session.remoteAddress, key), {
      type: "connect",
      listenerMode: listener.mode,
      listener: key,
      clientAddress: session.remoteAddress,
      ...(negotiatedTls ? { negotiatedTls } : {}),
    });
    this.log.info({ event: "connect", session: session.id, client: session.remoteAddress, mode: listener.mode }, "connection");
    this.options.metrics?.sessionsTotal.inc();
    this.options.metrics?.sessionsActive.inc();
    this.limits.started(session.id);
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
  private refuseForLimit(session: LoggedClient, stage: string, refusal: LimitRefusal, callback: (error: Error) => void): void {
    this.events.refusal(session, stage, refusal.reply, refusal.origin, refusal.detail);
    callback(replyError(refusal.reply));
  }

  private onSecure(socket: unknown, session: SMTPServerSession, callback: (error?: Error) => void) {
    const state = this.sessions.get(session.id);
    // Implicit TLS sessions start with TLS; only a STARTTLS handshake is an event for the core.
    const negotiatedTls = negotiatedTlsOf(socket);
    if (state && !state.tls) this.apply(session, state, { type: "tls", ...(negotiatedTls ? { negotiatedTls } : {}) });
    callback();
  }

  /** The session as the core knows it. */
  private state(session: SMTPServerSession): SessionState {
    return this.sessions.get(session.id) ?? newSession("plain", session.remoteAddress);
  }

  /** Runs the core, stores the new state, logs a refusal with the rule that decided. */
  private apply<E extends SmtpEvent>(session: LoggedClient, state: SessionState, event: E): Decision<DecisionResult<E>> {
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

  private async onAuth(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
    callback: (error: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ) {
    const claimed = auth.username ?? "";
    // A bearer token names its own login (a claim); a client's SASL message may only repeat it.
    const bearer = (auth.method as string) === "OAUTHBEARER" || auth.method === "XOAUTH2";
    const { logins, tokens } = this.resources;
    let login = claimed;
    const client = { remoteAddress: session.remoteAddress, localAddress: session.localAddress, secured: session.secure };
    const check = async (): Promise<LoginResult> => {
      if (!bearer) return logins ? logins.verify(claimed, auth.password ?? "", client) : { kind: "rejected" };
      const result: TokenResult = tokens ? await tokens.verify(auth.accessToken ?? "", claimed) : { kind: "rejected", reason: "no `auth oauth` rule" };
      if (result.kind !== "accepted") return result;
      login = result.login;
      return { kind: "accepted" };
    };
    // A bearer token without `a=` names no login until it is checked: its failures count against the
    // client's address alone (a name no login can have), not under one login "" shared by every bearer client.
    const throttledAs = bearer && claimed === "" ? `\0bearer ${session.remoteAddress}` : claimed;
    const outcome = await this.limits.authenticate(session.id, session.remoteAddress, throttledAs, check);
    const source = bearer ? this.graph.oauth && `oauth ${this.graph.oauth.kind === "jwt" ? this.graph.oauth.issuer : this.graph.oauth.url}` : logins?.name;
    // The session closed while waiting for a verification slot: there is no one to answer.
    if (outcome.kind === "cancelled") return;
    if (outcome.kind === "refused") return this.refuseForLimit(session, "auth", outcome.refusal, callback);
    if (outcome.kind === "unavailable") {
      this.log.warn(
        { event: "auth-unavailable", session: session.id, client: session.remoteAddress, login, method: auth.method, source, reason: outcome.reason },
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
          ...(outcome.reason ? { reason: outcome.reason } : {}),
          ...(outcome.blocked.length ? { blocked: outcome.blocked } : {}),
        },
        "authentication failed",
      );
      this.options.metrics?.authTotal.inc({ result: "failed" });
      // RFC 7628 section 3.2.2: a bearer failure is first a challenge holding the error; the client's
      // empty answer then gets the 535.
      const failed = () =>
        bearer ? callback(null, { data: { status: auth.method === "XOAUTH2" ? "401" : "invalid_token", schemes: "bearer" } }) : callback(replyError(Replies.authFailed));
      setTimeout(() => (outcome.drop ? this.refuseForLimit(session, "auth", outcome.drop, callback) : failed()), this.options.failedAuthDelayMs ?? outcome.delayMs);
      return;
    }
    // The source's name for the login (Dovecot may canonicalise it) is the one rights and logs use.
    const recorded = outcome.login ?? login;
    this.apply(session, this.state(session), { type: "authenticated", login: recorded, ...(outcome.addresses ? { addresses: outcome.addresses } : {}) });
    this.log.info(
      { event: "auth", session: session.id, client: session.remoteAddress, login: recorded, method: auth.method, ...(recorded !== login ? { typed: login } : {}) },
      "authenticated",
    );
    this.options.metrics?.authTotal.inc({ result: "ok" });
    callback(null, { user: recorded });
  }

  private onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error) => void) {
    const params = (address.args || {}) as Record<string, string | true>;
    const decision = this.apply(session, this.state(session), { type: "mail", address: address.address, params });
    if (decision.verdict.kind === "refuse") return callback(replyError(decision.verdict.reply));
    address.address = decision.result ?? address.address;
    const takeMail = () => {
      const rate = this.limits.checkMail({ sessionId: session.id, state: decision.state }, address.address, decision.state.transaction?.declaredSize ?? null);
      const sender = address.address;
      this.gate(session, "mail", rate, (error) => (error ? callback(error) : this.guardMilters(session, this.milterMail(session, sender, params, callback), callback)), {
        ...decision.state,
        transaction: null,
      });
    };
    // in-flow control: a message that would be taken waits while the queue runner is behind (at
    // most a second); a session that closed meanwhile is gone, and nobody is left to answer
    const wait = this.resources.deliver.room?.();
    if (!wait) return takeMail();
    this.log.debug({ event: "in-flow-wait", session: session.id }, "MAIL waits: the queue runner is behind");
    void wait.then(() => {
      if (this.sessions.has(session.id)) takeMail();
    });
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
    const recipient = address.address;
    this.gate(
      session,
      "rcpt",
      this.limits.checkRcpt({ sessionId: session.id, state: before }),
      (error) => (error ? callback(error) : this.guardMilters(session, this.milterRcpt(session, recipient, params, callback), callback)),
      before,
    );
  }

  /** A milter exchange that went wrong in msa itself (a milter's own failure is an answer): 451, never a crash. */
  private guardMilters(session: SMTPServerSession, exchange: Promise<void>, callback: (error?: Error) => void): void {
    exchange.catch((error: Error) => {
      this.log.error({ event: "milter-error", session: session.id, err: error.message }, "milter exchange failed");
      callback(replyError(Replies.localError));
    });
  }

  /** The session's milters, opened on first use; null when the policy has none. */
  private milters(session: LoggedClient): MilterSession | null {
    if (!this.graph.milters?.length) return null;
    let milters = this.milterSessions.get(session.id);
    if (!milters) {
      milters = new MilterSession(this.graph.milters);
      this.milterSessions.set(session.id, milters);
    }
    return milters;
  }

  /** MAIL FROM shown to each milter in order; the first refusal the core decides on is the reply. */
  private async milterMail(session: SMTPServerSession, sender: string, params: Record<string, string | true>, callback: (error?: Error) => void): Promise<void> {
    const milters = this.milters(session);
    if (!milters) return callback();
    const state = this.state(session);
    const client = { hostname: this.graph.hostname, clientAddress: session.remoteAddress, clientPort: session.remotePort, heloName: state.heloName ?? "", login: state.login };
    for (let milter = 0; milter < milters.milters.length; milter++) {
      const answer = await milters.mail(milter, client, sender, esmtpParameters(params));
      // The client left while the milter thought: nobody to answer.
      if (!this.sessions.has(session.id)) return;
      const decision = this.apply(session, this.state(session), { type: "milter", stage: "mail", milter, answer });
      if (decision.verdict.kind === "refuse") {
        milters.abort();
        return callback(replyError(decision.verdict.reply));
      }
    }
    callback();
  }

  /** RCPT TO shown to each milter in order: a refusal refuses this recipient only (per-stage, as Postfix). */
  private async milterRcpt(session: SMTPServerSession, recipient: string, params: Record<string, string | true>, callback: (error?: Error) => void): Promise<void> {
    const milters = this.milters(session);
    if (!milters) return callback();
    for (let milter = 0; milter < milters.milters.length; milter++) {
      const answer = await milters.rcpt(milter, recipient, esmtpParameters(params));
      if (!this.sessions.has(session.id)) return;
      const decision = this.apply(session, this.state(session), { type: "milter", stage: "rcpt", milter, answer });
      if (decision.verdict.kind === "refuse") return callback(replyError(decision.verdict.reply));
    }
    callback();
  }

  /**
   * The message as msa would hand it on (its own header edits made) shown to each milter in order,
   * each seeing what the one before changed; the core turns each answer into a refusal, a discard
   * or the next plan. `sign dkim` signs afterwards, what the milters left.
   */
  private async milterMessage(
    session: LoggedClient,
    state: SessionState,
    plan: DeliveryPlan,
    queueId: string,
  ): Promise<{ kind: "refuse"; reply: Reply } | { kind: "discard"; reply: Reply } | { kind: "deliver"; plan: DeliveryPlan }> {
    const milters = this.milters(session);
    if (!milters) return { kind: "deliver", plan };
    let current = plan;
    try {
      for (let milter = 0; milter < milters.milters.length; milter++) {
        const { fields, body } = milterView(current.message);
        const answer = await milters.message(milter, queueId, fields, body);
        const decision = this.apply(session, state, { type: "milterMessage", milter, plan: current, answer, leadingSpace: milters.leadingSpace(milter) });
        if (decision.verdict.kind === "refuse") return { kind: "refuse", reply: decision.verdict.reply };
        const result = decision.result!;
        if (result.kind === "discard") {
          this.log.info({ event: "discarded", session: session.id, queueId, rule: ruleLocation(this.graph.milters![milter]!.origin) }, "message discarded by a milter");
          return result;
        }
        current = result.plan;
      }
      return { kind: "deliver", plan: current };
    } finally {
      // Milters after a refusal saw MAIL and RCPT but never the message.
      milters.abort();
    }
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null, message?: string) => void) {
    const state = this.state(session);
    try {
      const reading = this.apply(session, state, { type: "data" }).result!;
      const endDataPhase = dataDeadline(this.limits.config.timeouts.dataMs, () => this.dataTimedOut(session));
      const data = await readMessageData(stream, { maxBytes: reading.maxBytes }).finally(endDataPhase);
      const taken = await this.takeMessage(session, state, data);
      if (taken.accepted) callback(null, replyText(taken.reply));
      else callback(replyError(taken.reply));
    } catch (error) {
      // A client that drops the connection in mid-DATA is a warning, like any other client fault.
      if (error instanceof IncompleteMessageError)
        this.log.warn({ event: "client-gone", session: session.id, client: session.remoteAddress, err: error.message }, "client left during DATA");
      else this.log.error({ event: "data-error", session: session.id, err: (error as Error).message }, "message not taken");
      callback(replyError(Replies.localError));
    }
  }

  /**
   * The message of a transaction, read in full: judged by the message stage, counted by the rate
   * rules, signed and delivered, and the outcome turned into the reply. SMTP's DATA and a local
   * submission end here alike. Throws only for our own faults (the caller answers 451).
   */
  private async takeMessage(session: LoggedClient, state: SessionState, data: MessageData): Promise<{ accepted: boolean; reply: Reply }> {
    const queueId = createSpoolId();
    const decision = this.apply(session, state, { type: "message", ...data, now: new Date(), queueId, messageId: newMessageId(this.graph.hostname) });
    if (decision.verdict.kind === "refuse") return { accepted: false, reply: decision.verdict.reply };
    // Milters see the message of an SMTP session that showed them its envelope; a local submission has none.
    const shown = this.milterSessions.has(session.id)
      ? await this.milterMessage(session, state, decision.result!, queueId)
      : ({ kind: "deliver", plan: decision.result! } as const);
    if (shown.kind !== "deliver") return { accepted: shown.kind === "discard", reply: shown.reply };
    const plan = shown.plan;
    // Counted now, all rate rules or none: the last refusal before delivery (docs/limits.md).
    // A message refused after this point is taken back out of the counts: its sender will
    // send it again, or has it bounced, and in neither case did it go out.
    const charge = await this.limits.consume({ sessionId: session.id, state }, data.bytes.length);
    if (charge.refusal) return this.limitRefusal(session, "message", charge.refusal);
    try {
      this.events.plan(session, queueId, plan);
      const { outcome, size } = await this.signAndDeliver(plan, state, session, queueId);
      const delivered = this.apply(session, state, { type: "delivery", plan, queueId, outcome });
      if (this.graph.deliver.kind === "Relay" && outcome.kind !== "notSigned")
        this.options.metrics?.relayAttempts.inc({ result: outcome.kind === "accepted" ? "delivered" : outcome.kind === "temporary" ? "deferred" : "failed" });
      if (delivered.verdict.kind === "refuse") {
        await charge.refund();
        return { accepted: false, reply: delivered.verdict.reply };
      }
      if (outcome.kind === "accepted") this.events.accepted(session, state, queueId, plan, outcome, size);
      return { accepted: true, reply: delivered.result! };
    } catch (error) {
      await charge.refund().catch(() => undefined);
      throw error;
    }
  }

  /** A limit's refusal, logged with its rule. */
  private limitRefusal(session: LoggedClient, stage: string, refusal: LimitRefusal): { accepted: false; reply: Reply } {
    this.events.refusal(session, stage, refusal.reply, refusal.origin, refusal.detail);
    return { accepted: false, reply: refusal.reply };
  }

  /**
   * A message a local user dropped for `listen local` (runtime/local/maildropListener.ts): one
   * session of the user's login, fed to the core as SMTP's events are, so `msac simulate` and the
   * wire cannot disagree. Every recipient must pass: the caller (`msac sendmail`) gets one verdict.
   */
  async submitLocal(submission: LocalSubmission): Promise<{ accepted: boolean; reply: Reply }> {
    const session: LoggedClient = { id: `local-${createSpoolId()}`, remoteAddress: LOCAL_CLIENT_ADDRESS };
    const listener = LOCAL_LISTENER;
    let state = this.apply(session, newSession("plain", session.remoteAddress, listener), {
      type: "connect",
      listenerMode: "plain",
      listener,
      clientAddress: session.remoteAddress,
      localUid: submission.uid,
    }).state;
    this.log.info({ event: "local-submission", session: session.id, uid: submission.uid, login: submission.login }, "local submission");
    try {
      state = this.apply(session, state, { type: "authenticated", login: submission.login }).state;
      // Local text may hold 8-bit bytes, as mail(1) and cron write it: declared as an ESMTP client
      // would (RFC 6152), so a next hop without 8BITMIME gets it converted to 7-bit MIME.
      const mail = this.apply(session, state, { type: "mail", address: submission.sender, params: { BODY: "8BITMIME" } });
      if (mail.verdict.kind === "refuse") return { accepted: false, reply: mail.verdict.reply };
      const mailRate = await this.limits.checkMail({ sessionId: session.id, state: mail.state }, mail.result ?? submission.sender, null);
      if (mailRate) return this.limitRefusal(session, "mail", mailRate);
      state = mail.state;
      for (const recipient of submission.recipients) {
        const rcpt = this.apply(session, state, { type: "rcpt", address: recipient, params: {} });
        if (rcpt.verdict.kind === "refuse") return { accepted: false, reply: rcpt.verdict.reply };
        const rcptRate = await this.limits.checkRcpt({ sessionId: session.id, state });
        if (rcptRate) return this.limitRefusal(session, "rcpt", rcptRate);
        state = rcpt.state;
      }
      const maxBytes = this.apply(session, state, { type: "data" }).result!.maxBytes;
      const data = await readMessageData(submission.message, { maxBytes });
      return await this.takeMessage(session, state, data);
    } catch (error) {
      this.log.error({ event: "data-error", session: session.id, err: (error as Error).message }, "message not taken");
      return { accepted: false, reply: Replies.localError };
    } finally {
      this.limits.release(session.id);
    }
  }

  /** Carries out a delivery plan: signs with the signer the graph made, then hands the message on. */
  private async signAndDeliver(
    plan: DeliveryPlan,
    state: SessionState,
    session: LoggedClient & { remotePort?: number },
    queueId: string,
  ): Promise<{ outcome: DeliveryOutcome | NotSigned; size: number }> {
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
        ...(session.remotePort ? { clientPort: session.remotePort } : {}),
        heloName: state.heloName ?? "",
        protocol: receivedProtocol(state),
        sessionId: session.id,
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
    this.milterSessions.get(session.id)?.close();
    this.milterSessions.delete(session.id);
    this.options.metrics?.sessionsActive.dec();
    this.log.debug({ event: "close", session: session.id }, "closed");
  }
}

/** ESMTP parameters as milters take them: `KEY=VALUE`, or `KEY` alone. */
function esmtpParameters(params: Record<string, string | true>): string[] {
  return Object.entries(params).map(([key, value]) => (value === true ? key : `${key}=${value}`));
}

/** A message as milters are shown it: each field's text after the colon (line breaks as LF, as Sendmail and Postfix send them) and the body. */
function milterView(message: Buffer): { fields: { name: string; value: string }[]; body: Buffer } {
  const parsed = parseHeaderSection(message);
  if (!parsed.ok) throw new Error(`message to show the milters does not parse: ${parsed.reason}`);
  const fields = parsed.header.fields.map((field) => {
    const colon = message.indexOf(0x3a, field.start);
    return { name: field.name, value: message.toString("utf8", colon + 1, field.end - 2).replace(/\r\n/g, "\n") };
  });
  return { fields, body: message.subarray(parsed.header.headerEnd) };
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
