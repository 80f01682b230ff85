// What the decision core knows about an SMTP session. Plain data, replaced (not
// mutated) by each decision, so a session can be replayed, simulated and logged.
import type { ListenMode, RuleOrigin } from "../../graph/graph.js";
import type { DsnParameters, RecipientParameters } from "../deliver/envelope.js";

export interface Transaction {
  /** The reverse-path after qualification; "" is the null sender. */
  mailFrom: string;
  smtputf8: boolean;
  /** BODY= (RFC 6152, RFC 3030 section 3: BINARYMIME only with BDAT). */
  bodyType?: "7BIT" | "8BITMIME" | "BINARYMIME";
  declaredSize: number | null;
  dsn: DsnParameters;
  recipients: { address: string; dsn: RecipientParameters }[];
  /**
   * Set under `allow sender mismatch` when MAIL FROM was not the login's to use: the message
   * stage adds `Sender:` with this address (the login's own), unless the message has one.
   */
  addSender?: { address: string; origin: RuleOrigin };
  /** A milter answered SMFIR_DISCARD before the message: it is taken and thrown away (the `milter` rule's origin). */
  discardedBy?: RuleOrigin;
  /** Set when an unauthenticated client was let in by `allow unauthenticated from`: its network and that rule. */
  trustedNetwork?: { network: string; origin: RuleOrigin };
}

/** What the TLS handshake settled, as the adapter read it from the socket (Node's getProtocol and getCipher). */
export interface NegotiatedTls {
  /** `TLSv1.3`, `TLSv1.2` */
  protocol: string;
  /** OpenSSL's name of the cipher suite, as Postfix logs it: `TLS_AES_256_GCM_SHA384`, `ECDHE-RSA-AES256-GCM-SHA384` */
  cipher: string;
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
  /** The protocol and cipher of the TLS session, once there is one and the adapter could read them. */
  negotiatedTls: NegotiatedTls | null;
  login: string | null;
  /** The sender addresses the login source gave with the login (`alice@example.com`, `@example.com`, `*`); null when it gave none. */
  loginAddresses: string[] | null;
  /**
   * A local submission (`listen local`, `msac sendmail`): the uid the kernel gave the drop file.
   * No network carried it, so there is no TLS to require and no greeting to judge.
   */
  localUid: number | null;
  transaction: Transaction | null;
}

export function newSession(listenerMode: ListenMode, clientAddress: string, listener = "", negotiatedTls: NegotiatedTls | null = null): SessionState {
  const tls = listenerMode === "tls";
  return {
    listenerMode,
    listener,
    clientAddress,
    heloName: null,
    extended: false,
    tls,
    negotiatedTls: tls ? negotiatedTls : null,
    login: null,
    loginAddresses: null,
    localUid: null,
    transaction: null,
  };
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
    negotiatedTls: state.negotiatedTls,
    login: state.login,
    loginAddresses: state.loginAddresses,
    localUid: state.localUid,
    transaction,
  } satisfies Required<SessionState>;
}
