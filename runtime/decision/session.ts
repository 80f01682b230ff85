// What the decision core knows about an SMTP session. Plain data, replaced (not
// mutated) by each decision, so a session can be replayed, simulated and logged.
import type { ListenMode, RuleOrigin } from "../../graph/graph.js";
import type { DsnParameters, RecipientParameters } from "../deliver/envelope.js";

export interface Transaction {
  /** The reverse-path after qualification; "" is the null sender. */
  mailFrom: string;
  smtputf8: boolean;
  bodyType?: "7BIT" | "8BITMIME";
  declaredSize: number | null;
  dsn: DsnParameters;
  recipients: { address: string; dsn: RecipientParameters }[];
  /**
   * Set under `allow sender mismatch` when MAIL FROM was not the login's to use: the message
   * stage adds `Sender:` with this address (the login's own), unless the message has one.
   */
  addSender?: { address: string; origin: RuleOrigin };
}

export interface SessionState {
  listenerMode: ListenMode;
  /** The listener the client connected to (graph/graph.ts listenerKey), for rules in `on` blocks. */
  listener: string;
  clientAddress: string;
  /** The name the client gave in EHLO/HELO. */
  heloName: string | null;
  /** True after EHLO (ESMTP), false after HELO. */
  extended: boolean;
  tls: boolean;
  login: string | null;
  /** The sender addresses the login source gave with the login (`alice@example.com`, `@example.com`, `*`); null when it gave none. */
  loginAddresses: string[] | null;
  transaction: Transaction | null;
}

export function newSession(listenerMode: ListenMode, clientAddress: string, listener = ""): SessionState {
  return { listenerMode, listener, clientAddress, heloName: null, extended: false, tls: listenerMode === "tls", login: null, loginAddresses: null, transaction: null };
}

/**
 * The state with another transaction (MAIL, RCPT, RSET). Every field is written out, not spread:
 * states then share one object shape, and spreading the state at each RCPT was a fifth of a
 * decision's cost (bench/decisionCost.ts). `satisfies` makes the compiler ask for any field
 * added to SessionState, optional ones included.
 */
export function withTransaction(state: SessionState, transaction: Transaction | null): SessionState {
  return {
    listenerMode: state.listenerMode,
    listener: state.listener,
    clientAddress: state.clientAddress,
    heloName: state.heloName,
    extended: state.extended,
    tls: state.tls,
    login: state.login,
    loginAddresses: state.loginAddresses,
    transaction,
  } satisfies Required<SessionState>;
}
