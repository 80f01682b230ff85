// The store-and-forward queue runner (`deliver spool "DIR" relay URL`): forwards every record in
// DIR/new/ to the next hop, keeps per-recipient results in the record (rewritten crash-safely)
// so a recipient that was delivered is never sent again, retries temporary failures with
// exponential backoff and jitter until the queue lifetime runs out, and queues RFC 3464 DSNs to
// the envelope sender as records of their own (null sender; never a DSN about a DSN). Sessions
// with the next hop are reused across records (runtime/deliver/relayPool.ts).
// It must never send a record that is not whole (only new/ is read; tmp/ is swept on start) and
// never drop a record without either delivering, reporting or being told to (msac queue delete).
// Delivery is at least once: see docs/queue.md for where a duplicate can happen.

import { mkdir, readdir, rename, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ruleLocation, type DkimSignatureNode, type RuleGraph } from "../../graph/graph.js";
import { QueueStatus, Replies } from "../decision/replies.js";
import { createDkimSigner, type DkimSigner } from "../dkim/dkimSigner.js";
import type { Envelope } from "../deliver/envelope.js";
import { parseRelayUrl, relayMessage, type RelayOptions, type RelayOutcome, type RelayTarget } from "../deliver/relayClient.js";
import { DEFAULT_POOL_CONNECTIONS, RelayPool, type RelayPoolOptions } from "../deliver/relayPool.js";
import { relayTargetFromGraph } from "../deliver/relayTarget.js";
import { SPOOL_NEW_FOLDER, SPOOL_RECORD_SUFFIX, SpoolRecordError, type QueueAttempt, type QueueState, type SpoolRecord } from "../deliver/spoolRecord.js";
import { readSpoolRecord, removeSpoolRecord, rewriteSpoolRecord, spoolRecordPath, sweepSpoolTmp, writeSpoolRecord } from "../deliver/spoolWriter.js";
import { systemClock, type Clock } from "./clock.js";
import { buildDsn, smtpDiagnostic, wantsFailureNotice, type DsnAction, type DsnRecipient } from "./dsn.js";
import { breakStaleLocks, lockRecord, withLockedRecord } from "./recordLock.js";
import { onSpooled } from "./spoolEvents.js";

/** A record that cannot be read goes here (never sent, never blocks new/). */
export const SPOOL_BAD_FOLDER = "bad";

export interface RetrySchedule {
  /** wait after the first temporary failure */
  initialMs: number;
  /** each further failure multiplies the wait by this */
  factor: number;
  /** the wait never exceeds this */
  maxMs: number;
  /** each wait is scaled by a random factor in [1 - jitter, 1 + jitter] so retries do not come in waves */
  jitter: number;
}

/** 1 min, 2, 4, 8, 16, 32, then every 60 min (each ±20 %). */
export const DEFAULT_RETRY: RetrySchedule = { initialMs: 60_000, factor: 2, maxMs: 3_600_000, jitter: 0.2 };
/** RFC 5321 section 4.5.4.1: give up after at least 4-5 days. */
export const DEFAULT_QUEUE_LIFETIME_MS = 5 * 24 * 3_600_000;
/** a NOTIFY=DELAY recipient hears once that its mail is late after this long */
export const DEFAULT_DELAY_NOTICE_MS = 4 * 3_600_000;
export const DEFAULT_CONCURRENCY = 10;
export const DEFAULT_POLL_INTERVAL_MS = 1_000;

