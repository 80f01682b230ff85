// Shared types of the deliver stage: the SMTP envelope as the session accepted it, and the
// outcome of handing a message on (to the local spool or to the next hop).

/** RFC 3461 section 4.3 and 4.4: parameters of MAIL FROM. Values are xtext-decoded. */
export interface DsnParameters {
  /** RET=: return the full message or only its header section in a failure DSN */
  ret?: "FULL" | "HDRS";
  /** ENVID=: the submitter's identifier for the transaction, returned in every DSN */
  envid?: string;
}

/** RFC 3461 section 4.1 and 4.2: parameters of RCPT TO. Values are xtext-decoded. */
export interface RecipientParameters {
  /** NOTIFY=: NEVER alone, or any of SUCCESS, FAILURE, DELAY */
  notify?: ("NEVER" | "SUCCESS" | "FAILURE" | "DELAY")[];
  /** ORCPT=: `addr-type;address` as given (e.g. `rfc822;bob@example.test`); a bare address means rfc822 */
  orcpt?: string;
}

export interface Envelope {
  /** reverse-path without angle brackets; '' is the null sender `MAIL FROM:<>` (RFC 5321 section 4.5.5) */
  mailFrom: string;
  /** forward-paths in the order the client gave them, without angle brackets */
  recipients: { address: string; dsn?: RecipientParameters }[];
  dsn?: DsnParameters;
  /** the client sent SMTPUTF8 with MAIL FROM (RFC 6531 section 3.4) */
  smtputf8?: boolean;
  /** the client's BODY= parameter (RFC 6152, RFC 3030); absent means it said nothing */
  bodyType?: "7BIT" | "8BITMIME" | "BINARYMIME";
}

/**
 * What became of a message. The session turns this into its reply to the end of DATA:
 * accepted -> 250 2.0.0 (RFC 6409 section 4: only once the message is durably stored or the
 * next hop answered 250), temporary -> 451 with the enhanced code, permanent -> the 5xx as is.
 */
export type DeliveryOutcome =
  | {
      kind: "accepted";
      id: string;
      detail: string;
      /** recipients the next hop refused for good while it took the message for the others */
      refused?: RefusedRecipient[];
      /** what became of the DSN about `refused` (in-line relay; the queue reports its own way) */
      refusalReport?: RefusalReport;
      /** the next hop refused XFORWARD with this reply (`HOST:PORT said: ...`); the message went on without it */
      xforwardRefused?: string;
    }
  | { kind: "temporary"; code: number; enhanced: string; text: string } // client gets 451 4.x.x
  | { kind: "permanent"; code: number; enhanced: string; text: string }; // client gets the 5xx passed on

/** A recipient the next hop refused for good (5xx to RCPT TO), with its reply. */
export interface RefusedRecipient {
  address: string;
  code: number;
  enhanced: string;
  /** the next hop's reply, as our logs show it (`HOST:PORT said: ...`) */
  text: string;
}

/** The DSN to the envelope sender about refused recipients: sent, not asked for, or not sendable. */
export type RefusalReport =
  | { result: "sent"; recipients: string[]; id: string }
  | { result: "not wanted"; recipients: string[]; reason: string }
  | { result: "failed"; recipients: string[]; text: string };
