// One lock per queued record (DIR/lock/<id>), taken by the queue runner for an attempt and by
// `msac queue` for a change, so the two never rewrite the same record at once. A lock is a hard
// link to its process's holder file (DIR/holders/<pid>-<token>-<hex>, reading `pid token`): making
// it is one system call that either makes the whole lock or fails with EEXIST, and it allocates
// no inode. A lock whose process is gone (a crash) is stale and broken by the next taker
// (breakStaleLock: several takers may judge the same lock stale at once, and only one may end up
// holding it). Taking and releasing are synchronous: a link or an unlink of a name allocates and
// frees nothing and takes about 11 µs on ext4, while a trip through the libuv pool cost the event
// loop about 17 µs and a pool thread a wake-up and a context switch each. (Locks as symbolic links,
// an inode each, blocked the loop for a third of its time at 20 sessions, so they ran in the pool.)

import { linkSync, unlinkSync } from "node:fs";
import { lstat, mkdir, readFile, readdir, readlink, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { SpoolRecord } from "../deliver/spoolRecord.js";
import { removeAtExit } from "../filesRemovedAtExit.js";
import { PromisePerKey } from "../promisePerKey.js";
import { isProcessGone, PROCESS_OWNER, PROCESS_TOKEN } from "../processToken.js";
import { randomHex } from "../randomHex.js";
import { readSpoolRecord, spoolRecordPath } from "../deliver/spoolWriter.js";

export const SPOOL_LOCK_FOLDER = "lock";
/** Where each process that takes locks keeps the one file its locks are hard links to. */
export const SPOOL_HOLDERS_FOLDER = "holders";

export interface RecordLock {
  release(): Promise<void>;
}

/** Takes the lock of record `id`, or returns undefined when another live process holds it. */
export async function lockRecord(dir: string, id: string): Promise<RecordLock | undefined> {
  const spoolDir = resolve(dir);
  const path = join(spoolDir, SPOOL_LOCK_FOLDER, id);
  // three tries: the first may only clear a dead breaker's guard, the second break the lock
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!(await takeLockFile(spoolDir, path))) {
      if (!(await isStale(path))) return undefined;
      await breakStaleLock(spoolDir, path);
      continue;
    }
    return { release: async () => removeLockFile(path) };
  }
  return undefined;
}

/**
 * Makes `path` a hard link to this process's holder file: true once made, false when a lock is
 * there already. A lock as a symbolic link (msa before 2026-12) cost an inode for each lock; an
 * ext4 without a journal searches past every inode freed in the last minutes for a new one, and at
 * 1,000 messages a second that search was a quarter of the server's CPU.
 */
async function takeLockFile(spoolDir: string, path: string): Promise<boolean> {
  for (let fresh = false; ; fresh = true) {
    const holder = holderFiles.get(spoolDir);
    const holderPath = await holder; // a failure to make it is the caller's, never "taken"
    try {
      linkSync(holderPath, path);
      return true;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "EEXIST") return false;
      // ENOENT: the lock or holders folder, or the holder file, was removed under us; EMLINK: the
      // holder file has as many links as the file system allows (locks left behind)
      if (fresh || (code !== "ENOENT" && code !== "EMLINK")) throw error;
      // only the holder that failed: another call may have made a new one meanwhile
      holderFiles.forget(spoolDir, holder);
    }
  }
}

/** This process's holder file per spool folder, made at its first lock there. */
const holderFiles = new PromisePerKey<string, string>((spoolDir) => makeHolderFile(spoolDir));

async function makeHolderFile(spoolDir: string): Promise<string> {
  await mkdir(join(spoolDir, SPOOL_LOCK_FOLDER), { recursive: true, mode: 0o700 });
  await mkdir(join(spoolDir, SPOOL_HOLDERS_FOLDER), { recursive: true, mode: 0o700 });
  // a new name each time: an EMLINK file keeps its links, and a removed name is not reused
  const path = join(spoolDir, SPOOL_HOLDERS_FOLDER, `${process.pid}-${PROCESS_TOKEN}-${randomHex(4)}`);
  // no fsync: after a crash every lock is stale, whatever its file reads
  await writeFile(path, PROCESS_OWNER, { mode: 0o600, flag: "wx" });
  // removed at exit: what still links to it (a lock held at exit) keeps reading `pid token`, and
  // its process is gone, so it is stale; a crash leaves it to the next runner's start
  removeAtExit(path);
  return path;
}

function removeLockFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
}

/** Removes every stale lock, and the holder files of processes gone (call on start: recovery after a crash). Returns the ids freed. */
export async function breakStaleLocks(dir: string): Promise<string[]> {
  const spoolDir = resolve(dir);
  const folder = join(spoolDir, SPOOL_LOCK_FOLDER);
  const names = await readdir(folder).catch(() => [] as string[]);
  const freed: string[] = [];
  // a breaker's guard left by a crash first, so that the lock it guarded can be broken
  for (const name of names.filter((name) => name.endsWith(BREAKER_GUARD))) {
    if (await isStale(join(folder, name))) await rm(join(folder, name), { force: true });
  }
  for (const name of names.filter((name) => !name.endsWith(BREAKER_GUARD))) {
    if ((await isStale(join(folder, name))) && (await breakStaleLock(spoolDir, join(folder, name)))) freed.push(name);
  }
  const holders = join(spoolDir, SPOOL_HOLDERS_FOLDER);
  for (const name of await readdir(holders).catch(() => [] as string[])) {
    if (await isStale(join(holders, name))) await rm(join(holders, name), { force: true });
  }
  return freed;
}

/**
 * Removes the lock at `path` if it is stale; true when this call removed it. Several takers may judge the same lock stale at
 * once; removing it by name, each would remove whatever lies there by then, a fresh lock another
 * of them took meanwhile included, and two would hold it. So a taker first takes the breaker's
 * guard `path.break` (one hard link: one taker gets it, the others give up for now), judges
 * the lock again under it and removes it only if it is still stale: a fresh lock is never stale.
 * A guard left by a dead process is removed by the next taker, plainly: two takers that find
 * such a guard at once could both end up holding it; that needs a breaker to have died within
 * the few microseconds it holds its guard, and is not guarded against.
 */
async function breakStaleLock(spoolDir: string, path: string): Promise<boolean> {
  const guard = path + BREAKER_GUARD;
  if (!(await takeLockFile(spoolDir, guard))) {
    if (await isStale(guard)) await rm(guard, { force: true });
    return false; // another taker is breaking it; the caller tries the lock once more and finds it taken or free
  }
  try {
    if (!(await isStale(path))) return false;
    await rm(path, { force: true });
    return true;
  } finally {
    removeLockFile(guard);
  }
}

/** Suffix of the guard a taker holds while it breaks a stale lock. */
const BREAKER_GUARD = ".break";

const EMPTY_LOCK_GRACE_MS = 10_000;

/** The lock's `pid token`: its file's text, or a symbolic link's target (locks of msa before 2026-12). */
async function lockOwner(path: string): Promise<string | undefined> {
  try {
    return await readlink(path);
  } catch (error) {
    if ((error as { code?: string }).code !== "EINVAL") return undefined; // gone already: the next taker decides
  }
  return readFile(path, "utf8").catch(() => undefined);
}

async function isStale(path: string): Promise<boolean> {
  const text = await lockOwner(path);
  if (text === undefined) return false;
  const [pidText, token] = text.trim().split(" ");
  // an empty lock file: an older msa is between creating and writing it, or died there
  if (!pidText) {
    const info = await lstat(path).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > EMPTY_LOCK_GRACE_MS;
  }
  return isProcessGone(Number(pidText), token);
}

/**
 * Runs `change` on the record `id` while holding its lock: 'busy' when someone else holds it
 * (a delivery in flight, another `msac queue`), 'missing' when the record is gone.
 */
export async function withLockedRecord<T>(dir: string, id: string, change: (record: SpoolRecord) => Promise<T>): Promise<T | "busy" | "missing"> {
  const lock = await lockRecord(dir, id);
  if (!lock) return "busy";
  try {
    let record: SpoolRecord;
    try {
      record = await readSpoolRecord(spoolRecordPath(dir, id));
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return "missing";
      throw error;
    }
    return await change(record);
  } finally {
    await lock.release();
  }
}
