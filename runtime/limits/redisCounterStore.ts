// The CounterStore in Redis, so that several msa instances share one set of counters and blocks.
// Each counter is one hash {b, c, p} (bucket index, current, previous) rolled and checked by one Lua
// script (EVALSHA via ioredis defineCommand), so check-and-add is atomic across instances. The
// arithmetic after the script (estimate, retry-after) is slidingWindow.ts, shared with the memory store.
// An unreachable Redis never hangs or crashes a session: the store answers by `failMode`, by default
// from counters in this process's memory until Redis is back.

import { createRequire } from "node:module";
import type { Redis } from "ioredis";
import { MemoryCounterStore, type CounterKey, type CounterSpec, type CounterStore, type CounterVerdict, type NowSource } from "./counterStore.js";
import { EPSILON, estimate, retryAfterMs, type WindowState } from "./slidingWindow.js";

export type FailMode = "local" | "open" | "closed";

/** pino's Logger fits. */
export interface LimitsLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface RedisCounterStoreOptions {
  /** `redis://HOST:PORT[/DB]`, or a client the caller owns (then `close` leaves it open). */
  redis: string | Redis;
  /**
   * What an answer is while Redis cannot be reached (every outage is logged once, and its end):
   * - 'local' (the default): counters and blocks in this process's memory stand in, so mail keeps
   *   flowing and every limit still holds per instance (at most N times the limit over N instances);
   *   what was counted locally is dropped when Redis is back.
   * - 'open': every amount fits, adds are dropped, nothing is blocked.
   * - 'closed': every check fails with `unavailable`, so the server answers 451/454 until Redis is back.
   */
  failMode?: FailMode;
  /** The retry-after given with fail-closed refusals. */
  closedRetryAfterMs?: number;
  /** Prepended to every key. */
  prefix?: string;
  /** Bucket boundaries come from this clock, so instances need roughly synchronised clocks (NTP). */
  clock?: NowSource;
  logger?: LimitsLogger;
  /** How long one command may take before it counts as an outage. */
  commandTimeoutMs?: number;
}

export const DEFAULT_REDIS_PREFIX = "msa:rate:";
const DEFAULT_COMMAND_TIMEOUT_MS = 500;
const DEFAULT_CLOSED_RETRY_AFTER_MS = 60_000;

/**
 * KEYS: one hash per counter. ARGV: mode ('check' | 'consume' | 'add' | 'refund'), now, EPSILON (the slack is EPSILON * max(1, limit) as in slack()), then per key
 * windowMs, limit, amount. Rolls each counter to the current bucket exactly as slidingWindow.roll does;
 * 'check' and 'consume' stop at the first counter that does not fit and answer {index, b, c, p} (index
 * 1-based); otherwise 'consume' and 'add' write every counter with amount > 0, 'refund' takes the amount
 * out of every existing counter as slidingWindow.withdraw does, and each write sets the expiry to two
 * windows after the bucket began. The answer is then {0, b1, c1, p1, b2, c2, p2, ...} (states after
 * writing). Integers only cross the boundary (Redis truncates Lua numbers), so amounts must be integers.
 */
const SCRIPT = `
local mode = ARGV[1]
local now = tonumber(ARGV[2])
local eps = tonumber(ARGV[3])
local n = #KEYS
local states = {}
for i = 1, n do
  local w = tonumber(ARGV[1 + 3 * i])
  local b = math.floor(now / w)
  local h = redis.call('HMGET', KEYS[i], 'b', 'c', 'p')
  local hb = tonumber(h[1])
  local c = tonumber(h[2]) or 0
  local p = tonumber(h[3]) or 0
  if hb == nil then c = 0; p = 0
  elseif hb >= b then b = hb
  elseif hb == b - 1 then p = c; c = 0
  else c = 0; p = 0 end
  states[i] = {b, c, p, hb ~= nil}
  if mode == 'check' or mode == 'consume' then
    local limit = tonumber(ARGV[2 + 3 * i])
    local amount = tonumber(ARGV[3 + 3 * i])
    if amount > 0 then
      local elapsed = (now - b * w) / w
      if elapsed < 0 then elapsed = 0 elseif elapsed > 1 then elapsed = 1 end
      if p * (1 - elapsed) + c + amount > limit + eps * math.max(1, limit) then
        return {i, b, c, p}
      end
    end
  end
end
local out = {0}
for i = 1, n do
  local s = states[i]
  local w = tonumber(ARGV[1 + 3 * i])
  local amount = tonumber(ARGV[3 + 3 * i])
  local write = amount > 0 and (mode == 'consume' or mode == 'add' or (mode == 'refund' and s[4]))
  if write then
    if mode == 'refund' then
      local fromCurrent = math.min(amount, s[2])
      s[2] = s[2] - fromCurrent
      s[3] = math.max(0, s[3] - (amount - fromCurrent))
    else
      s[2] = s[2] + amount
    end
    redis.call('HSET', KEYS[i], 'b', s[1], 'c', s[2], 'p', s[3])
    local ttl = (s[1] + 2) * w - now
    if ttl < 1 then ttl = 1 end
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
  out[#out + 1] = s[1]; out[#out + 1] = s[2]; out[#out + 1] = s[3]
end
return out
`;

