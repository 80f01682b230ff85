// Queue scanning: which records in new/ are due for an attempt, oldest first. Each record's due
// time is read once and kept while the file is unchanged (same inode, mtime and size), so a
// pass over a large queue reads only what was rewritten since the last one.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { SPOOL_NEW_FOLDER, SPOOL_RECORD_SUFFIX } from "../deliver/spoolRecord.js";
import { readSpoolRecord } from "../deliver/spoolWriter.js";
import { initialQueueState } from "./queueState.js";
export class DueRecords {
    dir;
    clock;
    /** name -> when it is due, keyed on the file's identity so a rewrite invalidates it */
    dueCache = new Map();
    constructor(dir, clock) {
        this.dir = dir;
        this.clock = clock;
    }
    /** Names in new/ whose next attempt is due, oldest first, skipping those `inHand`. */
    async scan(inHand) {
        const folder = join(this.dir, SPOOL_NEW_FOLDER);
        let names;
        try {
            names = (await readdir(folder)).filter((name) => name.endsWith(SPOOL_RECORD_SUFFIX)).sort();
        }
        catch (error) {
            if (error.code === "ENOENT")
                return [];
            throw error;
        }
        const now = this.clock.now();
        const due = [];
        const present = new Set(names);
        for (const name of this.dueCache.keys())
            if (!present.has(name))
                this.dueCache.delete(name);
        for (const name of names) {
            if (inHand(name))
                continue;
            const info = await stat(join(folder, name)).catch(() => undefined);
            if (!info)
                continue;
            const key = `${info.ino}:${info.mtimeMs}:${info.size}`;
            let cached = this.dueCache.get(name);
            if (!cached || cached.key !== key) {
                cached = { key, dueAt: await readDueAt(join(folder, name)) };
                this.dueCache.set(name, cached);
            }
            if (cached.dueAt <= now)
                due.push(name);
        }
        return due;
    }
    /** The earliest due time of the records seen by the last scans that are not due yet (Infinity: none). */
    nextDueAt() {
        const now = this.clock.now();
        let earliest = Number.POSITIVE_INFINITY;
        for (const { dueAt } of this.dueCache.values())
            if (dueAt > now && dueAt < earliest)
                earliest = dueAt;
        return earliest;
    }
    /** Forgets what is known of `name` (it was attempted: rewritten, removed or moved). */
    forget(name) {
        this.dueCache.delete(name);
    }
}
async function readDueAt(path) {
    try {
        const record = await readSpoolRecord(path);
        return Date.parse((record.queue ?? initialQueueState(record)).nextAttemptAt);
    }
    catch {
        return 0; // unreadable: due now, so the attempt moves it to bad/
    }
}
//# sourceMappingURL=dueRecords.js.map