// What the relay client does through nodemailer's internals. Its public API cannot add SMTPUTF8
// for a UTF-8 header section, give each recipient its own NOTIFY/ORCPT, tell which extensions
// the next hop offered (XFORWARD among them), send a command of its own (XFORWARD), stop
// between the RCPT replies and the message, or send it with BDAT (RFC 3030). These members do; the
// tests exercise each one, and a nodemailer without them is refused at run time instead of misbehaving.

import { Readable } from "node:stream";
import type DataStream from "nodemailer/lib/smtp-connection/data-stream";
import { stuffChunk } from "./dotStuffing.js";
import type { Envelope, RecipientParameters } from "./envelope.js";
import { RelayRecipientDeferred, type SmtpClientError } from "./relayFailures.js";
import { isPermanentReply } from "./relayOutcome.js";
import { encodeXtext } from "./xtext.js";

export interface SmtpConnectionInternals {
  _supportedExtensions: string[];
  _sendCommand(command: string, logText?: string): void;
  _envelope?: { rejectedErrors?: SmtpClientError[]; pipelined?: boolean } | false;
  _createSendStream(callback: unknown): DataStream;
  /** the handlers of the replies still due, in order: each command pushes its own */
  _responseActions: ((reply: string) => void)[];
  /** the lines of the EHLO reply after the greeting line, set once EHLO was answered */
  _ehloLines?: string[];
}

export function hasExpectedInternals(internals: SmtpConnectionInternals): boolean {
  return (
    Array.isArray(internals._supportedExtensions) &&
    typeof internals._sendCommand === "function" &&
    typeof internals._createSendStream === "function" &&
    Array.isArray(internals._responseActions)
  );
}

/**
 * Sends the XFORWARD commands (pipelined when the next hop offers PIPELINING, RFC 2920) and
 * resolves with the first refusal's reply, or null when each was answered 2xx. A 421 rejects:
 * the next hop is closing the session (RFC 5321 section 3.8), so the attempt fails as at any command.
 */
export function sendXforward(internals: SmtpConnectionInternals, commands: readonly string[], pipelined: boolean): Promise<string | null> {
  return new Promise((resolve, reject) => {
    if (commands.length === 0) return resolve(null);
    let refusal: string | null = null;
    let answered = 0;
    const send = (index: number) => {
      internals._responseActions.push((reply: string) => {
        if (/^421/.test(reply)) {
          return reject(Object.assign(new Error(`XFORWARD: ${reply}`), { code: "EPROTOCOL", command: "XFORWARD", response: reply, responseCode: 421 }));
        }
        if (refusal === null && !/^2/.test(reply)) refusal = reply.trim();
        answered++;
        if (answered === commands.length) resolve(refusal);
        else if (!pipelined) send(index + 1);
      });
      internals._sendCommand(commands[index]!);
    };
    if (pipelined) commands.forEach((_, index) => send(index));
    else send(0);
  });
}

/**
 * Gives each message's DataStream (the dot-stuffing transform nodemailer pipes to the socket)
 * the same transform done with Buffer.indexOf (dotStuffing.ts), before a byte is written to it.
 * A message's last chunk, when small, is held back and goes out in one buffer with the
 * end-of-data line nodemailer adds after it: one write and one segment for the next hop to read,
 * where there were two. (Corking the socket instead made a message over its high-water mark wait
 * for a 'drain' that a corked socket never emits, and uncorked at the end of the turn it joined
 * the two writes of a message only one time in four: the line comes some turns later.)
 */
export function stuffWithIndexOf(internals: SmtpConnectionInternals): void {
  const createSendStream = internals._createSendStream;
  if (typeof createSendStream !== "function") return; // refused by hasExpectedInternals before any use
  internals._createSendStream = function (this: SmtpConnectionInternals, callback: unknown) {
    const stream = createSendStream.call(this, callback);
    let held: Buffer | null = null;
    stream._transform = function (this: DataStream, chunk: Buffer | string, _encoding: BufferEncoding, done: () => void) {
      if (!chunk || chunk.length === 0) return done();
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      const stuffed = stuffChunk(bytes, this.lastByte);
      this.inByteCount += bytes.length;
      this.outByteCount += stuffed.length;
      this.lastByte = bytes[bytes.length - 1]!;
      if (held) this.push(held);
      held = stuffed.length <= HELD_CHUNK_BYTES ? stuffed : null;
      if (!held) this.push(stuffed);
      done();
    };
    const flush = stream._flush;
    stream._flush = function (this: DataStream, done: (error?: Error | null) => void) {
      const last = held;
      held = null;
      if (!last) return flush.call(this, done);
      // nodemailer's flush pushes the end-of-data line alone: the held chunk goes in front of it
      const push = this.push;
      this.push = (line: Buffer | null) => push.call(this, line ? Buffer.concat([last, line]) : line);
      try {
        flush.call(this, done);
      } finally {
        this.push = push;
      }
    };
    return stream;
  };
}

/** The most of a message held back to go with the end-of-data line: a copy of it is the price. */
const HELD_CHUNK_BYTES = 256 * 1024;