/** Blocks: SET with PX unless a longer block is already there. KEYS[1]; ARGV: ms. */
const BLOCK_SCRIPT = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0
`;

type ScriptReply = number[];
interface LimitsCommands {
  msaLimitsCount(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<ScriptReply>;
  msaLimitsBlock(key: string, ms: number): Promise<number>;
}

export class RedisCounterStore implements CounterStore {
  readonly failMode: FailMode;
  private readonly client: Redis & LimitsCommands;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly clock: NowSource;
  private readonly logger: LimitsLogger | undefined;
  private readonly closedRetryAfterMs: number;
  /** true while the last command failed; warnings are logged once per outage, not once per message */
  private outage = false;
  /** stands in while Redis is away, in 'local' mode */
  private readonly local: MemoryCounterStore;
  /**
   * Settles at the first 'ready' or 'error' (or after the connect timeout): commands wait for it so
   * that the first messages after start-up are not waved through while the connection is still being
   * made. Later commands never wait: with the offline queue off they fail at once while Redis is away.
   */
  private readonly firstContact: Promise<void>;

  constructor(options: RedisCounterStoreOptions) {
    this.failMode = options.failMode ?? "local";
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.logger = options.logger;
    this.closedRetryAfterMs = options.closedRetryAfterMs ?? DEFAULT_CLOSED_RETRY_AFTER_MS;
    this.local = new MemoryCounterStore({ clock: this.clock });
    const timeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (typeof options.redis === "string") {
      this.ownsClient = true;
      // loaded here, not at import: a policy without a Redis store never loads the client (2 MB of heap)
      const { Redis: RedisClient } = createRequire(import.meta.url)("ioredis") as typeof import("ioredis");
      this.client = new RedisClient(options.redis, {
        // Without these ioredis queues commands while disconnected and retries them for ever: a
        // session would hang on its rate check. Fail the command at once and let failMode answer.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: timeout,
        connectTimeout: Math.max(timeout, 1_000),
        // Keep reconnecting in the background, at most every 2 s.
        retryStrategy: (times) => Math.min(times * 100, 2_000),
      }) as Redis & LimitsCommands;
    } else {
      this.ownsClient = false;
      this.client = options.redis as Redis & LimitsCommands;
    }
    const firstContactMs = Math.max(timeout, 1_000);
    this.firstContact =
      this.client.status === "ready"
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const events = ["ready", "error", "end"] as const;
            const settle = (): void => {
              clearTimeout(timer);
              // a caller's client outlives this store: leave no listeners behind on it
              for (const event of events) this.client.off(event, settle);
              resolve();
            };
            const timer = setTimeout(settle, firstContactMs);
            timer.unref();
            for (const event of events) this.client.once(event, settle);
          });
    // An 'error' event without a listener is printed by ioredis on every reconnect attempt.
    this.client.on("error", (error: Error) => this.failed(error));
    this.client.on("ready", () => this.recovered());
    this.client.defineCommand("msaLimitsCount", { lua: SCRIPT });
    this.client.defineCommand("msaLimitsBlock", { lua: BLOCK_SCRIPT, numberOfKeys: 1 });
  }

  /** Resolves once connected, rejects after `timeoutMs`: for start-up, which may then log and go on. */
  async ready(timeoutMs = 5_000): Promise<void> {
    if (this.client.status === "ready") return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off("ready", onReady);
        reject(new Error(`redis not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once("ready", onReady);
    });
  }

  async check(specs: readonly CounterSpec[]): Promise<CounterVerdict> {
    return this.verdict("check", specs);
  }

  async consume(specs: readonly CounterSpec[]): Promise<CounterVerdict> {
    return this.verdict("consume", specs);
  }

  async add(specs: readonly Omit<CounterSpec, "limit">[]): Promise<number[]> {
    const now = this.clock.now();
    const reply = await this.run(() =>
      this.count(
        "add",
        specs.map((spec) => ({ ...spec, limit: 0 })),
        now,
      ),
    );
    // Unavailable: the adds are lost, so report zero (which blocks no one, whichever the fail mode;
    // in fail-closed mode `blocked` refuses everyone anyway).
    if (reply === undefined) return this.failMode === "local" ? this.local.add(specs) : specs.map(() => 0);
    return specs.map((spec, i) => estimate(stateAt(reply, 1 + 3 * i), now, spec.windowMs));
  }

  async refund(specs: readonly Omit<CounterSpec, "limit">[]): Promise<void> {
    if (specs.every((spec) => spec.amount <= 0)) return;
    const done = await this.run(() =>
      this.count(
        "refund",
        specs.map((spec) => ({ ...spec, limit: 0 })),
        this.clock.now(),
      ),
    );
    // Unavailable: what was counted locally during the outage is taken back there; Redis keeps the rest.
    if (done === undefined && this.failMode === "local") await this.local.refund(specs);
  }

  async reset(keys: readonly CounterKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.local.reset(keys); // harmless when empty; after an outage the local counts are stale anyway
    await this.run(() => this.client.del(...keys.map((key) => this.prefix + key)));
  }

  async block(key: string, ms: number): Promise<void> {
    const done = await this.run(() => this.client.msaLimitsBlock(this.prefix + key, Math.max(1, Math.ceil(ms))));
    if (done === undefined && this.failMode === "local") await this.local.block(key, ms);
  }

  async blocked(keys: readonly string[]): Promise<{ index: number; remainingMs: number; unavailable?: true } | null> {
    if (keys.length === 0) return null;
    const ttls = await this.run(async () => {
      const pipeline = this.client.pipeline();
      for (const key of keys) pipeline.pttl(this.prefix + key);
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, ttl]) => {
        if (error) throw error;
        return Number(ttl);
      });
    });
    if (ttls === undefined) {
      if (this.failMode === "local") return this.local.blocked(keys);
      return this.failMode === "open" ? null : { index: 0, remainingMs: this.closedRetryAfterMs, unavailable: true };
    }
    // PTTL: -2 no key, -1 no expiry (never written by msa), else milliseconds left.
    const index = ttls.findIndex((ttl) => ttl > 0);
    return index < 0 ? null : { index, remainingMs: ttls[index] };
  }

  async close(): Promise<void> {
    await this.local.close();
    if (!this.ownsClient) return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private async verdict(mode: "check" | "consume", specs: readonly CounterSpec[]): Promise<CounterVerdict> {
    if (specs.every((spec) => spec.amount <= 0)) return { ok: true };
    const now = this.clock.now();
    const reply = await this.run(() => this.count(mode, specs, now));
    if (reply === undefined) {
      if (this.failMode === "local") return this.local[mode](specs);
      return this.failMode === "open" ? { ok: true } : { ok: false, index: 0, retryAfterMs: this.closedRetryAfterMs, unavailable: true };
    }
    if (reply[0] === 0) return { ok: true };
    const index = reply[0] - 1;
    const spec = specs[index];
    return { ok: false, index, retryAfterMs: retryAfterMs(stateAt(reply, 1), now, spec.windowMs, spec.limit, spec.amount) };
  }

  private count(mode: "check" | "consume" | "add" | "refund", specs: readonly CounterSpec[], now: number): Promise<ScriptReply> {
    const keys = specs.map((spec) => this.prefix + spec.key);
    const args: (string | number)[] = [mode, now, EPSILON];
    for (const spec of specs) {
      if (!Number.isInteger(spec.amount)) throw new TypeError(`counter amounts must be integers, got ${spec.amount}`);
      args.push(spec.windowMs, spec.limit, spec.amount);
    }
    return this.client.msaLimitsCount(keys.length, ...keys, ...args);
  }

  /** Runs a command; an error means an outage: logged once, answered with undefined. */
  private async run<T>(command: () => Promise<T>): Promise<T | undefined> {
    try {
      await this.firstContact;
      const result = await command();
      this.recovered();
      return result;
    } catch (error) {
      if (error instanceof TypeError) throw error; // a caller's bug, not an outage
      this.failed(error as Error);
      return undefined;
    }
  }

  private failed(error: Error): void {
    if (this.outage) return;
    this.outage = true;
    this.logger?.warn(
      { event: "limits-store-unavailable", error: error.message, failMode: this.failMode },
      {
        local: "rate limit store unreachable: limits are counted per instance until it is back",
        open: "rate limit store unreachable: limits are not enforced until it is back",
        closed: "rate limit store unreachable: refusing mail and logins until it is back",
      }[this.failMode],
    );
  }

  private recovered(): void {
    if (!this.outage) return;
    this.outage = false;
    void this.local.close(); // counts of the outage would be double-counted against Redis's own
    this.logger?.info({ event: "limits-store-available" }, "rate limit store reachable again");
  }
}

function stateAt(reply: ScriptReply, offset: number): WindowState {
  return { bucket: Number(reply[offset]), current: Number(reply[offset + 1]), previous: Number(reply[offset + 2]) };
}
