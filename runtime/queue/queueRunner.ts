// The store-and-forward queue runner (`deliver spool "DIR" relay URL`): forwards every record in
// DIR/new/ to the next hop, keeps per-recipient results in the record (rewritten crash-safely)
// so a recipient that was delivered is never sent again, retries temporary failures with
// exponential backoff and jitter until the queue lifetime runs out, and queues RFC 3464 DSNs to
// the envelope sender as records of their own (null sender; never a DSN about a DSN). Sessions
// with the next hop are reused across records (runtime/deliver/relayPool.ts).
// It must never send a record that is not whole (only new/ is read; tmp/ is swept on start) and
// never drop a record without either delivering, reporting or being told to (msac queue delete).
// Delivery is at least once: see docs/queue.md for where a duplicate can happen.
// Work arrives three ways: a record the server in this process (or a cluster worker) accepted is
// handed over by id (spoolEvents.ts) and attempted at once; a retry is due at a time the runner
// wrote itself and scans for then; everything else (records left by a crash, other processes'
// changes such as `msac queue retry`) is found by the scan at start and a slow safety-net scan.
// Finished records leave new/ with one shared directory fsync per batch (group commit).
// This file schedules the work (scans, concurrency, one attempt per record at a time); beside
// it: dueRecords.ts (scanning), attemptResults.ts (recipient states), retrySchedule.ts (backoff),
// queueDsns.ts (DSNs), bounceRecord.ts (`msac queue bounce`), queueFromPolicy.ts (settings).

import { statSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Envelope } from "../deliver/envelope.js";
import { relayMessage, type RelayOptions } from "../deliver/relayClient.js";
import { parseRelayUrl } from "../deliver/relayEndpoint.js";
import type { RelayOutcome } from "../deliver/relayOutcome.js";
import type { RelayTarget } from "../deliver/relayTarget.js";
import { nextHopFor, type NextHops } from "../deliver/senderNextHop.js";
import { RelayPool, type RelayPoolOptions } from "../deliver/relayPool.js";
import { SPOOL_NEW_FOLDER, SPOOL_RECORD_SUFFIX, SpoolRecordError, type QueueAttempt, type QueueState, type SpoolRecord } from "../deliver/spoolRecord.js";
import { readSpoolRecord, removeSpoolRecord, rewriteSpoolRecord, spoolRecordPath, sweepSpoolTmp, type StoredRecord } from "../deliver/spoolWriter.js";
import { clientFactsOf } from "../deliver/xforward.js";
import { expireRecipients, recordOutcome } from "./attemptResults.js";
import { systemClock, type Clock } from "./clock.js";
import { DueRecords } from "./dueRecords.js";
import { queueDueDsns } from "./queueDsns.js";
import { initialQueueState, pendingIndexes } from "./queueState.js";
import { breakStaleLocks, lockRecord } from "./recordLock.js";
import { DEFAULT_RETRY, retryDelay, type RetrySchedule } from "./retrySchedule.js";
import { RoomWaiters } from "./roomWaiters.js";
import { announceSpoolRoom, onSpooled, onSpoolRoom } from "./spoolEvents.js";

// The runner's other parts, under the names their importers know.

/** A record that cannot be read goes here (never sent, never blocks new/). */
export const SPOOL_BAD_FOLDER = "bad";

/** RFC 5321 section 4.5.4.1: give up after at least 4-5 days. */
export const DEFAULT_QUEUE_LIFETIME_MS = 5 * 24 * 3_600_000;
/** a NOTIFY=DELAY recipient hears once that its mail is late after this long */
export const DEFAULT_DELAY_NOTICE_MS = 4 * 3_600_000;
/**
 * Attempts at once, and sessions with the next hop. Twenty and ten keep the drain up with a
 * server accepting from 20 sessions in the same event loop (bench/spoolRelay.ts: at 10 and 5,
 * a third of the messages was still queued when the last client got its 250); Postfix allows
 * 20 sessions per destination (default_destination_concurrency_limit).
 */
