// Durable local spool (`deliver spool "DIR"`): a message is accepted only once its record is
// written durably (O_DSYNC), renamed into DIR/new/ and that rename fsync'd (record format: spoolRecord.ts).

import { fstatSync, renameSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { DeliveryReplies } from "../../graph/replies.js";
import { PromisePerKey } from "../promisePerKey.js";
import { randomHex } from "../randomHex.js";
import type { DeliveryOutcome, Envelope } from "./envelope.js";
import { closeDescriptor, fsyncDescriptor, fsyncPath, NEW_DURABLE_FILE, openDescriptor, REUSED_DURABLE_FILE, writeAll } from "./fileDescriptors.js";
import { isLiveSpare, keepSpareRecordFiles, spareRecordFilesOf } from "./spareRecordFiles.js";
import {
  SPOOL_NEW_FOLDER,
  SPOOL_RECORD_FORMAT,
  SPOOL_RECORD_SUFFIX,
  SPOOL_RECORD_VERSION,
  SPOOL_TMP_FOLDER,
  createSpoolId,
  decodeSpoolRecord,
  encodeSpoolRecord,
  type SpoolMeta,
  type SpoolRecord,
} from "./spoolRecord.js";

/** Only the server's own user may read queued mail: it holds other people's messages. */
const SPOOL_FOLDER_MODE = 0o700;
const SPOOL_FILE_MODE = 0o600;

export interface SpoolWriterOptions {
  dir: string;
  /**
   * Share one fsync of DIR/new among every record renamed while the previous fsync ran
   * (group commit). Each record's own file is still written durably (O_DSYNC) on its own.
   */
  groupCommit: boolean;
  /** Told of each record once it is durable, before the write resolves (the hand-off to a queue runner). */
  onStored?: (stored: StoredRecord) => void;
}

/** A record as it was just written, so a runner in the same process need not read it back. */
export interface StoredRecord {
  record: SpoolRecord;
  /** bytes of the file: a rewrite always adds queue state, so a file of another size was changed since */
  fileSize: number;
}

/**
 * Writes spool records. Both modes give the same guarantee (250 only after the record and its
 * directory entry are on disk); group commit only changes how many directory fsyncs run.
 */
export class SpoolWriter {
  readonly dir: string;
  readonly groupCommit: boolean;
  private readonly syncNewFolder: () => Promise<void>;
  private ownSyncs = 0;
  private readonly onStored: SpoolWriterOptions["onStored"];

  constructor(options: SpoolWriterOptions) {
    this.dir = resolve(options.dir);
    this.groupCommit = options.groupCommit;
    this.onStored = options.onStored;
    keepSpareRecordFiles(this.dir);
    const newFolder = join(this.dir, SPOOL_NEW_FOLDER);
    if (options.groupCommit) {
      const batcher = newFolderSync(this.dir);
      this.syncNewFolder = () => batcher.sync();
    } else {
      this.syncNewFolder = () => {
        this.ownSyncs++;
        return fsyncPath(newFolder);
      };
    }
  }

  /** fsyncs of DIR/new run so far (for the bench: how many group commit saved); shared with this process's queue runner under group commit */
  get directorySyncs(): number {
    return this.groupCommit ? newFolderSync(this.dir).syncs : this.ownSyncs;
  }

  /** `id` names the record (the session's queue id, as in its Received field); a new one otherwise. */
  write(envelope: Envelope, message: Buffer, meta: SpoolMeta = {}, id?: string): Promise<DeliveryOutcome> {
    return storeRecord(this.dir, envelope, message, meta, this.syncNewFolder, { ...(id ? { id } : {}), ...(this.onStored ? { onStored: this.onStored } : {}) });
  }
}

/**
 * One record, one directory fsync of its own (no group commit). `options.id` gives the record a
 * chosen id (the queue runner names a DSN after the record it reports on, so writing it twice
 * after a crash replaces it instead of queueing a second one).
 */
export function writeSpoolRecord(
  dir: string,
  envelope: Envelope,
  message: Buffer,
  meta: SpoolMeta = {},
  options: { id?: string; receivedAt?: Date } = {},
): Promise<DeliveryOutcome> {
  const spoolDir = resolve(dir);
  return storeRecord(spoolDir, envelope, message, meta, () => fsyncPath(join(spoolDir, SPOOL_NEW_FOLDER)), options);
}

/**
 * Replaces a complete record crash-safely: the new bytes go to tmp/, durably (O_DSYNC), are renamed over
 * new/<id>.msg (atomic: a reader sees the old or the new record, never a mix) and new/ is
 * fsync'd. Throws on failure; the old record is then still in place.
 */
export async function rewriteSpoolRecord(dir: string, record: SpoolRecord, options: DirectorySyncOption = {}): Promise<void> {
  const spoolDir = resolve(dir);
  await spoolFolders.get(spoolDir);
  const tmpPath = join(spoolDir, SPOOL_TMP_FOLDER, `${record.id}.rewrite-${randomHex(6)}`);
  const { message, format: _format, version: _version, size: _size, ...header } = record;
  try {
    const fd = await openDescriptor(tmpPath, NEW_DURABLE_FILE, SPOOL_FILE_MODE);
    try {
      await writeAll(fd, encodeSpoolRecord(header, message));
    } finally {
      closeDescriptor(fd);
    }
    await rename(tmpPath, spoolRecordPath(spoolDir, record.id));
  } catch (error) {
    await rm(tmpPath, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncNewFolderOf(spoolDir, options);
}

/**
 * Removes a record for good (delivered, bounced or deleted) and makes the removal durable. In a
 * process that writes records into DIR its file becomes a spare (spareRecordFiles.ts), a rename; else
 * it is unlinked in the libuv pool: synchronous, an unlink held the event loop while ext4 freed
 * the file and discarded its blocks (a fifth of its time at 20 sessions).
 */
export async function removeSpoolRecord(dir: string, id: string, options: DirectorySyncOption = {}): Promise<void> {
  const spoolDir = resolve(dir);
  const path = spoolRecordPath(spoolDir, id);
  const spares = spareRecordFilesOf(spoolDir);
  let spare: string | undefined;
  try {
    spare = spares?.moveIn(path);
    if (spare === undefined) await unlink(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
  try {
    await syncNewFolderOf(spoolDir, options);
  } catch (error) {
    if (spare !== undefined) spares!.settle(spare, false);
    throw error;
  }
  if (spare !== undefined) spares!.settle(spare, true);
}

export interface DirectorySyncOption {
  /**
   * Share the fsync of DIR/new with every change (accepts included) made in this process while
   * the previous one ran (group commit); the call still resolves only once its change is durable.
   */
  groupCommit?: boolean;
}

function syncNewFolderOf(spoolDir: string, options: DirectorySyncOption): Promise<void> {
  return options.groupCommit ? newFolderSync(spoolDir).sync() : fsyncPath(join(spoolDir, SPOOL_NEW_FOLDER));
}

/** Reads a record back (for a queue runner, tools and tests); throws on a malformed record. */
export async function readSpoolRecord(path: string): Promise<SpoolRecord> {
  return decodeSpoolRecord(await readFile(path));
}

/** Path of the complete record with this id. */
export function spoolRecordPath(dir: string, id: string): string {
  return join(resolve(dir), SPOOL_NEW_FOLDER, id + SPOOL_RECORD_SUFFIX);
}

/**
 * Removes what a crash left in DIR/tmp (records that were never acknowledged, so no client was
 * told 250 for them). Call it at startup, before any writer runs; returns the names removed.
 */
export async function sweepSpoolTmp(dir: string, options: { olderThan?: Date } = {}): Promise<string[]> {
  const tmpFolder = join(resolve(dir), SPOOL_TMP_FOLDER);
  let names: string[];
  try {
    names = (await readdir(tmpFolder)).filter((name) => !isLiveSpare(name));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
  if (options.olderThan) {
    // a server that already accepts mail may be writing into tmp/: only what predates us goes
    const limit = options.olderThan.getTime();
    const old: string[] = [];
    for (const name of names) {
      const info = await stat(join(tmpFolder, name)).catch(() => undefined);
      if (info && info.mtimeMs < limit) old.push(name);
    }
    names = old;
  }
  await Promise.all(names.map((name) => rm(join(tmpFolder, name), { force: true })));
  return names;
}

// The write path. `stage` says what exists on disk, so the error path removes exactly what
// this call created: a failed write leaves neither a tmp file nor a record in new/ behind.
async function storeRecord(
  dir: string,
  envelope: Envelope,
  message: Buffer,
  meta: SpoolMeta,
  syncNewFolder: () => Promise<void>,
  options: { id?: string; receivedAt?: Date; onStored?: (stored: StoredRecord) => void } = {},
): Promise<DeliveryOutcome> {
  const id = options.id ?? createSpoolId();
  const receivedAt = (options.receivedAt ?? new Date()).toISOString();
  let fileSize = 0;
  let tmpPath = join(dir, SPOOL_TMP_FOLDER, id);
  const recordPath = join(dir, SPOOL_NEW_FOLDER, id + SPOOL_RECORD_SUFFIX);
  let stage: "opening" | "tmp file exists" | "record exists" = "opening";
  try {
    const opened = await openRecordFile(dir, tmpPath);
    tmpPath = opened.path;
    const fd = opened.fd;
    stage = "tmp file exists";
    try {
      const bytes = encodeSpoolRecord({ id, receivedAt, envelope, meta }, message);
      fileSize = bytes[0].length + bytes[1].length;
      await writeAll(fd, bytes);
    } finally {
      closeDescriptor(fd);
    }
    // rename(2) is atomic: a reader of new/ sees the whole record or nothing. Synchronous: it
    // changes two directory entries and waits for no disk (their fsync comes next, in the pool),
    // and a trip through the libuv pool costs the event loop more than the call and a pool
    // thread a wake-up. The rename over a record (rewriteSpoolRecord) frees the old file: pool.
    renameSync(tmpPath, recordPath);
    stage = "record exists";
    // the rename is durable only once the directory holding the new entry is fsync'd
    await syncNewFolder();
  } catch (error) {
    if (stage === "tmp file exists") await rm(tmpPath, { force: true }).catch(() => undefined);
    // the client is about to hear 451 and will send again: a record left in new/ would be
    // forwarded too and arrive twice
    if (stage === "record exists") await rm(recordPath, { force: true }).catch(() => undefined);
    return spoolFailure(error);
  }
  options.onStored?.({
    record: { format: SPOOL_RECORD_FORMAT, version: SPOOL_RECORD_VERSION, id, receivedAt, size: message.length, envelope, meta, message },
    fileSize,
  });
  return { kind: "accepted", id, detail: `queued as ${id}` };
}

/**
 * The file a record is written into before its rename into new/: a spare written over, in a
 * process that keeps spares for this spool (keepSpareRecordFiles), or a new tmp/<id>.
 */
async function openRecordFile(dir: string, tmpPath: string): Promise<{ fd: number; path: string }> {
  await spoolFolders.get(dir);
  const spares = spareRecordFilesOf(dir);
  for (let spare = spares?.take(); spare !== undefined; spare = spares?.take()) {
    try {
      return { fd: await openDescriptor(spare, REUSED_DURABLE_FILE), path: spare };
    } catch (error) {
      const code = errorCode(error);
      // no descriptor free: the spare is fine, and a new file would fail the same way
      if (code === "EMFILE" || code === "ENFILE") {
        spares!.giveBack(spare);
        throw error;
      }
      // removed by hand, or the spool folder with it (ENOENT), or unusable: the next spare, or a new file
      if (code !== "ENOENT") await rm(spare, { force: true }).catch(() => undefined);
    }
  }
  try {
    return { fd: await openDescriptor(tmpPath, NEW_DURABLE_FILE, SPOOL_FILE_MODE), path: tmpPath };
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
    // the spool folder was removed under a running server: create it again, once
    spoolFolders.forget(dir);
    await spoolFolders.get(dir);
    return { fd: await openDescriptor(tmpPath, NEW_DURABLE_FILE, SPOOL_FILE_MODE), path: tmpPath };
  }
}

function spoolFailure(error: unknown): DeliveryOutcome {
  const code = errorCode(error);
  const full = code === "ENOSPC" || code === "EDQUOT";
  return { kind: "temporary", ...(full ? DeliveryReplies.spoolFull : DeliveryReplies.spoolFailed(code ?? "error")) };
}

// Folders are created on first use, and every new directory entry fsync'd in its parent, so a
// record is never durable in a folder whose own entry is not.
const spoolFolders = new PromisePerKey<string, void>((dir) => createSpoolFolders(dir));

async function createSpoolFolders(dir: string): Promise<void> {
  const created: string[] = [];
  const firstCreated = await mkdir(dir, { recursive: true, mode: SPOOL_FOLDER_MODE });
  if (firstCreated !== undefined) {
    for (let folder = dir; ; folder = dirname(folder)) {
      created.push(folder);
      if (folder === firstCreated || folder === dirname(folder)) break;
    }
  }
  for (const sub of [SPOOL_TMP_FOLDER, SPOOL_NEW_FOLDER]) {
    const made = await mkdir(join(dir, sub), { recursive: true, mode: SPOOL_FOLDER_MODE });
    if (made !== undefined) created.push(made);
  }
  const parents = new Set(created.map((folder) => dirname(folder)));
  for (const parent of parents) await fsyncPath(parent);
}

/** The one group commit of DIR/new in this process, shared by the spool writers and the queue runner of DIR. */
const newFolderSyncs = new Map<string, DirectorySyncBatcher>();

function newFolderSync(spoolDir: string): DirectorySyncBatcher {
  let batcher = newFolderSyncs.get(spoolDir);
  if (!batcher) newFolderSyncs.set(spoolDir, (batcher = new DirectorySyncBatcher(join(spoolDir, SPOOL_NEW_FOLDER))));
  return batcher;
}

/**
 * Group commit for one directory: callers whose change (rename, unlink) finished while an fsync
 * was running wait for the next fsync, which then covers all of them. An fsync that started
 * before a caller's change never acknowledges that caller. The directory stays open while
 * fsyncs follow one another (under load, for as long as the load lasts) and is closed when
 * none waits: an open and a close per fsync were a tenth of the spool's calls.
 */
class DirectorySyncBatcher {
  /** fsyncs run so far */
  syncs = 0;
  private running = false;
  private waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly folder: string) {}

  sync(): Promise<void> {
    return new Promise<void>((resolveSync, rejectSync) => {
      this.waiting.push({ resolve: resolveSync, reject: rejectSync });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    let fd: number | undefined;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        // the folder was removed (and made again, by this or another process) since it was
        // opened: its changes are in the new one, so fsync that (a removed folder has no links)
        if (fd !== undefined && fstatSync(fd).nlink === 0) fd = closeQuietly(fd);
        fd ??= await openDescriptor(this.folder, "r");
        this.syncs++;
        await fsyncDescriptor(fd);
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        fd = closeQuietly(fd); // open it afresh for the next batch
        for (const waiter of batch) waiter.reject(error);
      }
    }
    closeQuietly(fd);
    this.running = false;
  }
}

/** Closes a folder's descriptor kept for fsyncs; nothing was written through it, so a failure loses nothing. */
function closeQuietly(fd: number | undefined): undefined {
  if (fd === undefined) return undefined;
  try {
    closeDescriptor(fd);
  } catch {
    // EBADF or EIO on a read-only directory descriptor: it is gone either way
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
