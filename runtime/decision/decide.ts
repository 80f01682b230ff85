// The decision core's one entry point: a pure function of (graph, session
// state, SMTP event). The server, `msac simulate` and the tests all call this;
// no rule is implemented anywhere else. Tables prepared outside (prepareTables:
// senders files) come in as data, so the function stays pure.
import type { RuleGraph } from "../../graph/graph.js";
import { authenticated, decideAuthStart } from "./authStage.js";
import { decideMail, decideRcpt, type MailCommand, type RcptCommand } from "./envelopeStage.js";
import { decideMessage, type MessageEvent, type MessagePlan } from "./messageStage.js";
import { withTransaction, type SessionState } from "./session.js";
import type { DecisionTables } from "./tables.js";
import type { Decision } from "./verdict.js";

export type SmtpEvent =
  | { type: "helo"; name: string; extended: boolean }
  | { type: "tls" }
  | { type: "authStart" }
  | { type: "authenticated"; login: string }
  | MailCommand
  | RcptCommand
  | { type: "reset" }
  | MessageEvent;

const accept = (state: SessionState): Decision => ({ verdict: { kind: "accept" }, state, trace: [] });

/**
 * What a decision produces besides its verdict, by event: the address to use for MAIL and RCPT,
 * the message plan for a message, nothing otherwise. Call sites get the right type from the event.
 */
export type DecisionResult<E extends SmtpEvent> = E extends MailCommand | RcptCommand ? string : E extends MessageEvent ? MessagePlan : undefined;

export function decide<E extends SmtpEvent>(graph: RuleGraph, state: SessionState, event: E, tables?: DecisionTables): Decision<DecisionResult<E>>;
export function decide(graph: RuleGraph, state: SessionState, event: SmtpEvent, tables?: DecisionTables): Decision<string | MessagePlan | undefined> {
  switch (event.type) {
    case "helo":
      // RFC 5321 section 4.1.4: EHLO/HELO resets the transaction.
      return accept({ ...state, heloName: event.name, extended: event.extended, transaction: null });
    case "tls":
      // RFC 3207 section 4.2: after the handshake the server discards all knowledge obtained
      // from the client before it: the EHLO name, the transaction and the login.
      return accept({ ...state, tls: true, heloName: null, extended: false, login: null, transaction: null });
    case "authStart":
      return decideAuthStart(graph, state);
    case "authenticated":
      return accept(authenticated(state, event.login));
    case "mail":
      return decideMail(graph, state, event, tables);
    case "rcpt":
      return decideRcpt(graph, state, event);
    case "reset":
      return accept(withTransaction(state, null));
    case "message":
      return decideMessage(graph, state, event, tables);
  }
}
