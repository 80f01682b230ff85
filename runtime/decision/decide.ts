// The decision core's one entry point: a pure function of (graph, session
// state, SMTP event), for every event from connect to the delivery result.
// The server and `msac simulate` are drivers: they forward events and write
// the replies; no rule is implemented anywhere else. Tables prepared outside
// (prepareTables: senders and aliases files) come in as data, so the function stays pure.
import type { ListenMode, RuleGraph } from "../../graph/graph.js";
import { authenticated, decideAuthStart, ehloKeywords } from "./authStage.js";
import { decideDelivery, type DeliveryEvent } from "./deliveryStage.js";
import { decideMail, decideRcpt, type MailCommand, type RcptCommand } from "./envelopeStage.js";
import type { DeliveryPlan } from "./finishStage.js";
import { decideMessage, type MessageEvent } from "./messageStage.js";
import { decideMilterCommand, decideMilterMessage, type MilterCommandEvent, type MilterMessageEvent, type MilterMessageResult } from "./milterStage.js";
import type { Reply } from "../../graph/replies.js";
import { type NegotiatedTls, newSession, withTransaction, type SessionState } from "./session.js";
import type { DecisionTables } from "./tables.js";
import type { Decision } from "./verdict.js";

/** A new connection: the session starts from nothing, whatever state is passed. */
export interface ConnectEvent {
  type: "connect";
  listenerMode: ListenMode;
  /** The listener's key (graph/graph.ts listenerKey). */
  listener: string;
  clientAddress: string;
  /** An implicit TLS listener's handshake, done before the session starts. */
  negotiatedTls?: NegotiatedTls;
  /** A local submission: the drop file's owner (runtime/local/maildropListener.ts). */
  localUid?: number;
}

/** The DATA command: the result says how many bytes of message to keep (null: no limit). */
export interface DataCommand {
  type: "data";
}

export type SmtpEvent =
  | ConnectEvent
  | { type: "helo"; name: string; extended: boolean }
  | { type: "tls"; negotiatedTls?: NegotiatedTls }
  | { type: "authStart" }
  /** `addresses`: the sender addresses the login source gave for this login (a directory's `mail`). */
  | { type: "authenticated"; login: string; addresses?: string[] }
  | MailCommand
  | RcptCommand
  | DataCommand
  | { type: "reset" }
  | MessageEvent
  | MilterCommandEvent
  | MilterMessageEvent
  | DeliveryEvent;

const accept = (state: SessionState): Decision => ({ verdict: { kind: "accept" }, state, trace: [] });

/**
 * What a decision produces besides its verdict, by event: the address to use for MAIL and RCPT,
 * the message plan for a message, nothing otherwise. Call sites get the right type from the event.
 */
export type DecisionResult<E extends SmtpEvent> = E extends MailCommand | RcptCommand
  ? string
  : E extends DataCommand
    ? { maxBytes: number | null }
    : E extends MessageEvent
      ? DeliveryPlan
      : E extends DeliveryEvent
        ? Reply
        : E extends MilterMessageEvent
          ? MilterMessageResult
          : undefined;

export function decide<E extends SmtpEvent>(graph: RuleGraph, state: SessionState, event: E, tables?: DecisionTables): Decision<DecisionResult<E>>;
export function decide(
  graph: RuleGraph,
  state: SessionState,
  event: SmtpEvent,
  tables?: DecisionTables,
): Decision<string | { maxBytes: number | null } | DeliveryPlan | Reply | MilterMessageResult | undefined> {
  switch (event.type) {
    case "connect": {
      const session = newSession(event.listenerMode, event.clientAddress, event.listener, event.negotiatedTls ?? null);
      return accept(event.localUid === undefined ? session : { ...session, localUid: event.localUid });
    }
    case "helo":
      // RFC 5321 section 4.1.4: EHLO/HELO resets the transaction.
      return accept({ ...state, heloName: event.name, extended: event.extended, transaction: null });
    case "tls":
      // RFC 3207 section 4.2: after the handshake the server discards all knowledge obtained
      // from the client before it: the EHLO name, the transaction and the login.
      return accept({ ...state, tls: true, negotiatedTls: event.negotiatedTls ?? null, heloName: null, extended: false, login: null, transaction: null });
    case "authStart":
      return decideAuthStart(graph, state);
    case "authenticated":
      return accept(authenticated(state, event.login, event.addresses));
    case "mail":
      return decideMail(graph, state, event, tables);
    case "rcpt":
      return decideRcpt(graph, state, event, tables);
    case "data":
      // The message is read up to the size EHLO announced (RFC 1870); the message stage judges it.
      return { verdict: { kind: "accept" }, state, trace: [], result: { maxBytes: ehloKeywords(graph, state).size } };
    case "reset":
      return accept(withTransaction(state, null));
    case "message":
      return decideMessage(graph, state, event, tables);
    case "milter":
      return decideMilterCommand(graph, state, event);
    case "milterMessage":
      return decideMilterMessage(graph, state, event);
    case "delivery":
      return decideDelivery(graph, state, event);
  }
}