export const DEFAULT_CONCURRENCY = 20;
export const DEFAULT_QUEUE_POOL_CONNECTIONS = 10;
/** The safety-net scan of new/: what no hand-off and no retry time of ours announced. */
export const DEFAULT_POLL_INTERVAL_MS = 10_000;
/**
 * In-flow control (spoolEvents.ts spoolRoomOf): with this many records in hand per attempt slot
 * (in flight and waiting) or more, a session about to take a new message waits until one
 * finishes, at most a second; with `workers`, the primary tells the workers when the backlog
 * is full and when it has room again (announceRoom). Without it, clients sending faster than
 * the next hop takes grow the spool without bound (bench sustained: 1,527 accepted and 867
 * forwarded per second, 40,000 queued after 60 s at 32 sessions).
 */
export const IN_FLOW_BACKLOG_PER_ATTEMPT = 4;

/** The part of a pino logger the runner uses. */
export interface QueueLog {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export interface QueueRunnerOptions {
  dir: string;
  /** The next hop; `bySender` (from `deliver from`) replaces it for the records of some senders. */
  relay: RelayTarget;
  bySender?: NextHops["bySender"];
  /** our hostname: EHLO name, Reporting-MTA of DSNs */
  hostname: string;
  /** `FILE:LINE` of the deliver rule, named in the log event of each refused recipient */
  rule?: string;
  /** Signs a record again when it is converted to 7-bit for the next hop (RelayOptions.resign) */
  resign?: (converted: Buffer) => Promise<Buffer>;
  concurrency?: number;
  lifetimeMs?: number;
  retry?: Partial<RetrySchedule>;
  delayNoticeMs?: number;
  /** the safety-net scan of new/ (default 10 s); hand-offs and retries due earlier scan earlier */
  pollIntervalMs?: number;
  /** RET=FULL returns the whole message only up to this size (default 1 MB) */
  dsnFullMessageLimit?: number;
  clock?: Clock;
  /** [0, 1); for the jitter */
  random?: () => number;
  log?: QueueLog;
  /** Told the outcome of every attempt (the relay-attempt metric of `metrics listen`). */
  onAttempt?: (result: "delivered" | "deferred" | "failed") => void;
  relayOptions?: RelayOptions;
  /**
   * Sessions with the next hop reused across records (RSET between messages); default at most
   * min(concurrency, 10) connections, 100 messages each, closed after 10 s idle. false: one
   * connection per attempt.
   */
  pool?: RelayPoolOptions | false;
  /** the relay client (tests may count or fail calls); default relayMessage */
  relayFn?: typeof relayMessage;
}

/** Bytes of handed-over records kept in memory until their attempts; beyond, they are read back when due. */
const HANDED_OVER_BYTES = 64 * 1024 * 1024;

const silentLog: QueueLog = { info() {}, warn() {}, error() {} };

export class QueueRunner {
  readonly dir: string;
  /** the maximum time a record stays queued (RFC 5321 section 4.5.4.1) */
  readonly lifetimeMs: number;
  private readonly options: QueueRunnerOptions;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: QueueLog;
  private readonly onAttempt: (result: "delivered" | "deferred" | "failed") => void;
  private readonly retry: RetrySchedule;
  private readonly concurrency: number;
  private readonly relayFn: typeof relayMessage;
  private readonly hops: NextHops;
  private readonly pool: RelayPool | undefined;
  private readonly due: DueRecords;
  private readonly tasks = new Map<string, Promise<void>>();
  /** records handed over by the writer of this process, by file name, until their attempt */
  private readonly handedOver = new Map<string, StoredRecord>();
  private handedOverBytes = 0;
  private waiting: { name: string; done: () => void }[] = [];
  private active = 0;
  private stopped = false;
  /** start() ran: scans are scheduled (a runner driven by runDue alone schedules none) */
  private started = false;
  private pollTimer: unknown;
  /** when pollTimer fires (clock time) */
  private pollAt = Number.POSITIVE_INFINITY;
  private polling: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private withdrawRoom: (() => void) | undefined;
  /** sessions waiting for room (in-flow control) */
  private readonly roomWaiters: RoomWaiters;
  /** whether cluster workers were last told there is room (announceRoom) */
  private announcedRoom = true;
  /** records in hand (in flight and waiting) from which a new message waits: IN_FLOW_BACKLOG_PER_ATTEMPT per attempt slot */
  private readonly backlogBound: number;