/** The part of a pino logger the runner uses. */
export interface QueueLog {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export interface QueueRunnerOptions {
  dir: string;
  relay: RelayTarget;
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
   * min(concurrency, 5) connections, 100 messages each, closed after 10 s idle. false: one
   * connection per attempt.
   */
  pool?: RelayPoolOptions | false;
  /** the relay client (tests may count or fail calls); default relayMessage */
  relayFn?: typeof relayMessage;
}

const silentLog: QueueLog = { info() {}, warn() {}, error() {} };

/** The wait before attempt n + 1 after n temporary failures (n >= 1). */
export function retryDelay(failures: number, schedule: RetrySchedule, random: () => number = Math.random): number {
  const base = Math.min(schedule.maxMs, schedule.initialMs * schedule.factor ** Math.max(0, failures - 1));
  return Math.round(base * (1 - schedule.jitter + 2 * schedule.jitter * random()));
}

export function initialQueueState(record: Pick<SpoolRecord, "envelope" | "receivedAt">): QueueState {
  return {
    recipients: record.envelope.recipients.map((r) => ({ address: r.address, state: "pending" })),
    attempts: [],
    nextAttemptAt: record.receivedAt,
  };
}

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
  private readonly remoteMta: string | undefined;
  private readonly pool: RelayPool | undefined;
  /** name -> when it is due, keyed on the file's identity so a rewrite invalidates it */
  private readonly dueCache = new Map<string, { key: string; dueAt: number }>();
  private readonly tasks = new Map<string, Promise<void>>();
  private waiting: { name: string; done: () => void }[] = [];
  private active = 0;
  private stopped = false;
  private pollTimer: unknown;
  private polling: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: QueueRunnerOptions) {
    this.options = options;
    this.dir = resolve(options.dir);
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_QUEUE_LIFETIME_MS;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLog;
    this.onAttempt = options.onAttempt ?? (() => {});
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.relayFn = options.relayFn ?? relayMessage;
    this.pool = options.pool === false ? undefined : new RelayPool({ maxConnections: Math.min(this.concurrency, DEFAULT_POOL_CONNECTIONS), ...options.pool });
    try {
      this.remoteMta = parseRelayUrl(options.relay.url).host;
    } catch {
      this.remoteMta = undefined;
    }
  }

  /**
   * Recovery, then the poll loop: removes what a crash left in tmp/ (older than this process:
   * nothing that was acknowledged) and stale locks, and picks up every record in new/.
   */
  async start(): Promise<void> {
    const processStart = new Date(Date.now() - process.uptime() * 1000);
    const swept = await sweepSpoolTmp(this.dir, { olderThan: processStart });
    const freed = await breakStaleLocks(this.dir);
    this.unsubscribe = onSpooled(this.dir, () => this.wake());
    if (swept.length || freed.length) this.log.info({ event: "queue-recovered", tmpRemoved: swept.length, locksBroken: freed.length }, "queue recovered");
    this.schedulePoll(0);
  }

  /** Stops polling and waits for the attempts in flight (each finishes or is cut by its timeouts). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.pollTimer !== undefined) this.clock.clearTimer(this.pollTimer);
    for (const { done } of this.waiting.splice(0)) done();
    await this.polling;
    await Promise.all([...this.tasks.values()]);
    this.pool?.close();
  }

  /** Look for due records now instead of at the next poll (the writer may call this after a 250). */
  wake(): void {
    if (!this.stopped && this.polling === undefined) this.schedulePoll(0);
  }

  /** One pass: every record due now is attempted; resolves when they all are done (tests use this). */
  async runDue(): Promise<void> {
    const names = await this.scanDue();
    await Promise.all(names.map((name) => this.enqueue(name)));
  }

  private schedulePoll(ms: number): void {
    if (this.stopped) return;
    if (this.pollTimer !== undefined) this.clock.clearTimer(this.pollTimer);
    this.pollTimer = this.clock.setTimer(() => {
      this.pollTimer = undefined;
      this.polling = this.scanDue()
        .then((names) => {
          for (const name of names) void this.enqueue(name);
        })
        .catch((error: unknown) => this.log.error({ event: "queue-scan-failed", err: (error as Error).message }, "cannot read the queue"))
        .finally(() => {
          this.polling = undefined;
          this.schedulePoll(this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
        });
    }, ms);
  }

  /** Names in new/ whose next attempt is due, oldest first, skipping those already in hand. */
  private async scanDue(): Promise<string[]> {
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
      if (this.tasks.has(name)) continue;
      const info = await stat(join(folder, name)).catch(() => undefined);
      if (!info) continue;
      const key = `${info.ino}:${info.mtimeMs}:${info.size}`;
      let cached = this.dueCache.get(name);
      if (!cached || cached.key !== key) {
        cached = { key, dueAt: await this.readDueAt(join(folder, name)) };
        this.dueCache.set(name, cached);
      }
      if (cached.dueAt <= now) due.push(name);
    }
    return due;
  }

  private async readDueAt(path: string): Promise<number> {
    try {
      const record = await readSpoolRecord(path);
      return Date.parse((record.queue ?? initialQueueState(record)).nextAttemptAt);
    } catch {
      return 0; // unreadable: due now, so the attempt moves it to bad/
    }
  }

  private enqueue(name: string): Promise<void> {
    const existing = this.tasks.get(name);
    if (existing) return existing;
    const task = new Promise<void>((done) => this.waiting.push({ name, done }));
    this.tasks.set(name, task);
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
        });
    }
  }

  private async processRecord(name: string): Promise<void> {
    if (this.stopped) return;
    const id = name.slice(0, -SPOOL_RECORD_SUFFIX.length);
    const lock = await lockRecord(this.dir, id);
    if (!lock) return; // msac queue is changing it; the next pass sees the result
    try {
      let record: SpoolRecord;
      try {
        record = await readSpoolRecord(spoolRecordPath(this.dir, id));
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return; // delivered or deleted meanwhile
        if (error instanceof SpoolRecordError) return await this.quarantine(name, error);
        throw error;
      }
      const now = this.clock.now();
      const state = record.queue ?? initialQueueState(record);
      if (Date.parse(state.nextAttemptAt) > now) return; // rescheduled since the scan
      await this.attempt(record, state, now);
    } finally {
      this.dueCache.delete(name);
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
      // RFC 5321 section 4.5.4.1: give up, and say so to the sender
      const days = (lifetime / 86_400_000).toFixed(1).replace(/\.0$/, "");
      for (const i of pending) {
        const r = state.recipients[i]!;
        Object.assign(r, { state: "failed", ...QueueStatus.expired(days, r.text), at });
        entry.failed.push(r.address);
      }
      entry.result = "expired";
    } else if (pending.length > 0) {
      const apply = (outcome: RelayOutcome, indexes: number[]): number[] => {
        const rcptAccepted: number[] = [];
        indexes.forEach((i, j) => {
          const r = state.recipients[i]!;
          const result = outcome.perRecipient?.[j];
          if (outcome.kind === "accepted") {
            if (result && result.status !== "accepted") {
              Object.assign(r, { state: "failed", code: result.code, enhanced: result.enhanced, text: result.text, at });
              entry.failed.push(r.address);
            } else {
              Object.assign(r, { state: "delivered", code: Replies.ok.code, enhanced: Replies.ok.enhanced, text: outcome.detail, at });
              entry.delivered.push(r.address);
            }
          } else if (result?.status === "permanent" || (outcome.kind === "permanent" && result?.status !== "temporary")) {
            const reply = result?.status === "permanent" ? result : outcome.kind === "permanent" ? outcome : undefined;
            Object.assign(r, { state: "failed", code: reply?.code, enhanced: reply?.enhanced, text: reply?.text, at });
            entry.failed.push(r.address);
          } else {
            if (result?.status === "accepted") rcptAccepted.push(i);
            const reply = result?.status === "temporary" ? result : outcome.kind === "temporary" ? outcome : undefined;
            Object.assign(r, { code: reply?.code, enhanced: reply?.enhanced, text: reply?.text ?? "deferred" });
            if (!entry.deferred.includes(r.address)) entry.deferred.push(r.address);
          }
        });
        if (outcome.kind === "accepted" && outcome.nextHopExtensions?.includes("DSN")) nextHopDsn = true;
        if (outcome.kind !== "accepted") state.lastError = outcome.text;
        return rcptAccepted;
      };
      const outcome = await this.relay(record, pending);
      const rcptAccepted = apply(outcome, pending);
      // the next hop deferred one recipient and took the others' RCPT, but nothing was sent
      // (relayClient abandons before the dot): send to those others now, alone
      if (outcome.kind === "temporary" && rcptAccepted.length > 0 && rcptAccepted.length < pending.length) {
        entry.deferred = entry.deferred.filter((address) => !rcptAccepted.some((i) => state.recipients[i]!.address === address));
        apply(await this.relay(record, rcptAccepted), rcptAccepted);
      }
      entry.result = entry.deferred.length > 0 ? "deferred" : entry.failed.length > 0 ? (entry.delivered.length > 0 ? "partly refused" : "refused") : "delivered";
      const last = state.recipients.find((r) => r.state === "pending" && r.text);
      if (entry.deferred.length > 0) entry.text = last?.text;
    }
    if (pending.length > 0) state.attempts.push(entry);
    await this.finish(record, state, now, nextHopDsn);
    this.logAttempt(record, entry, state);
  }

  private relay(record: SpoolRecord, indexes: number[]): Promise<RelayOutcome> {
    const envelope: Envelope = { ...record.envelope, recipients: indexes.map((i) => record.envelope.recipients[i]!) };
    return this.relayFn(this.options.relay, envelope, record.message, {
      clientName: this.options.hostname,
      ...(this.pool ? { pool: this.pool } : {}),
      ...(this.options.resign ? { resign: this.options.resign } : {}),
      ...this.options.relayOptions,
    });
  }

  /** DSNs first (durable), then the record: rewritten while anything is left, removed when done. */
  private async finish(record: SpoolRecord, state: QueueState, now: number, nextHopDsn: boolean): Promise<void> {
    const allReported = await queueDueDsns(this.dir, record, state, {
      now,
      hostname: this.options.hostname,
      nextHopOffersDsn: nextHopDsn,
      delayNoticeMs: this.options.delayNoticeMs ?? DEFAULT_DELAY_NOTICE_MS,
      remoteMta: this.remoteMta,
      fullMessageLimit: this.options.dsnFullMessageLimit,
      log: this.log,
    });
    const pending = pendingIndexes(state);
    if (pending.length === 0 && allReported) {
      await removeSpoolRecord(this.dir, record.id);
      return;
    }
    const failures = state.attempts.filter((a) => a.deferred.length > 0).length;
    let next = now + (pending.length > 0 ? retryDelay(Math.max(1, failures), this.retry, this.random) : this.retry.initialMs);
    // expiry is not left waiting for a long backoff
    const expiresAt = Date.parse(record.receivedAt) + this.lifetimeMs;
    if (pending.length > 0 && expiresAt > now) next = Math.min(next, expiresAt);
    state.nextAttemptAt = new Date(next).toISOString();
    await rewriteSpoolRecord(this.dir, { ...record, queue: state });
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

function pendingIndexes(state: QueueState): number[] {
  const indexes: number[] = [];
  state.recipients.forEach((r, i) => {
    if (r.state === "pending") indexes.push(i);
  });
  return indexes;
}

export interface DsnContext {
  now: number;
  hostname: string;
  /** the next hop took the message and offered DSN: it reports success itself (RFC 3461 section 5.2.2) */
  nextHopOffersDsn: boolean;
  delayNoticeMs: number;
  remoteMta?: string;
  fullMessageLimit?: number;
  log?: QueueLog;
}

/**
 * Queues the DSNs that the recipients' states call for (RFC 3461 section 4.1, NOTIFY):
 * failed -> unless NOTIFY=NEVER or NOTIFY without FAILURE; delivered -> "relayed" only for
 * NOTIFY=SUCCESS when the next hop does not offer DSN; still pending after delayNoticeMs ->
 * "delayed" once, only for NOTIFY containing DELAY. Never for the null sender (RFC 3461
 * section 6.2: no DSN about a DSN). Marks what it handled; returns whether every final
 * recipient is reported (a failed DSN write is tried again at the next attempt).
 */
export async function queueDueDsns(dir: string, record: SpoolRecord, state: QueueState, context: DsnContext): Promise<boolean> {
  const nullSender = record.envelope.mailFrom === "";
  const groups: Record<DsnAction, number[]> = { failed: [], relayed: [], delayed: [] };
  state.recipients.forEach((r, i) => {
    const notify = record.envelope.recipients[i]?.dsn?.notify;
    if (r.state === "failed" && !r.reported) {
      if (!nullSender && wantsFailureNotice(notify)) groups.failed.push(i);
      else r.reported = true;
    } else if (r.state === "delivered" && !r.reported) {
      if (!nullSender && notify?.includes("SUCCESS") && !context.nextHopOffersDsn) groups.relayed.push(i);
      else r.reported = true;
    } else if (r.state === "pending" && !r.delayNotified && !nullSender && notify?.includes("DELAY") && context.now - Date.parse(record.receivedAt) >= context.delayNoticeMs) {
      groups.delayed.push(i);
    }
  });
  let allWritten = true;
  const letters: Record<DsnAction, string> = { failed: "F", relayed: "S", delayed: "D" };
  for (const action of ["failed", "relayed", "delayed"] as const) {
    const indexes = groups[action];
    if (indexes.length === 0) continue;
    const recipients: DsnRecipient[] = indexes.map((i) => {
      const r = state.recipients[i]!;
      const orcpt = record.envelope.recipients[i]?.dsn?.orcpt;
      const diagnostic = smtpDiagnostic(r.code, r.enhanced, r.text);
      return {
        address: r.address,
        ...(orcpt ? { orcpt } : {}),
        status: r.enhanced ?? QueueStatus.dsnDefault[action],
        ...(diagnostic ? { diagnostic } : {}),
        lastAttempt: new Date(context.now),
      };
    });
    const dsn = buildDsn({
      reportingMta: context.hostname,
      action,
      original: record,
      recipients,
      now: new Date(context.now),
      ...(context.remoteMta ? { remoteMta: context.remoteMta } : {}),
      ...(context.fullMessageLimit !== undefined ? { fullMessageLimit: context.fullMessageLimit } : {}),
    });
    // named after the record and the attempt: written twice after a crash, it replaces itself
    const dsnId = `${record.id}-${letters[action]}${state.attempts.length}`;
    const outcome = await writeSpoolRecord(dir, dsn.envelope, dsn.message, { dsnFor: record.id, dsnAction: action }, { id: dsnId, receivedAt: new Date(context.now) });
    if (outcome.kind !== "accepted") {
      allWritten = false;
      context.log?.error({ event: "queue-dsn-failed", queueId: record.id, action, err: outcome.text }, "cannot queue a DSN");
      continue;
    }
    for (const i of indexes) {
      if (action === "delayed") state.recipients[i]!.delayNotified = true;
      else state.recipients[i]!.reported = true;
    }
    context.log?.info({ event: "queue-dsn", queueId: record.id, dsnId, action, to: record.envelope.mailFrom, recipients: indexes.length }, `DSN (${action}) queued`);
  }
  return allWritten && state.recipients.every((r) => r.state === "pending" || r.reported);
}

/**
 * `msac queue bounce ID`: every pending recipient fails now (5.0.0), the DSNs go into the queue
 * and the record is removed. Takes the record's lock; false when it is busy or gone.
 */
export async function bounceQueuedRecord(dir: string, id: string, hostname: string, now: number = Date.now()): Promise<"bounced" | "busy" | "missing"> {
  return withLockedRecord(dir, id, async (record): Promise<"bounced"> => {
    const state = record.queue ?? initialQueueState(record);
    const at = new Date(now).toISOString();
    const entry: QueueAttempt = { at, result: "bounced by the administrator", delivered: [], failed: [], deferred: [] };
    for (const i of pendingIndexes(state)) {
      const r = state.recipients[i]!;
      Object.assign(r, { state: "failed", code: undefined, ...QueueStatus.bouncedByAdministrator, at });
      entry.failed.push(r.address);
    }
    state.attempts.push(entry);
    const done = await queueDueDsns(dir, record, state, { now, hostname, nextHopOffersDsn: true, delayNoticeMs: Infinity });
    if (!done) throw new Error("cannot queue the DSN");
    await removeSpoolRecord(dir, id);
    return "bounced";
  });
}

/**
 * The queue settings of a policy's graph, or undefined when its deliver rule has no store and
 * forward: the spool, the next hop with its TLS and AUTH options (the credentials file is read
 * here: RelayConfigurationError when it is missing or malformed) and the queue lifetime.
 */
export function queueRunnerOptionsFromGraph(
  graph: RuleGraph,
  relayExtra: Partial<RelayTarget> = {},
): Pick<QueueRunnerOptions, "dir" | "relay" | "hostname" | "lifetimeMs" | "rule" | "resign"> | undefined {
  const node = graph.deliver;
  if (node.kind !== "SpoolThenRelay") return undefined;
  const resign = resignerFor(graph.dkim ?? []); // a graph assembled by hand may leave dkim out
  return {
    ...(resign ? { resign } : {}),
    dir: node.dir,
    relay: relayTargetFromGraph(node.url, node.relay, relayExtra),
    hostname: graph.hostname,
    rule: ruleLocation(node.origin),
    lifetimeMs: node.lifetimeMs ?? DEFAULT_QUEUE_LIFETIME_MS, // `limit queue lifetime 5d`
  };
}

/**
 * The `sign dkim` rules' signer for records converted to 7-bit, or undefined without such rules.
 * The keys are read at the first conversion: the server has read them at start already, and
 * refuses to start when one cannot be read.
 */
function resignerFor(rules: DkimSignatureNode[]): QueueRunnerOptions["resign"] {
  if (rules.length === 0) return undefined;
  let signer: Promise<DkimSigner> | undefined;
  return async (converted) => {
    signer ??= createDkimSigner(
      rules.map(({ domain, selector, keyPath, headers, oversign }) => ({ domain, selector, keyPath, ...(headers ? { headers } : {}), ...(oversign ? { oversign } : {}) })),
    );
    return (await signer).resign(converted);
  };
}

export type QueueRunnerOverrides = Partial<Omit<QueueRunnerOptions, "relay">> & {
  /** added to the policy's relay target (tests: `ca`, a trusted test CA) */
  relay?: Partial<RelayTarget>;
};

/**
 * For `msac serve`: starts the runner of a `deliver spool "DIR" relay URL` policy (a no-op for
 * the other deliver forms), with the lifetime and next hop options of the policy. Throws
 * RelayConfigurationError at once when the relay credentials file is missing or malformed.
 */
export function startQueueRunner(
  graph: RuleGraph,
  log: QueueLog,
  overrides: QueueRunnerOverrides = {},
): { runner: QueueRunner | undefined; started: Promise<void>; stop(): Promise<void> } {
  const { relay: relayExtra, ...rest } = overrides;
  const settings = queueRunnerOptionsFromGraph(graph, relayExtra);
  if (!settings) return { runner: undefined, started: Promise.resolve(), stop: async () => {} };
  const runner = new QueueRunner({ ...settings, log, ...rest });
  const started = runner.start().catch((error: unknown) => {
    log.error({ event: "queue-start-failed", err: (error as Error).message }, "queue runner did not start");
  });
  // never the credentials: only whether there are some
  log.info(
    {
      event: "queue-started",
      dir: runner.dir,
      relay: settings.relay.url,
      requireTls: settings.relay.requireTls === true,
      auth: settings.relay.auth !== undefined,
      lifetimeMs: runner.lifetimeMs,
    },
    "queue runner started",
  );
  return {
    runner,
    started,
    async stop() {
      await started;
      await runner.stop();
    },
  };
}
