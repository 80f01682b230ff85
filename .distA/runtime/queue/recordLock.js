// One lock file per queued record (DIR/lock/<id>), taken by the queue runner for an attempt and
// by `msac queue` for a change, so the two never rewrite the same record at once. A lock holds
// `pid token`; a lock whose process is gone (a crash) is stale and broken by the next taker.
// Taking and releasing run synchronously: they never wait for the disk (no fsync), and in the
// libuv pool they would queue behind the spool's fsyncs (measured: 55 ms per release at 20
// sessions, the queue runner's largest cost).
import { randomBytes } from "node:crypto";
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { mkdir, readFile, readdir, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readSpoolRecord, spoolRecordPath } from "../deliver/spoolWriter.js";
export const SPOOL_LOCK_FOLDER = "lock";
/** Tells this process's locks from an earlier process's with the same pid (pid 1 in a container). */
const PROCESS_TOKEN = randomBytes(8).toString("hex");
/** Takes the lock of record `id`, or returns undefined when another live process holds it. */
export async function lockRecord(dir, id) {
    const folder = join(resolve(dir), SPOOL_LOCK_FOLDER);
    const path = join(folder, id);
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            const fd = openSync(path, "wx", 0o600);
            try {
                writeSync(fd, `${process.pid} ${PROCESS_TOKEN}\n`);
            }
            finally {
                closeSync(fd);
            }
            return { release: async () => removeLockFile(path) };
        }
        catch (error) {
            const code = error.code;
            if (code === "ENOENT") {
                await mkdir(folder, { recursive: true, mode: 0o700 });
                continue;
            }
            if (code !== "EEXIST")
                throw error;
            if (!(await isStale(path)))
                return undefined;
            await rm(path, { force: true });
        }
    }
    return undefined;
}
function removeLockFile(path) {
    try {
        unlinkSync(path);
    }
    catch (error) {
        if (error.code !== "ENOENT")
            throw error;
    }
}
/** Removes every stale lock (call on start: recovery after a crash). Returns the ids freed. */
export async function breakStaleLocks(dir) {
    const folder = join(resolve(dir), SPOOL_LOCK_FOLDER);
    const names = await readdir(folder).catch(() => []);
    const freed = [];
    for (const name of names) {
        if (await isStale(join(folder, name))) {
            await rm(join(folder, name), { force: true });
            freed.push(name);
        }
    }
    return freed;
}
const EMPTY_LOCK_GRACE_MS = 10_000;
async function isStale(path) {
    let text;
    try {
        text = await readFile(path, "utf8");
    }
    catch {
        return false; // gone already: the next open decides
    }
    const [pidText, token] = text.trim().split(" ");
    const pid = Number(pidText);
    // empty: the taker is writing it right now, or died between create and write
    if (!pidText) {
        const info = await stat(path).catch(() => undefined);
        return info !== undefined && Date.now() - info.mtimeMs > EMPTY_LOCK_GRACE_MS;
    }
    if (!Number.isInteger(pid) || pid <= 0)
        return true;
    if (pid === process.pid)
        return token !== PROCESS_TOKEN;
    try {
        process.kill(pid, 0);
        return false;
    }
    catch (error) {
        return error.code === "ESRCH";
    }
}
/**
 * Runs `change` on the record `id` while holding its lock: 'busy' when someone else holds it
 * (a delivery in flight, another `msac queue`), 'missing' when the record is gone.
 */
export async function withLockedRecord(dir, id, change) {
    const lock = await lockRecord(dir, id);
    if (!lock)
        return "busy";
    try {
        let record;
        try {
            record = await readSpoolRecord(spoolRecordPath(dir, id));
        }
        catch (error) {
            if (error.code === "ENOENT")
                return "missing";
            throw error;
        }
        return await change(record);
    }
    finally {
        await lock.release();
    }
}
//# sourceMappingURL=recordLock.js.map