  constructor(options: QueueRunnerOptions) {
    this.options = options;
    this.dir = resolve(options.dir);
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_QUEUE_LIFETIME_MS;
    this.clock = options.clock ?? systemClock;
    this.roomWaiters = new RoomWaiters(this.clock);
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLog;
    this.onAttempt = options.onAttempt ?? (() => {});
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.backlogBound = this.concurrency * IN_FLOW_BACKLOG_PER_ATTEMPT;
    this.relayFn = options.relayFn ?? relayMessage;
    this.due = new DueRecords(this.dir, this.clock);
    this.pool = options.pool === false ? undefined : new RelayPool({ maxConnections: Math.min(this.concurrency, DEFAULT_QUEUE_POOL_CONNECTIONS), ...options.pool });
    this.hops = { main: options.relay, bySender: options.bySender ?? new Map() };
  }

  /**
   * Recovery, then the poll loop: removes what a crash left in tmp/ (older than this process:
   * nothing that was acknowledged) and stale locks, and picks up every record in new/.
   */
  async start(): Promise<void> {
    const processStart = new Date(Date.now() - process.uptime() * 1000);
    const swept = await sweepSpoolTmp(this.dir, { olderThan: processStart });
    const freed = await breakStaleLocks(this.dir);
    this.started = true;
    this.unsubscribe = onSpooled(this.dir, (id, stored) => void this.handOff(id, stored));
    this.withdrawRoom = onSpoolRoom(this.dir, (maxWaitMs) => this.room(maxWaitMs));
    // a runner that stopped with a full backlog (a reload) may have left the workers holding back
    announceSpoolRoom(this.dir, true);
    if (swept.length || freed.length) this.log.info({ event: "queue-recovered", tmpRemoved: swept.length, locksBroken: freed.length }, "queue recovered");
    this.schedulePoll(0);
  }

  /** Stops polling and waits for the attempts in flight (each finishes or is cut by its timeouts). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.withdrawRoom?.();
    this.roomWaiters.admitAll();
    if (!this.announcedRoom) announceSpoolRoom(this.dir, (this.announcedRoom = true));
    if (this.pollTimer !== undefined) this.clock.clearTimer(this.pollTimer);
    // records not started yet are let go, and no longer count in the backlog
    for (const { name, done } of this.waiting.splice(0)) {
      this.tasks.delete(name);
      done();
    }
    this.handedOver.clear();
    this.handedOverBytes = 0;
    await this.polling;
    await Promise.all([...this.tasks.values()]);
    this.pool?.close();
  }

  /**
   * A record just accepted (durable in new/): attempted as soon as a slot is free, no scan.
   * `stored` (written in this process) spares reading it back, unless HANDED_OVER_BYTES of them wait: a
   * queue that builds up (next hop down) keeps names in memory, not messages. Resolves once
   * the attempt is done.
   */
  handOff(id: string, stored?: StoredRecord): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const name = id + SPOOL_RECORD_SUFFIX;
    if (stored && !this.tasks.has(name) && this.handedOverBytes + stored.fileSize <= HANDED_OVER_BYTES) {
      this.handedOver.set(name, stored);
      this.handedOverBytes += stored.fileSize;
    }
    return this.enqueue(name);
  }

