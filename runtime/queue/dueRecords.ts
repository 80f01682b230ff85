// Queue scanning: which records in new/ are due for an attempt, oldest first. Each record's due
// time is read once and kept while the file is unchanged (same inode, mtime and size), so a
// pass over a large queue reads only what was rewritten since the last one.

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { SPOOL_NEW_FOLDER, SPOOL_RECORD_SUFFIX } from "../deliver/spoolRecord.js";
import { readSpoolRecord } from "../deliver/spoolWriter.js";
import type { Clock } from "./clock.js";
import { initialQueueState } from "./queueState.js";

export class DueRecords {
  /** name -> when it is due, keyed on the file's identity so a rewrite invalidates it */
  private readonly dueCache = new Map<string, { key: string; dueAt: number }>();

  constructor(
    private readonly dir: string,
    private readonly clock: Clock,
  ) {}

  /** Names in new/ whose next attempt is due, oldest first, skipping those `inHand`. */
  async scan(inHand: (name: string) => boolean): Promise<string[]> {
    const folder = join(this.dir, SPOOL_NEW_FOLDER);
    let names: string[];
    try {
      names = (await readdir(folder)).filter((name) => name.endsWith(SPOOL_RECORD_SUFFIX)).sort();
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return [];
      throw error;
    }
    const now = this.clock.now();
    const due: string[] = [];
    const present = new Set(names);
    for (const name of this.dueCache.keys()) if (!present.has(name)) this.dueCache.delete(name);
    for (const name of names) {
      if (inHand(name)) continue;
      const info = await stat(join(folder, name)).catch(() => undefined);
      if (!info) continue;
      const key = `${info.ino}:${info.mtimeMs}:${info.size}`;
      let cached = this.dueCache.get(name);
      if (!cached || cached.key !== key) {
        cached = { key, dueAt: await readDueAt(join(folder, name)) };
        this.dueCache.set(name, cached);
      }
      if (cached.dueAt <= now) due.push(name);
    }
    return due;
  }

  /** The earliest due time of the records seen by the last scans that are not due yet (Infinity: none). */
  nextDueAt(): number {
    const now = this.clock.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const { dueAt } of this.dueCache.values()) if (dueAt > now && dueAt < earliest) earliest = dueAt;
    return earliest;
  }

  /** Forgets what is known of `name` (it was attempted: rewritten, removed or moved). */
  forget(name: string): void {
    this.dueCache.delete(name);
  }
}

async function readDueAt(path: string): Promise<number> {
  try {
    const record = await readSpoolRecord(path);
    return Date.parse((record.queue ?? initialQueueState(record)).nextAttemptAt);
  } catch {
    return 0; // unreadable: due now, so the attempt moves it to bad/
  }
}
