// Where rate and failure counters live: the CounterStore interface and its in-memory implementation.
// RateLimiter and LoginThrottle only talk to this interface, so one msa (memory) and several msa
// sharing Redis (redisCounterStore.ts) behave the same. A store never throws for an outage: it
// answers by its failure mode instead, so a rule can never crash a session.

import type { Clock } from "../queue/clock.js";
import { bucketOf, estimate, expiresAt, fits, retryAfterMs, roll, withdraw, type WindowState } from "./slidingWindow.js";

/** Only `now()` is read; the queue's ManualClock drives tests. */
export type NowSource = Pick<Clock, "now">;

/** One sliding-window counter and what to do to it. `key` is unique per counter and never reused with another window. */
export interface CounterSpec {
  key: string;
  windowMs: number;
  /** the most the window may hold */
  limit: number;
  /** what this event adds; a spec with 0 is neither checked nor changed */
  amount: number;
}

export type CounterKey = Pick<CounterSpec, "key" | "windowMs">;

export type CounterVerdict =
  | { ok: true }
  /** `index` into the specs of the first counter that does not fit; `unavailable` when the store could not be asked (fail closed). */
  | { ok: false; index: number; retryAfterMs: number; unavailable?: true };

export interface CounterStore {
  /** Would every amount fit? Counts nothing: for the early checks at MAIL and RCPT. */
  check(specs: readonly CounterSpec[]): Promise<CounterVerdict>;
  /** All or nothing, atomically: adds every amount if every one fits, else adds none. */
  consume(specs: readonly CounterSpec[]): Promise<CounterVerdict>;
  /** Adds unconditionally (failures are counted even past the limit); answers each counter's estimate afterwards. */
  add(specs: readonly Omit<CounterSpec, "limit">[]): Promise<number[]>;
  /** Takes back what `consume` added (slidingWindow.withdraw); a counter that is gone stays gone. */
  refund(specs: readonly Omit<CounterSpec, "limit">[]): Promise<void>;
  /** Forgets the counters. */
  reset(keys: readonly CounterKey[]): Promise<void>;
  /** Marks `key` blocked for `ms` from now; an existing longer block is kept. */
  block(key: string, ms: number): Promise<void>;
  /** The first key that is blocked and for how much longer, or null; `unavailable` when the store could not be asked (fail closed). */
  blocked(keys: readonly string[]): Promise<{ index: number; remainingMs: number; unavailable?: true } | null>;
  close(): Promise<void>;
}

export interface MemoryCounterStoreOptions {
  clock?: NowSource;
  /**
   * Hard cap on live keys (counters plus blocks). Idle keys expire on their own; the cap only bites
   * when a flood of distinct subjects arrives within one window, and then the least recently written
   * key of the lane being written is forgotten (that subject starts again from zero).
   */
  maxKeys?: number;
}

export const DEFAULT_MAX_KEYS = 1_000_000;

/** How many expired keys each operation removes per lane: enough to outpace insertion, O(1) per call. */
const SWEEP_PER_LANE = 4;

/**
 * Keys that share a lifetime (one window length, or one block length) live in one Map, re-inserted on
 * every write, so insertion order is expiry order and expired keys are always at the head: sweeping
 * them is O(1) amortised, with no timer and no full scan.
 */
class Lane<V> {
  readonly entries = new Map<string, { value: V; expires: number }>();
}

export class MemoryCounterStore implements CounterStore {
  private readonly clock: NowSource;
  private readonly maxKeys: number;
  private readonly counterLanes = new Map<number, Lane<WindowState>>();
  private readonly blockLanes = new Map<number, Lane<null>>();
  /** which block lane holds a key, so `blocked` finds it in O(1) */
  private readonly blockLaneOf = new Map<string, number>();
  private size = 0;

  constructor(options: MemoryCounterStoreOptions = {}) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /** Live keys, for tests and metrics. */
  get keyCount(): number {
    return this.size;
  }

  async check(specs: readonly CounterSpec[]): Promise<CounterVerdict> {
    return this.verdict(specs, this.clock.now());
  }

  async consume(specs: readonly CounterSpec[]): Promise<CounterVerdict> {
    const now = this.clock.now();
    const verdict = this.verdict(specs, now);
    if (verdict.ok) for (const spec of specs) if (spec.amount > 0) this.addOne(spec, now);
    return verdict;
  }

  async add(specs: readonly Omit<CounterSpec, "limit">[]): Promise<number[]> {
    const now = this.clock.now();
    return specs.map((spec) => {
      const state = spec.amount > 0 ? this.addOne(spec, now) : this.read(spec, now);
      return estimate(state, now, spec.windowMs);
    });
  }