  /** One pass: every record due now is attempted; resolves when they all are done (tests use this). */
  async runDue(): Promise<void> {
    const names = await this.scanDue();
    await Promise.all(names.map((name) => this.enqueue(name)));
  }

  /** Names in new/ whose next attempt is due, oldest first, skipping those already in hand. */
  private scanDue(): Promise<string[]> {
    return this.due.scan((name) => this.tasks.has(name));
  }

  /** The next scan in `ms`, unless one is due sooner already. */
  private schedulePoll(ms: number): void {
    if (this.stopped || !this.started) return;
    const at = this.clock.now() + Math.max(0, ms);
    if (this.pollTimer !== undefined) {
      if (this.pollAt <= at) return;
      this.clock.clearTimer(this.pollTimer);
    }
    this.pollAt = at;
    this.pollTimer = this.clock.setTimer(() => {
      this.pollTimer = undefined;
      this.pollAt = Number.POSITIVE_INFINITY;
      this.polling = this.scanDue()
        .then((names) => {
          for (const name of names) void this.enqueue(name);
        })
        .catch((error: unknown) => this.log.error({ event: "queue-scan-failed", err: (error as Error).message }, "cannot read the queue"))
        .finally(() => {
          this.polling = undefined;
          const safetyNet = this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
          const nextDue = this.due.nextDueAt() - this.clock.now();
          this.schedulePoll(Math.min(safetyNet, Math.max(0, nextDue)));
        });
    }, at - this.clock.now());
  }

  private enqueue(name: string): Promise<void> {
    if (this.stopped) return Promise.resolve(); // a scan that ends after stop() starts nothing
    const existing = this.tasks.get(name);
    if (existing) return existing;
    const task = new Promise<void>((done) => this.waiting.push({ name, done }));
    this.tasks.set(name, task);
    this.announceRoom();
    this.pump();
    return task;
  }

  private pump(): void {
    while (!this.stopped && this.active < this.concurrency && this.waiting.length > 0) {
      const { name, done } = this.waiting.shift()!;
      this.active++;
      this.processRecord(name)
        .catch((error: unknown) => this.log.error({ event: "queue-attempt-failed", file: name, err: (error as Error).message }, "queue attempt failed"))
        .finally(() => {
          this.active--;
          this.tasks.delete(name);
          done();
          this.pump();
          if (this.hasRoom()) this.roomWaiters.admitFirst(); // one per finished record: the backlog does not jump back up at once
          this.announceRoom();
        });
    }
  }

  /**
   * In-flow control: undefined when there is room now; otherwise resolves once the backlog is
   * under its bound and no earlier session waits, or after `maxWaitMs`, or when the runner stops.
   */
  room(maxWaitMs: number): Promise<void> | undefined {
    if (this.stopped || (this.roomWaiters.size === 0 && this.hasRoom())) return undefined;
    return this.roomWaiters.wait(maxWaitMs);
  }

  private hasRoom(): boolean {
    return this.tasks.size < this.backlogBound;
  }

  /**
   * Tells the cluster workers (through the primary) when the backlog fills and when it has room
   * again. Room again only at half the bound: a steady overload announces once per half backlog,
   * not once per record.
   */
  private announceRoom(): void {
    if (this.stopped) return; // stop() said there is room; a runner that starts again says it too
    const hasRoom = this.announcedRoom ? this.hasRoom() : this.tasks.size <= this.backlogBound / 2;
    if (hasRoom !== this.announcedRoom) announceSpoolRoom(this.dir, (this.announcedRoom = hasRoom));
  }

