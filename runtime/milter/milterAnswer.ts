// What a milter answered, as plain data: the driver collects it over the socket and hands it to the
// decision core (runtime/decision/milterStage.ts), which refuses, goes on or edits the message.

/** A change a milter asks for at the end of the message (SMFIR_ADDHEADER ... SMFIR_QUARANTINE). */
export type MilterModification =
  /** `value` is the text after the colon as the milter wrote it (folded with line breaks, its leading space included). */
  | { kind: "addHeader"; name: string; value: string }
  /** Before the field at `index` of the header as it stands (0: on top). */
  | { kind: "insertHeader"; index: number; name: string; value: string }
  /** The `index`th (from 1) field called `name`; an empty value removes it. */
  | { kind: "changeHeader"; index: number; name: string; value: string }
  | { kind: "replaceBody"; body: Buffer }
  | { kind: "addRecipient"; address: string }
  | { kind: "deleteRecipient"; address: string }
  | { kind: "changeSender"; address: string }
  | { kind: "quarantine"; reason: string };

export type MilterAnswer =
  /** Go on (also a step the milter left out or does not answer). */
  | { kind: "continue" }
  /** Take the message: the milter wants nothing more of this transaction. */
  | { kind: "accept" }
  | { kind: "reject" }
  | { kind: "tempfail" }
  /** Take the message and throw it away. */
  | { kind: "discard" }
  /** SMFIR_REPLYCODE: the milter's own reply. */
  | { kind: "reply"; code: number; enhanced: string | null; text: string }
  /** The milter could not be asked: down, too slow, or it broke the protocol. */
  | { kind: "failed"; reason: string };

/** A milter's answer to the end of the message, with the changes it asked for before it. */
export interface MilterMessageAnswer {
  answer: MilterAnswer;
  modifications: MilterModification[];
}

/** The stage a milter answered at: SMTP commands, and the message. */
export type MilterStage = "mail" | "rcpt" | "message";