  async refund(specs: readonly Omit<CounterSpec, "limit">[]): Promise<void> {
    const now = this.clock.now();
    for (const spec of specs) {
      const entry = spec.amount > 0 ? this.counterLanes.get(spec.windowMs)?.entries.get(spec.key) : undefined;
      if (entry && entry.expires > now) this.write(spec, withdraw(this.read(spec, now), spec.amount), now);
    }
  }

  async reset(keys: readonly CounterKey[]): Promise<void> {
    for (const { key, windowMs } of keys) {
      if (this.counterLanes.get(windowMs)?.entries.delete(key)) this.size--;
    }
  }

  async block(key: string, ms: number): Promise<void> {
    const now = this.clock.now();
    this.sweep(now);
    const until = now + ms;
    const laneMs = this.blockLaneOf.get(key);
    if (laneMs !== undefined) {
      const old = this.blockLanes.get(laneMs)!.entries.get(key);
      if (old && old.expires >= until) return;
      this.blockLanes.get(laneMs)!.entries.delete(key);
      this.blockLaneOf.delete(key);
      this.size--;
    }
    this.insert(this.lane(this.blockLanes, ms), key, null, until);
    this.blockLaneOf.set(key, ms);
  }

  async blocked(keys: readonly string[]): Promise<{ index: number; remainingMs: number } | null> {
    const now = this.clock.now();
    for (let index = 0; index < keys.length; index++) {
      const laneMs = this.blockLaneOf.get(keys[index]);
      if (laneMs === undefined) continue;
      const entry = this.blockLanes.get(laneMs)!.entries.get(keys[index]);
      if (entry && entry.expires > now) return { index, remainingMs: entry.expires - now };
    }
    return null;
  }

  async close(): Promise<void> {
    this.counterLanes.clear();
    this.blockLanes.clear();
    this.blockLaneOf.clear();
    this.size = 0;
  }

  private verdict(specs: readonly CounterSpec[], now: number): CounterVerdict {
    for (let index = 0; index < specs.length; index++) {
      const spec = specs[index];
      if (spec.amount <= 0) continue;
      const state = this.read(spec, now);
      if (!fits(state, now, spec.windowMs, spec.limit, spec.amount)) {
        return { ok: false, index, retryAfterMs: retryAfterMs(state, now, spec.windowMs, spec.limit, spec.amount) };
      }
    }
    return { ok: true };
  }

  private read(spec: CounterKey, now: number): WindowState {
    const entry = this.counterLanes.get(spec.windowMs)?.entries.get(spec.key);
    return roll(entry && entry.expires > now ? entry.value : undefined, bucketOf(now, spec.windowMs));
  }

  private addOne(spec: Omit<CounterSpec, "limit">, now: number): WindowState {
    const state = this.read(spec, now);
    return this.write(spec, { ...state, current: state.current + spec.amount }, now);
  }

  private write(spec: CounterKey, next: WindowState, now: number): WindowState {
    this.sweep(now);
    const lane = this.lane(this.counterLanes, spec.windowMs);
    // Delete then set moves the key to the tail, keeping the lane in expiry order.
    if (lane.entries.delete(spec.key)) this.size--;
    this.insert(lane, spec.key, next, expiresAt(next.bucket, spec.windowMs));
    return next;
  }

  private insert<V>(lane: Lane<V>, key: string, value: V, expires: number): void {
    if (this.size >= this.maxKeys) {
      const oldest = lane.entries.keys().next();
      if (!oldest.done) this.forget(lane, oldest.value);
    }
    lane.entries.set(key, { value, expires });
    this.size++;
  }

  private forget<V>(lane: Lane<V>, key: string): void {
    if (lane.entries.delete(key)) this.size--;
    if (this.blockLaneOf.has(key) && (lane as Lane<unknown>) === this.blockLanes.get(this.blockLaneOf.get(key)!)) this.blockLaneOf.delete(key);
  }

  private lane<V>(lanes: Map<number, Lane<V>>, ms: number): Lane<V> {
    let lane = lanes.get(ms);
    if (!lane) lanes.set(ms, (lane = new Lane<V>()));
    return lane;
  }

  /** Removes a few expired keys from the head of every lane; lanes are few (one per distinct window or block length). */
  private sweep(now: number): void {
    for (const lanes of [this.counterLanes, this.blockLanes] as Map<number, Lane<unknown>>[]) {
      for (const lane of lanes.values()) {
        for (let i = 0; i < SWEEP_PER_LANE; i++) {
          const head = lane.entries.entries().next();
          if (head.done || head.value[1].expires > now) break;
          this.forget(lane, head.value[0]);
        }
      }
    }
  }
}