  private async processRecord(name: string): Promise<void> {
    const handed = this.handedOver.get(name);
    if (handed) {
      this.handedOver.delete(name);
      this.handedOverBytes -= handed.fileSize;
    }
    if (this.stopped) return;
    const id = name.slice(0, -SPOOL_RECORD_SUFFIX.length);
    const lock = await lockRecord(this.dir, id);
    if (!lock) return; // msac queue is changing it; the next pass sees the result
    try {
      let record: SpoolRecord;
      let fresh: SpoolRecord | undefined;
      try {
        fresh = handed && unchangedSince(this.dir, handed);
        record = fresh ?? (await readSpoolRecord(spoolRecordPath(this.dir, id)));
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return; // delivered or deleted meanwhile
        if (error instanceof SpoolRecordError) return await this.quarantine(name, error);
        throw error;
      }
      const now = this.clock.now();
      const state = record.queue ?? initialQueueState(record);
      // a record handed over untouched is due (just accepted); any other may have been rescheduled since the scan
      if (!fresh && Date.parse(state.nextAttemptAt) > now) return;
      await this.attempt(record, state, now);
    } finally {
      this.due.forget(name);
      await lock.release();
    }
  }

  private async quarantine(name: string, error: Error): Promise<void> {
    await mkdir(join(this.dir, SPOOL_BAD_FOLDER), { recursive: true, mode: 0o700 });
    await rename(join(this.dir, SPOOL_NEW_FOLDER, name), join(this.dir, SPOOL_BAD_FOLDER, name));
    this.log.error({ event: "queue-bad-record", file: name, err: error.message }, "unreadable queue record moved to bad/");
  }

  private async attempt(record: SpoolRecord, state: QueueState, now: number): Promise<void> {
    const at = new Date(now).toISOString();
    const entry: QueueAttempt = { at, result: "delivered", delivered: [], failed: [], deferred: [] };
    const pending = pendingIndexes(state);
    const lifetime = this.lifetimeMs;
    const receivedAt = Date.parse(record.receivedAt);
    let nextHopDsn = false;

    if (pending.length > 0 && now - receivedAt >= lifetime) {
      expireRecipients(state, pending, entry, lifetime, at);
    } else if (pending.length > 0) {
      const outcome = await this.relay(record, pending);
      const { rcptAccepted, nextHopDsn: offersDsn } = recordOutcome(state, entry, outcome, pending, at);
      nextHopDsn = offersDsn;
      // the next hop deferred one recipient and took the others' RCPT, but nothing was sent
      // (relayClient abandons before the dot): send to those others now, alone
      if (outcome.kind === "temporary" && rcptAccepted.length > 0 && rcptAccepted.length < pending.length) {
        entry.deferred = entry.deferred.filter((address) => !rcptAccepted.some((i) => state.recipients[i]!.address === address));
        nextHopDsn = recordOutcome(state, entry, await this.relay(record, rcptAccepted), rcptAccepted, at).nextHopDsn || nextHopDsn;
      }
      entry.result = entry.deferred.length > 0 ? "deferred" : entry.failed.length > 0 ? (entry.delivered.length > 0 ? "partly refused" : "refused") : "delivered";
      const last = state.recipients.find((r) => r.state === "pending" && r.text);
      if (entry.deferred.length > 0) entry.text = last?.text;
    }
    if (pending.length > 0) state.attempts.push(entry);
    await this.finish(record, state, now, nextHopDsn);
    this.logAttempt(record, entry, state);
  }

  private async relay(record: SpoolRecord, indexes: number[]): Promise<RelayOutcome> {
    const envelope: Envelope = { ...record.envelope, recipients: indexes.map((i) => record.envelope.recipients[i]!) };
    // the client's facts as the record kept them, so a message forwarded later still names its client (XFORWARD)
    const client = clientFactsOf({ queueId: record.id, ...record.meta });
    const outcome = await this.relayFn(this.nextHop(record), envelope, record.message, {
      clientName: this.options.hostname,
      ...(this.pool ? { pool: this.pool } : {}),
      ...(this.options.resign ? { resign: this.options.resign } : {}),
      ...(client ? { client } : {}),
      ...this.options.relayOptions,
    });
    if (outcome.kind === "accepted" && outcome.xforwardRefused) {
      this.log.warn(
        { event: "xforward-refused", queueId: record.id, reply: outcome.xforwardRefused, ...(this.options.rule ? { rule: this.options.rule } : {}) },
        "XFORWARD refused by the next hop",
      );
    }
    return outcome;
  }

