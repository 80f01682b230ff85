// The on-disk spool record and folder layout, in one place so the spool writer and a later
// queue runner (store and forward) read and write exactly the same thing.
//
// Layout (maildir-like, so a record appears in new/ whole or not at all):
//   DIR/tmp/<id>       being written; never read by anyone; removed on error
//   DIR/tmp/spare-...  a removed record's file, to be written over by the next record (spareRecordFiles.ts)
//   DIR/new/<id>.msg   complete, durable record (written with O_DSYNC), renamed here atomically (rename(2))
// The queue runner (runtime/queue/) keeps a record in new/ until every recipient is done, and
// records its attempts in the optional `queue` field by rewriting the whole record crash-safely
// (tmp/ with O_DSYNC, rename over the old name, fsync of new/). Locks in DIR/lock/ serialise
// the runner and `msac queue`. See docs/queue.md.
//
// Record format, version 1: one line of JSON (UTF-8, no raw line break inside, ended by a
// single LF), then the message bytes exactly as received, up to the end of the file:
//   {"format":"msa-spool","version":1,"id":"...","receivedAt":"2024-...Z","size":N,
//    "envelope":{...Envelope},"meta":{...}}\n<N bytes of message, CRLF line ends>
// `size` lets a reader tell a truncated file from a whole one. A reader refuses versions
// it does not know; a new field that old readers may ignore does not change the version.

import { randomHex } from "../randomHex.js";
import type { Envelope } from "./envelope.js";

export const SPOOL_RECORD_FORMAT = "msa-spool";
export const SPOOL_RECORD_VERSION = 1;

/** Folder of records being written. */
export const SPOOL_TMP_FOLDER = "tmp";
/** Folder of complete records, waiting for whoever forwards them. */
export const SPOOL_NEW_FOLDER = "new";
/** Suffix of a complete record's file name. */
export const SPOOL_RECORD_SUFFIX = ".msg";

/** The client address of a message a local user submitted (`listen local`): there is no network client. */
export const LOCAL_CLIENT_ADDRESS = "local";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What the session knew about the message besides its envelope; kept for logs, Received and DSNs. */
export interface SpoolMeta {
  /** the authenticated login, if any */
  login?: string;
  /** the client's IP address, or LOCAL_CLIENT_ADDRESS */
  clientAddress?: string;
  /** the client's TCP port (XFORWARD PORT) */
  clientPort?: number;
  heloName?: string;
  /** RFC 3848 protocol name: ESMTP, ESMTPS, ESMTPA, ESMTPSA */
  protocol?: string;
  sessionId?: string;
  /** the session's queue id, as in the Received field it added; names the record */
  queueId?: string;
  [key: string]: JsonValue | undefined;
}

export interface SpoolRecordHeader {
  format: typeof SPOOL_RECORD_FORMAT;
  version: number;
  id: string;
  /** ISO 8601, UTC */
  receivedAt: string;
  /** byte length of the message that follows the header line */
  size: number;
  envelope: Envelope;
  meta: SpoolMeta;
  /** store and forward: what the queue runner did so far; absent until its first attempt */
  queue?: QueueState;
}

/** Where one recipient stands. `delivered` and `failed` are final: never sent again. */
export interface RecipientState {
  address: string;
  state: "pending" | "delivered" | "failed";
  /** the last reply about this recipient (final for delivered/failed, the last deferral for pending) */
  code?: number;
  enhanced?: string;
  text?: string;
  /** ISO 8601 of the change to the final state */
  at?: string;
  /** a DSN about the final state was queued (or none was due); delayNotified: a delay DSN was queued */
  reported?: boolean;
  delayNotified?: boolean;
}

/** One delivery attempt, for `msac queue show` and the logs. */
export interface QueueAttempt {
  at: string;
  /** the outcome summary: delivered, deferred, refused, expired, bounced by admin */
  result: string;
  delivered: string[];
  failed: string[];
  deferred: string[];
  text?: string;
}

export interface QueueState {
  /** index-aligned with envelope.recipients */
  recipients: RecipientState[];
  attempts: QueueAttempt[];
  /** ISO 8601: not before this time; the runner skips the record until then */
  nextAttemptAt: string;
  lastError?: string;
}

export interface SpoolRecord extends SpoolRecordHeader {
  message: Buffer;
}

export class SpoolRecordError extends Error {
  override name = "SpoolRecordError";
}

const LINE_FEED = 0x0a;

/**
 * The bytes of a record, as two buffers so the message is not copied (write them with writev).
 * JSON.stringify escapes every control character, so the header line holds no raw LF.
 */
