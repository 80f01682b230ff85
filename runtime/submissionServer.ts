// The submission server: one smtp-server per listener of the graph, each hook a
// thin call into the decision core, each verdict turned into a reply in one
// place (`replyError`). This file owns sockets, timers, logging and delivery;
// it decides nothing itself.
import fs from "node:fs";
import type { Logger } from "pino";
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from "smtp-server";
import { ruleLocation, type Listener, type RuleGraph, type RuleOrigin } from "../compiler/graph.js";
import { loadUserTable, type UserTable } from "./auth/userTable.js";
import { decide, type SmtpEvent } from "./decision/decide.js";
import { ehloKeywords } from "./decision/authStage.js";
import type { MessagePlan } from "./decision/messageStage.js";
import { Replies, type Reply } from "./decision/replies.js";
import { newSession, type SessionState } from "./decision/session.js";
import type { Decision } from "./decision/verdict.js";
import { createDelivery, type Deliver } from "./deliver/delivery.js";
import type { Envelope } from "./deliver/envelope.js";
import { createSpoolId } from "./deliver/spoolRecord.js";
import { applyHeaderEdits } from "./message/headerEdits.js";
import { newMessageId } from "./message/messageId.js";
import { readMessageData } from "./message/readMessageData.js";
import { MsaSmtpServer, type ConnectionPolicy, type MsaConnection } from "./smtp/msaConnection.js";
import { replyError, replyText } from "./smtp/replyError.js";

/** A failed login waits this long before its 535, so guessing passwords is slow. */
const FAILED_AUTH_DELAY_MS = 1000;
/** How long a graceful stop waits for sessions in flight. */
const STOP_GRACE_MS = 30_000;

export interface SubmissionServerOptions {
  log: Logger;
  /** Replaces the ports of the graph's listeners, in order (tests bind port 0). */
  portOverride?: number[];
  failedAuthDelayMs?: number;
}

interface BoundListener {
  listener: Listener;
  server: MsaSmtpServer;
  port: number;
}

export class SubmissionServer implements ConnectionPolicy {
  private readonly sessions = new Map<string, SessionState>();
  private readonly bound: BoundListener[] = [];
  private users: UserTable | null = null;
  private readonly deliver: Deliver;
  private readonly log: Logger;

  constructor(readonly graph: RuleGraph, private readonly options: SubmissionServerOptions) {
    this.log = options.log;
    this.deliver = createDelivery(graph.deliver, graph.hostname);
  }

  /** The ports actually bound, in listener order. */
  get ports(): number[] {
    return this.bound.map((b) => b.port);
  }