  /** The hop the record's sender picks (a DSN: the hop of the message it reports on). */
  private nextHop(record: SpoolRecord): RelayTarget {
    return nextHopFor(this.hops, record.envelope, record.meta.dsnFor !== undefined);
  }

  /** The host of the record's next hop, the Remote-MTA of its DSNs. */
  private remoteMta(record: SpoolRecord): string | undefined {
    try {
      return parseRelayUrl(this.nextHop(record).url).host;
    } catch {
      return undefined;
    }
  }

  /** DSNs first (durable), then the record: rewritten while anything is left, removed when done. */
  private async finish(record: SpoolRecord, state: QueueState, now: number, nextHopDsn: boolean): Promise<void> {
    const allReported = await queueDueDsns(this.dir, record, state, {
      now,
      hostname: this.options.hostname,
      nextHopOffersDsn: nextHopDsn,
      delayNoticeMs: this.options.delayNoticeMs ?? DEFAULT_DELAY_NOTICE_MS,
      remoteMta: this.remoteMta(record),
      fullMessageLimit: this.options.dsnFullMessageLimit,
      log: this.log,
    });
    const pending = pendingIndexes(state);
    if (pending.length === 0 && allReported) {
      await removeSpoolRecord(this.dir, record.id, { groupCommit: true });
      return;
    }
    const failures = state.attempts.filter((a) => a.deferred.length > 0).length;
    let next = now + (pending.length > 0 ? retryDelay(Math.max(1, failures), this.retry, this.random) : this.retry.initialMs);
    // expiry is not left waiting for a long backoff
    const expiresAt = Date.parse(record.receivedAt) + this.lifetimeMs;
    if (pending.length > 0 && expiresAt > now) next = Math.min(next, expiresAt);
    state.nextAttemptAt = new Date(next).toISOString();
    await rewriteSpoolRecord(this.dir, { ...record, queue: state }, { groupCommit: true });
    this.schedulePoll(next - now);
  }

  private logAttempt(record: SpoolRecord, entry: QueueAttempt, state: QueueState): void {
    const fields = {
      event: "queue-attempt",
      queueId: record.id,
      result: entry.result,
      delivered: entry.delivered.length,
      failed: entry.failed.length,
      deferred: entry.deferred.length,
      attempts: state.attempts.length,
      ...(entry.text ? { text: entry.text } : {}),
    };
    if (entry.deferred.length > 0 || entry.failed.length > 0) this.log.warn(fields, `queue ${entry.result}`);
    else this.log.info(fields, `queue ${entry.result}`);
    for (const address of entry.failed) {
      const r = state.recipients.find((recipient) => recipient.address === address && recipient.state === "failed");
      this.log.warn(
        {
          event: entry.result === "expired" ? "recipient-expired" : "recipient-refused",
          queueId: record.id,
          recipient: address,
          code: r?.code,
          enhanced: r?.enhanced,
          reply: r?.text,
          ...(this.options.rule ? { rule: this.options.rule } : {}),
        },
        `recipient <${address}> failed`,
      );
    }
    this.onAttempt(entry.failed.length > 0 ? "failed" : entry.deferred.length > 0 ? "deferred" : "delivered");
  }
}

/**
 * The record as handed over when its file is still the one written (taken under the record's
 * lock): every rewrite adds queue state, so the same size means no other process (another
 * runner, `msac queue`) changed it. A synchronous stat, like the lock: no wait behind fsyncs.
 * Throws ENOENT when the record is gone (delivered or deleted by another process).
 */
function unchangedSince(dir: string, handed: StoredRecord): SpoolRecord | undefined {
  return statSync(spoolRecordPath(dir, handed.record.id)).size === handed.fileSize ? handed.record : undefined;
}
