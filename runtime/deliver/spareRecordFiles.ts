// Files of removed records, kept in DIR/tmp for the next records this process writes: a record
// written over a spare costs the file system no inode. ext4 without a journal searches past every
// inode freed in the last minutes for a new one; at a thousand records a second, and after the
// churn of whatever ran before, that search cost more CPU than the rest of the write.
//
// A spare is named after its process (`spare-<pid>-<token>-<n>`), so the tmp/ sweep of another
// process starting on the same spool leaves it alone while its process runs. It still holds a
// delivered message's bytes until it is written over, so there are at most MAX_SPARES of them,
// and a process removes its own as it exits; a crash leaves them to the next start's sweep.

import { renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { keepAtExit, removeAtExit } from "../filesRemovedAtExit.js";
import { isProcessGone, PROCESS_TOKEN } from "../processToken.js";
import { SPOOL_TMP_FOLDER } from "./spoolRecord.js";

/** About one per session in flight: enough for 100 sessions at a time, and a bound on what stays on disk. */
const MAX_SPARES = 128;
/** Records above this size are unlinked: 128 spares then hold at most 128 MB. */
const MAX_SPARE_BYTES = 1024 * 1024;
const SPARE_PREFIX = "spare-";

/** The spares of the spools this process writes into, by resolved spool folder. */
const sparesBySpool = new Map<string, SpareRecordFiles>();
let sparesMade = 0;

export class SpareRecordFiles {
  private readonly paths: string[] = [];
  /** moved out of new/, but their removal from new/ is not durable yet */
  private arriving = 0;

  constructor(private readonly spoolDir: string) {}

  /** A spare to write a record over, or undefined when none is left. */
  take(): string | undefined {
    const path = this.paths.pop();
    if (path !== undefined) keepAtExit(path);
    return path;
  }

  /** Gives back a spare that could not be opened for a passing reason (no descriptor free). */
  giveBack(path: string): void {
    this.paths.push(path);
    removeAtExit(path);
  }

  /**
   * Moves a removed record's file from new/ into tmp/; undefined when it is to be unlinked
   * instead: enough spares already, a file over MAX_SPARE_BYTES (a removal that frees no space
   * must not keep a full spool full), or a call that failed. The unlink then says whether the
   * record is gone: an ENOENT from rename(2) may be tmp/'s, and a record left in new/ would be
   * delivered again at every scan. Synchronous, as the rename into new/ (spoolWriter.ts says
   * why). The spare is written over only after `settle(path, true)`.
   */
  moveIn(recordPath: string): string | undefined {
    if (this.paths.length + this.arriving >= MAX_SPARES) return undefined;
    const path = join(this.spoolDir, SPOOL_TMP_FOLDER, `${SPARE_PREFIX}${process.pid}-${PROCESS_TOKEN}-${sparesMade++}`);
    try {
      if (statSync(recordPath).size > MAX_SPARE_BYTES) return undefined;
      renameSync(recordPath, path);
    } catch {
      return undefined;
    }
    this.arriving++;
    removeAtExit(path);
    return path;
  }

  /**
   * Once the fsync of new/ after `moveIn` returned: `durable`, the spare may be written over (before,
   * a crash could leave new/ naming the old record's file with the next record's bytes in it);
   * else it is dropped.
   */
  settle(path: string, durable: boolean): void {
    this.arriving--;
    if (durable) {
      this.paths.push(path);
      return;
    }
    keepAtExit(path);
    try {
      rmSync(path, { force: true });
    } catch {
      // the folder failing as a whole: the next start's sweep removes it
    }
  }
}

/** Keeps spares for `spoolDir` (resolved) from now on: a process that writes records there calls it. */
export function keepSpareRecordFiles(spoolDir: string): void {
  if (!sparesBySpool.has(spoolDir)) sparesBySpool.set(spoolDir, new SpareRecordFiles(spoolDir));
}

/** The spares of `spoolDir` (resolved), if this process writes records there; a process that only removes them (`msac queue`) has none. */
export function spareRecordFilesOf(spoolDir: string): SpareRecordFiles | undefined {
  return sparesBySpool.get(spoolDir);
}

/** Whether the tmp/ file `name` is a spare of a process that still runs (which the sweep must leave alone). */
export function isLiveSpare(name: string): boolean {
  const match = /^spare-(\d+)-([0-9a-f]+)-\d+$/.exec(name);
  return match !== null && !isProcessGone(Number(match[1]), match[2]);
}
