// The spool's file calls on plain descriptors: node:fs's callback calls made promises. The
// FileHandle of node:fs/promises costs the event loop more per call (an object per open file,
// registered for closing at garbage collection), and a record makes four such calls.
import { closeSync, constants, fsync, open, writev } from "node:fs";
import { promisify } from "node:util";

export const openDescriptor = promisify(open) as (path: string, flags: string | number, mode?: number) => Promise<number>;

/**
 * Flags of a new record file: created only if absent (a clash of ids never overwrites another
 * record), and O_DSYNC, so each write returns once its bytes and the file's size are on disk, as
 * an fsync after it would: one call to the thread pool fewer per record.
 */
export const NEW_DURABLE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC;
/** Flags of a spare record file written over (spareRecordFiles.ts): emptied first, then as durable as a new one; never created. */
export const REUSED_DURABLE_FILE = constants.O_WRONLY | constants.O_TRUNC | constants.O_DSYNC;
/**
 * Synchronous on purpose: closing a descriptor never waits for the disk (what it wrote is on
 * disk already, or is dropped), while a pool call costs the event loop a thread wake-up and, on two
 * busy cores, a context switch (3% of its time at 800 records a second).
 */
export function closeDescriptor(fd: number): void {
  closeSync(fd);
}
export const fsyncDescriptor = promisify(fsync);
const writevDescriptor = promisify(writev) as (fd: number, buffers: Buffer[]) => Promise<{ bytesWritten: number }>;

/** Writes every byte of `buffers` (writev(2) may write less than asked). */
export async function writeAll(fd: number, buffers: Buffer[]): Promise<void> {
  let pending = buffers.filter((buffer) => buffer.length > 0);
  while (pending.length > 0) {
    const { bytesWritten } = await writevDescriptor(fd, pending);
    pending = dropWritten(pending, bytesWritten);
  }
}

function dropWritten(buffers: Buffer[], bytesWritten: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = bytesWritten;
  for (const buffer of buffers) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return rest;
}

/** Makes what was written under `path` (a file, or a folder's entries) durable: open, fsync, close. */
export async function fsyncPath(path: string): Promise<void> {
  const fd = await openDescriptor(path, "r");
  try {
    await fsyncDescriptor(fd);
  } finally {
    closeDescriptor(fd);
  }
}
