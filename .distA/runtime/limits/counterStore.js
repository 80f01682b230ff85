// Where rate and failure counters live: the CounterStore interface and its in-memory implementation.
// RateLimiter and LoginThrottle only talk to this interface, so one msa (memory) and several msa
// sharing Redis (redisCounterStore.ts) behave the same. A store never throws for an outage: it
// answers by its failure mode instead, so a rule can never crash a session.
import { bucketOf, estimate, expiresAt, fits, retryAfterMs, roll, withdraw } from "./slidingWindow.js";
export const DEFAULT_MAX_KEYS = 1_000_000;
/** How many expired keys each operation removes per lane: enough to outpace insertion, O(1) per call. */
const SWEEP_PER_LANE = 4;
/**
 * Keys that share a lifetime (one window length, or one block length) live in one Map, re-inserted on
 * every write, so insertion order is expiry order and expired keys are always at the head: sweeping
 * them is O(1) amortised, with no timer and no full scan.
 */
class Lane {
    entries = new Map();
}
export class MemoryCounterStore {
    clock;
    maxKeys;
    counterLanes = new Map();
    blockLanes = new Map();
    /** which block lane holds a key, so `blocked` finds it in O(1) */
    blockLaneOf = new Map();
    size = 0;
    constructor(options = {}) {
        this.clock = options.clock ?? { now: () => Date.now() };
        this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    }
    /** Live keys, for tests and metrics. */
    get keyCount() {
        return this.size;
    }
    async check(specs) {
        return this.verdict(specs, this.clock.now());
    }
    async consume(specs) {
        const now = this.clock.now();
        const verdict = this.verdict(specs, now);
        if (verdict.ok)
            for (const spec of specs)
                if (spec.amount > 0)
                    this.addOne(spec, now);
        return verdict;
    }
    async add(specs) {
        const now = this.clock.now();
        return specs.map((spec) => {
            const state = spec.amount > 0 ? this.addOne(spec, now) : this.read(spec, now);
            return estimate(state, now, spec.windowMs);
        });
    }
    async refund(specs) {
        const now = this.clock.now();
        for (const spec of specs) {
            const entry = spec.amount > 0 ? this.counterLanes.get(spec.windowMs)?.entries.get(spec.key) : undefined;
            if (entry && entry.expires > now)
                this.write(spec, withdraw(this.read(spec, now), spec.amount), now);
        }
    }
    async reset(keys) {
        for (const { key, windowMs } of keys) {
            if (this.counterLanes.get(windowMs)?.entries.delete(key))
                this.size--;
        }
    }
    async block(key, ms) {
        const now = this.clock.now();
        this.sweep(now);
        const until = now + ms;
        const laneMs = this.blockLaneOf.get(key);
        if (laneMs !== undefined) {
            const old = this.blockLanes.get(laneMs).entries.get(key);
            if (old && old.expires >= until)
                return;
            this.blockLanes.get(laneMs).entries.delete(key);
            this.blockLaneOf.delete(key);
            this.size--;
        }
        this.insert(this.lane(this.blockLanes, ms), key, null, until);
        this.blockLaneOf.set(key, ms);
    }
    async blocked(keys) {
        const now = this.clock.now();
        for (let index = 0; index < keys.length; index++) {
            const laneMs = this.blockLaneOf.get(keys[index]);
            if (laneMs === undefined)
                continue;
            const entry = this.blockLanes.get(laneMs).entries.get(keys[index]);
            if (entry && entry.expires > now)
                return { index, remainingMs: entry.expires - now };
        }
        return null;
    }
    async close() {
        this.counterLanes.clear();
        this.blockLanes.clear();
        this.blockLaneOf.clear();
        this.size = 0;
    }
    verdict(specs, now) {
        for (let index = 0; index < specs.length; index++) {
            const spec = specs[index];
            if (spec.amount <= 0)
                continue;
            const state = this.read(spec, now);
            if (!fits(state, now, spec.windowMs, spec.limit, spec.amount)) {
                return { ok: false, index, retryAfterMs: retryAfterMs(state, now, spec.windowMs, spec.limit, spec.amount) };
            }
        }
        return { ok: true };
    }
    read(spec, now) {
        const entry = this.counterLanes.get(spec.windowMs)?.entries.get(spec.key);
        return roll(entry && entry.expires > now ? entry.value : undefined, bucketOf(now, spec.windowMs));
    }
    addOne(spec, now) {
        const state = this.read(spec, now);
        return this.write(spec, { ...state, current: state.current + spec.amount }, now);
    }
    write(spec, next, now) {
        this.sweep(now);
        const lane = this.lane(this.counterLanes, spec.windowMs);
        // Delete then set moves the key to the tail, keeping the lane in expiry order.
        if (lane.entries.delete(spec.key))
            this.size--;
        this.insert(lane, spec.key, next, expiresAt(next.bucket, spec.windowMs));
        return next;
    }
    insert(lane, key, value, expires) {
        if (this.size >= this.maxKeys) {
            const oldest = lane.entries.keys().next();
            if (!oldest.done)
                this.forget(lane, oldest.value);
        }
        lane.entries.set(key, { value, expires });
        this.size++;
    }
    forget(lane, key) {
        if (lane.entries.delete(key))
            this.size--;
        if (this.blockLaneOf.has(key) && lane === this.blockLanes.get(this.blockLaneOf.get(key)))
            this.blockLaneOf.delete(key);
    }
    lane(lanes, ms) {
        let lane = lanes.get(ms);
        if (!lane)
            lanes.set(ms, (lane = new Lane()));
        return lane;
    }
    /** Removes a few expired keys from the head of every lane; lanes are few (one per distinct window or block length). */
    sweep(now) {
        for (const lanes of [this.counterLanes, this.blockLanes]) {
            for (const lane of lanes.values()) {
                for (let i = 0; i < SWEEP_PER_LANE; i++) {
                    const head = lane.entries.entries().next();
                    if (head.done || head.value[1].expires > now)
                        break;
                    this.forget(lane, head.value[0]);
                }
            }
        }
    }
}
//# sourceMappingURL=counterStore.js.map