  async start(): Promise<void> {
    if (this.graph.users) this.users = await loadUserTable(this.graph.users.path);
    for (const warning of this.users?.warnings ?? []) {
      this.log.warn({ event: "users-file", line: warning.line, message: warning.message }, "users file line skipped");
    }
    const tls = this.graph.tls
      ? { cert: fs.readFileSync(this.graph.tls.certificate), key: fs.readFileSync(this.graph.tls.key) }
      : {};
    for (const [index, listener] of this.graph.listeners.entries()) {
      const server = this.createServer(listener, tls);
      const port = this.options.portOverride?.[index] ?? listener.port;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, listener.host ?? undefined, () => {
          server.off("error", reject);
          resolve();
        });
      });
      const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
      this.bound.push({ listener, server, port: address.port });
      this.log.info({ event: "listening", host: listener.host ?? "*", port: address.port, mode: listener.mode }, "listening");
    }
  }

  /** Stops accepting, lets sessions in flight finish (bounded), then closes. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    await Promise.all(
      this.bound.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            const s = server as unknown as { options: { closeTimeout: number } };
            s.options.closeTimeout = graceMs;
            server.close(() => resolve());
          }),
      ),
    );
    this.log.info({ event: "stopped" }, "stopped");
  }

  private createServer(listener: Listener, tls: { cert?: Buffer; key?: Buffer }): MsaSmtpServer {
    const size = ehloKeywords(this.graph, newSession(listener.mode, "")).size;
    const server: MsaSmtpServer = new MsaSmtpServer(this, {
      ...tls,
      name: this.graph.hostname,
      banner: "ESMTP msa",
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
      disabledCommands: this.graph.users ? [] : ["AUTH"],
      disableReverseLookup: true,
      size: size ?? 0,
      minVersion: "TLSv1.2",
      logger: false,
      onConnect: (session, callback) => this.onConnect(listener, session, callback),
      onSecure: (_socket, session, callback) => this.onSecure(session, callback),
      onAuth: (auth, session, callback) => void this.onAuth(auth, session, callback),
      onMailFrom: (address, session, callback) => this.onMailFrom(address, session, callback),
      onRcptTo: (address, session, callback) => this.onRcptTo(address, session, callback),
      onData: (stream, session, callback) => void this.onData(stream, session, callback),
      onClose: (session) => this.onClose(session),
    });
    server.on("error", (error: Error) => this.log.error({ event: "server-error", err: error.message }, "server error"));
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

  closed(connection: MsaConnection): void {
    this.sessions.delete(connection.id);
  }

  // ---- smtp-server hooks ----

  private onConnect(listener: Listener, session: SMTPServerSession, callback: (error?: Error) => void) {
    this.sessions.set(session.id, newSession(listener.mode, session.remoteAddress));
    this.log.info({ event: "connect", session: session.id, client: session.remoteAddress, mode: listener.mode }, "connection");
    callback();
  }

  private onSecure(session: SMTPServerSession, callback: (error?: Error) => void) {
    const state = this.sessions.get(session.id);
    if (state && !state.tls) this.sessions.set(session.id, { ...state, tls: true, heloName: null, transaction: null });
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
  private apply<T>(session: SMTPServerSession, state: SessionState, event: SmtpEvent): Decision<T> {
    const decision = decide(this.graph, state, event) as Decision<T>;
    this.sessions.set(session.id, decision.state);
    if (decision.verdict.kind === "refuse") this.logRefusal(session, event.type, decision.verdict.reply, decision.verdict.origin);
    return decision;
  }

  private logRefusal(session: SMTPServerSession, stage: string, reply: Reply, origin: RuleOrigin, detail?: string) {
    this.log.warn(
      {
        event: "reject",
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
    const ok = this.users ? await this.users.verify(login, auth.password ?? "") : false;
    if (!ok) {
      this.log.warn({ event: "auth-failed", session: session.id, client: session.remoteAddress, login, method: auth.method }, "authentication failed");
      setTimeout(() => callback(replyError(Replies.authFailed)), this.options.failedAuthDelayMs ?? FAILED_AUTH_DELAY_MS);
      return;
    }
    this.apply(session, this.state(session), { type: "authenticated", login });
    this.log.info({ event: "auth", session: session.id, client: session.remoteAddress, login, method: auth.method }, "authenticated");
    callback(null, { user: login });
  }

  private onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error) => void) {
    const params = (address.args || {}) as Record<string, string | true>;
    const decision = this.apply<string>(session, { ...this.state(session), transaction: null }, { type: "mail", address: address.address, params });
    if (decision.verdict.kind === "refuse") return callback(replyError(decision.verdict.reply));
    address.address = decision.result ?? address.address;
    callback();
  }

  private onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (error?: Error) => void) {
    const params = (address.args || {}) as Record<string, string | true>;
    const decision = this.apply<string>(session, this.state(session), { type: "rcpt", address: address.address, params });
    if (decision.verdict.kind === "refuse") return callback(replyError(decision.verdict.reply));
    address.address = decision.result ?? address.address;
    callback();
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null, message?: string) => void) {
    const state = this.state(session);
    const transaction = state.transaction;
    try {
      const sizeLimit = ehloKeywords(this.graph, state).size;
      const data = await readMessageData(stream, { maxBytes: sizeLimit });
      const queueId = createSpoolId();
      const decision = this.apply<MessagePlan>(session, state, {
        type: "message",
        ...data,
        now: new Date(),
        queueId,
        messageId: newMessageId(this.graph.hostname),
      });
      if (decision.verdict.kind === "refuse" || !transaction) {
        return callback(replyError(decision.verdict.kind === "refuse" ? decision.verdict.reply : Replies.localError));
      }
      const plan = decision.result!;
      const message = applyHeaderEdits(data.bytes, plan.header, plan.edits);
      const envelope: Envelope = {
        mailFrom: transaction.mailFrom,
        recipients: dedupeRecipients(transaction.recipients),
        dsn: transaction.dsn,
        smtputf8: transaction.smtputf8,
        ...(transaction.bodyType ? { bodyType: transaction.bodyType === "8BITMIME" ? "8BITMIME" : "7BIT" } : {}),
      };
      const outcome = await this.deliver(envelope, message, {
        ...(state.login ? { login: state.login } : {}),
        clientAddress: state.clientAddress,
        heloName: state.heloName ?? "",
        sessionId: session.id,
        // The id in our Received field, so a spool record can be matched to its trace field
        // (SpoolWriter names records with ids of its own).
        queueId,
      });
      this.sessions.set(session.id, { ...decision.state, transaction: null });
      if (outcome.kind === "accepted") {
        this.log.info(
          {
            event: "accept",
            session: session.id,
            client: state.clientAddress,
            login: state.login,
            queueId,
            ...(outcome.id !== queueId ? { deliveredAs: outcome.id } : {}),
            size: message.length,
            recipients: envelope.recipients.length,
            from: envelope.mailFrom,
          },
          "message accepted",
        );
        return callback(null, `2.0.0 Ok: queued as ${queueId}`);
      }
      const reply: Reply = { code: outcome.kind === "temporary" ? 451 : outcome.code, enhanced: outcome.enhanced, text: outcome.text };
      this.logRefusal(session, "deliver", reply, this.graph.deliver.origin, outcome.text);
      callback(replyError(reply));
    } catch (error) {
      this.log.error({ event: "data-error", session: session.id, err: (error as Error).message }, "message not taken");
      callback(replyError(Replies.localError));
    }
  }

  private onClose(session: SMTPServerSession) {
    this.sessions.delete(session.id);
    this.log.debug({ event: "close", session: session.id }, "closed");
  }
}

function dedupeRecipients<T extends { address: string }>(recipients: readonly T[]): T[] {
  const seen = new Set<string>();
  return recipients.filter((r) => {
    const key = r.address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
