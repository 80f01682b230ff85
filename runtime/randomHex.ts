// Random ids for sessions, messages and spool records, drawn from a pool refilled a page at a
// time: one crypto.randomBytes call per id cost about 2% of the event loop at 800 sessions a second.

import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` bytes (at most 4096) from the operating system's CSPRNG, as lower-case hex; never reused. */
export function randomHex(bytes: number): string {
  if (bytes > POOL_BYTES) throw new RangeError(`randomHex: at most ${POOL_BYTES} bytes`);
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + bytes);
  offset += bytes;
  return hex;
}
