// The on-disk spool record and folder layout, in one place so the spool writer and a later
// queue runner (store and forward) read and write exactly the same thing.
//
// Layout (maildir-like, so a record appears in new/ whole or not at all):
//   DIR/tmp/<id>       being written; never read by anyone; removed on error
//   DIR/new/<id>.msg   complete, fsync'd record, renamed here atomically (rename(2))
// The queue runner (runtime/queue/) keeps a record in new/ until every recipient is done, and
// records its attempts in the optional `queue` field by rewriting the whole record crash-safely
// (tmp/, fsync, rename over the old name, fsync of new/). Lock files in DIR/lock/ serialise
// the runner and `msac queue`. See docs/queue.md.
//
// Record format, version 1: one line of JSON (UTF-8, no raw line break inside, ended by a
// single LF), then the message bytes exactly as received, up to the end of the file:
//   {"format":"msa-spool","version":1,"id":"...","receivedAt":"2024-...Z","size":N,
//    "envelope":{...Envelope},"meta":{...}}\n<N bytes of message, CRLF line ends>
// `size` lets a reader tell a truncated file from a whole one. A reader refuses versions
// it does not know; a new field that old readers may ignore does not change the version.
import { randomBytes } from "node:crypto";
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
export class SpoolRecordError extends Error {
    name = "SpoolRecordError";
}
const LINE_FEED = 0x0a;
/**
 * The bytes of a record, as two buffers so the message is not copied (write them with writev).
 * JSON.stringify escapes every control character, so the header line holds no raw LF.
 */
export function encodeSpoolRecord(header, message) {
    const full = {
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
export function decodeSpoolRecord(bytes) {
    const lineEnd = bytes.indexOf(LINE_FEED);
    if (lineEnd < 0)
        throw new SpoolRecordError("spool record has no header line");
    let parsed;
    try {
        parsed = JSON.parse(bytes.subarray(0, lineEnd).toString("utf8"));
    }
    catch (error) {
        throw new SpoolRecordError(`spool record header is not JSON: ${error.message}`);
    }
    const header = validateHeader(parsed);
    const message = bytes.subarray(lineEnd + 1);
    if (message.length !== header.size) {
        throw new SpoolRecordError(`spool record ${header.id} is truncated: ${message.length} of ${header.size} bytes`);
    }
    return { ...header, message };
}
function validateHeader(value) {
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
    if (!isObject(envelope) ||
        typeof envelope.mailFrom !== "string" ||
        !Array.isArray(envelope.recipients) ||
        !envelope.recipients.every((r) => isObject(r) && typeof r.address === "string")) {
        throw new SpoolRecordError(`spool record ${id} has a malformed envelope`);
    }
    if (!isObject(meta))
        throw new SpoolRecordError(`spool record ${id} has malformed meta`);
    if (queue !== undefined &&
        (!isObject(queue) ||
            !Array.isArray(queue.recipients) ||
            !Array.isArray(queue.attempts) ||
            typeof queue.nextAttemptAt !== "string" ||
            queue.recipients.length !== envelope.recipients.length)) {
        throw new SpoolRecordError(`spool record ${id} has a malformed queue state`);
    }
    return {
        format: SPOOL_RECORD_FORMAT,
        version: SPOOL_RECORD_VERSION,
        id,
        receivedAt,
        size,
        envelope: envelope,
        meta: meta,
        ...(queue !== undefined ? { queue: queue } : {}),
    };
}
function isObject(value) {
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
export function createSpoolId(now = Date.now()) {
    if (now <= lastTime) {
        lastRandom = (lastRandom + 1n) & ((1n << 80n) - 1n);
        now = lastTime;
    }
    else {
        lastTime = now;
        lastRandom = BigInt("0x" + randomBytes(10).toString("hex"));
    }
    return encodeBase32(BigInt(now), TIME_CHARS) + encodeBase32(lastRandom, RANDOM_CHARS);
}
function encodeBase32(value, length) {
    let text = "";
    for (let i = 0; i < length; i++) {
        text = BASE32[Number(value & 31n)] + text;
        value >>= 5n;
    }
    return text;
}
/** The time an id was created, for a queue runner's age checks. */
export function spoolIdTime(id) {
    let value = 0;
    for (const char of id.slice(0, TIME_CHARS)) {
        const digit = BASE32.indexOf(char.toUpperCase());
        if (digit < 0)
            throw new SpoolRecordError(`not a spool id: ${id}`);
        value = value * 32 + digit;
    }
    return new Date(value);
}
//# sourceMappingURL=spoolRecord.js.map