export function encodeSpoolRecord(header: Omit<SpoolRecordHeader, "format" | "version" | "size">, message: Buffer): [Buffer, Buffer] {
  const full: SpoolRecordHeader = {
    format: SPOOL_RECORD_FORMAT,
    version: SPOOL_RECORD_VERSION,
    id: header.id,
    receivedAt: header.receivedAt,
    size: message.length,
    envelope: header.envelope,
    meta: header.meta,
    ...(header.queue ? { queue: header.queue } : {}),
  };
  return [Buffer.from(JSON.stringify(full) + "\n", "utf8"), message];
}

/** Parses a record; throws SpoolRecordError when it is not a whole record of a known version. */
export function decodeSpoolRecord(bytes: Buffer): SpoolRecord {
  const lineEnd = bytes.indexOf(LINE_FEED);
  if (lineEnd < 0) throw new SpoolRecordError("spool record has no header line");
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.subarray(0, lineEnd).toString("utf8"));
  } catch (error) {
    throw new SpoolRecordError(`spool record header is not JSON: ${(error as Error).message}`);
  }
  const header = validateHeader(parsed);
  const message = bytes.subarray(lineEnd + 1);
  if (message.length !== header.size) {
    throw new SpoolRecordError(`spool record ${header.id} is truncated: ${message.length} of ${header.size} bytes`);
  }
  return { ...header, message };
}

function validateHeader(value: unknown): SpoolRecordHeader {
  if (!isObject(value) || value.format !== SPOOL_RECORD_FORMAT) {
    throw new SpoolRecordError("not an msa spool record");
  }
  if (value.version !== SPOOL_RECORD_VERSION) {
    throw new SpoolRecordError(`unsupported spool record version ${String(value.version)}`);
  }
  const { id, receivedAt, size, envelope, meta, queue } = value;
  if (typeof id !== "string" || typeof receivedAt !== "string" || typeof size !== "number") {
    throw new SpoolRecordError("spool record header lacks id, receivedAt or size");
  }
  if (
    !isObject(envelope) ||
    typeof envelope.mailFrom !== "string" ||
    !Array.isArray(envelope.recipients) ||
    !envelope.recipients.every((r) => isObject(r) && typeof r.address === "string")
  ) {
    throw new SpoolRecordError(`spool record ${id} has a malformed envelope`);
  }
  if (!isObject(meta)) throw new SpoolRecordError(`spool record ${id} has malformed meta`);
  if (
    queue !== undefined &&
    (!isObject(queue) ||
      !Array.isArray(queue.recipients) ||
      !Array.isArray(queue.attempts) ||
      typeof queue.nextAttemptAt !== "string" ||
      queue.recipients.length !== envelope.recipients.length)
  ) {
    throw new SpoolRecordError(`spool record ${id} has a malformed queue state`);
  }
  return {
    format: SPOOL_RECORD_FORMAT,
    version: SPOOL_RECORD_VERSION,
    id,
    receivedAt,
    size,
    envelope: envelope as unknown as Envelope,
    meta: meta as SpoolMeta,
    ...(queue !== undefined ? { queue: queue as unknown as QueueState } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Crockford's base32 (no I, L, O, U): ids sort as strings in time order and survive
// case-insensitive file systems.
const BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_CHARS = 10; // 50 bits: milliseconds since 1970 until the year 37648
const RANDOM_CHARS = 16; // 80 bits

let lastTime = -1;
let lastRandom = 0n;

/**
 * A ULID-style id: 10 base32 characters of milliseconds, then 16 of randomness. Within one
 * millisecond the random part counts up, so ids from this process sort in creation order
 * (a queue runner that lists new/ sorted gets first-in, first-out).
 */
export function createSpoolId(now: number = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = (lastRandom + 1n) & ((1n << 80n) - 1n);
    now = lastTime;
  } else {
    lastTime = now;
    lastRandom = BigInt("0x" + randomHex(10));
  }
  return encodeBase32(BigInt(now), TIME_CHARS) + encodeBase32(lastRandom, RANDOM_CHARS);
}

function encodeBase32(value: bigint, length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) {
    text = BASE32[Number(value & 31n)] + text;
    value >>= 5n;
  }
  return text;
}

/** The time an id was created, for a queue runner's age checks. */
export function spoolIdTime(id: string): Date {
  let value = 0;
  for (const char of id.slice(0, TIME_CHARS)) {
    const digit = BASE32.indexOf(char.toUpperCase());
    if (digit < 0) throw new SpoolRecordError(`not a spool id: ${id}`);
    value = value * 32 + digit;
  }
  return new Date(value);
}