/** CHUNKING and BINARYMIME among the EHLO keywords, which nodemailer does not list in its extensions. */
export function chunkingKeywords(ehloLines: readonly string[] | undefined): string[] {
  return (ehloLines ?? []).map((line) => line.split(" ")[0]!.toUpperCase()).filter((keyword) => keyword === "CHUNKING" || keyword === "BINARYMIME");
}

/**
 * Sends the next message with `BDAT n LAST` (RFC 3030) in place of DATA: the octets as they are,
 * no dot-stuffing, no end-of-data line, so what the next hop gets is exactly the message (a
 * BINARYMIME body above all). nodemailer's DATA step is kept, answered by us: its handler gets a
 * 250 once every RCPT reply is in, as it would get DATA's reply, and nodemailer then writes the
 * message to the stream made here. Returns the function that puts nodemailer's own members back.
 */
export function sendWithBdat(internals: SmtpConnectionInternals): () => void {
  const { _sendCommand: sendCommand, _createSendStream: createSendStream } = internals;
  internals._sendCommand = function (this: SmtpConnectionInternals, command: string, logText?: string) {
    if (command !== "DATA") return sendCommand.call(this, command, logText);
    // the handler nodemailer pushed for DATA's reply: it runs right after the last RCPT reply's
    const dataAction = this._responseActions.pop()!;
    const answerData = () => dataAction("250 2.0.0 BDAT in place of DATA");
    // without PIPELINING nodemailer sends DATA from the last RCPT reply's handler: nothing is due
    if (!(this._envelope && this._envelope.pipelined)) return void setImmediate(answerData);
    const lastRcptAction = this._responseActions.pop()!;
    this._responseActions.push((reply: string) => {
      lastRcptAction(reply);
      answerData();
    });
  };
  internals._createSendStream = function (this: SmtpConnectionInternals, callback: unknown) {
    const stream = createSendStream.call(this, callback);
    const chunks: Buffer[] = [];
    stream._transform = function (this: DataStream, chunk: Buffer | string, _encoding: BufferEncoding, done: () => void) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      this.inByteCount += bytes.length;
      chunks.push(bytes);
      done();
    };
    // one chunk, the whole message: it is in memory already, and one reply answers it
    stream._flush = function (this: DataStream, done: () => void) {
      const message = Buffer.concat(chunks);
      this.outByteCount = message.length;
      this.push(Buffer.concat([Buffer.from(`BDAT ${message.length} LAST\r\n`), message]));
      done();
    };
    return stream;
  };
  return () => {
    internals._sendCommand = sendCommand;
    internals._createSendStream = createSendStream;
  };
}

/**
 * Adds to MAIL FROM and RCPT TO what nodemailer's envelope cannot express: SMTPUTF8 whenever
 * the client declared it and the next hop offers it (RFC 6531 section 3.4), and each
 * recipient's own NOTIFY and ORCPT (RFC 3461 section 4) when the next hop offers DSN.
 */
export function rewriteEnvelopeCommands(internals: SmtpConnectionInternals, envelope: Envelope, extensions: Set<string>): void {
  const sendCommand = internals._sendCommand;
  let rcptIndex = 0;
  internals._sendCommand = function (this: SmtpConnectionInternals, command: string, logText?: string) {
    if (/^MAIL FROM:/i.test(command)) {
      // nodemailer knows BODY=8BITMIME only; refusalForMissingExtension made sure the next hop offers BINARYMIME
      if (envelope.bodyType === "BINARYMIME") command += " BODY=BINARYMIME";
      if (envelope.smtputf8 && extensions.has("SMTPUTF8") && !/ SMTPUTF8(\s|$)/i.test(command)) {
        command += " SMTPUTF8";
      }
    } else if (/^RCPT TO:/i.test(command)) {
      const recipient = envelope.recipients[rcptIndex++];
      if (recipient?.dsn && extensions.has("DSN")) command += dsnRcptParameters(recipient.dsn);
    }
    return sendCommand.call(this, command, logText);
  };
}

function dsnRcptParameters(dsn: RecipientParameters): string {
  let parameters = "";
  if (dsn.notify && dsn.notify.length > 0) parameters += " NOTIFY=" + dsn.notify.join(",");
  if (dsn.orcpt) {
    const separator = dsn.orcpt.indexOf(";");
    const [addressType, address] = separator > 0 ? [dsn.orcpt.slice(0, separator), dsn.orcpt.slice(separator + 1)] : ["rfc822", dsn.orcpt];
    parameters += ` ORCPT=${addressType};${encodeXtext(address)}`;
  }
  return parameters;
}

/**
 * The message as a stream that nodemailer reads only after DATA was answered 354, that is
 * once every RCPT reply is in. If any recipient was deferred it fails instead, so the final
 * dot is never sent and the next hop delivers nothing.
 */
export function messageGatedOnRecipients(message: Buffer, internals: SmtpConnectionInternals, onStart: () => void): Readable {
  let started = false;
  return new Readable({
    read() {
      if (started) return;
      started = true;
      onStart();
      const rejected = (internals._envelope && internals._envelope.rejectedErrors) || [];
      const deferred = rejected.find((error) => !isPermanentReply(error.responseCode));
      if (deferred) {
        this.destroy(new RelayRecipientDeferred(rejected));
        return;
      }
      this.push(message);
      this.push(null);
    },
  });
}
