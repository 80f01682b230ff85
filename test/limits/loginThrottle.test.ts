// LoginThrottle on a manual clock: attempts counted as they start, growing capped delays, dropping a
// session, blocking an IP or a login from one IP for a while and lifting the block, a login guessed at
// from many IPs slowed but never locked, the same store work for every login, and blocks shared by
// two instances through a real Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCounterStore, type CounterSpec, type CounterStore } from "../../runtime/limits/counterStore.js";
import { LoginThrottle, failureDelayMs, type FailureVerdict, type LoginThrottleOptions } from "../../runtime/limits/loginThrottle.js";
import { RedisCounterStore } from "../../runtime/limits/redisCounterStore.js";
import { ManualClock } from "../../runtime/queue/clock.js";
import { freePort } from "../support/freePort.js";
import { startRedis, type RedisServer } from "./redisServer.js";

const MINUTE = 60_000;
const options: LoginThrottleOptions = {
  maxFailuresPerSession: 3,
  delayBaseMs: 1_000,
  delayMaxMs: 5_000,
  ipFailures: { count: 5, windowMs: 10 * MINUTE, blockMs: 15 * MINUTE },
  loginFailures: { count: 4, windowMs: 10 * MINUTE, blockMs: 30 * MINUTE },
};

function throttle(): { clock: ManualClock; store: MemoryCounterStore; throttle: LoginThrottle } {
  const clock = new ManualClock(1_000 * 10 * MINUTE);
  const store = new MemoryCounterStore({ clock });
  return { clock, store, throttle: new LoginThrottle(options, store) };
}

/** One wrong password: the attempt is counted as it starts, then reported failed. */
async function fail(t: LoginThrottle, ip: string, login: string, sessionFailures = 1): Promise<FailureVerdict> {
  expect(await t.beforeAttempt(ip, login)).toEqual({ allowed: true });
  return t.afterFailure(ip, login, sessionFailures);
}

/** The right password. */
async function succeed(t: LoginThrottle, ip: string, login: string): Promise<void> {
  expect(await t.beforeAttempt(ip, login)).toEqual({ allowed: true });
  await t.afterSuccess(ip, login);
}

describe("failureDelayMs", () => {
  it("doubles from the base and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 100, 5000].map((n) => failureDelayMs(n, 1_000, 5_000))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000, 5_000]);
  });
});

describe("LoginThrottle", () => {
  it("delays each failure longer, and drops the session at the per-session maximum", async () => {
    const { throttle: t } = throttle();
    const verdicts = [];
    for (let n = 1; n <= 3; n++) verdicts.push(await fail(t, "192.0.2.1", `user${n}`, n));
    expect(verdicts.map((v) => [v.delayMs, v.dropSession])).toEqual([
      [1_000, false],
      [2_000, false],
      [4_000, true],
    ]);
  });

  it("keeps the delay growing across sessions from the same IP (reconnecting does not reset it)", async () => {
    const { throttle: t } = throttle();
    await fail(t, "192.0.2.1", "a");
    await fail(t, "192.0.2.1", "b");
    expect((await fail(t, "192.0.2.1", "c")).delayMs).toBe(4_000);
  });

  it("blocks an IP after too many failures in the window, from any login, and lifts the block later", async () => {
    const { clock, throttle: t } = throttle();
    for (let n = 1; n <= 4; n++) expect((await fail(t, "192.0.2.1", `guess${n}`)).blocked).toEqual([]);
    expect((await fail(t, "192.0.2.1", "guess5")).blocked).toEqual(["ip"]);
    expect(await t.beforeAttempt("192.0.2.1", "someone-else")).toEqual({ allowed: false, reason: "ip", retryAfterMs: 15 * MINUTE });
    expect(await t.beforeAttempt("192.0.2.2", "someone-else")).toEqual({ allowed: true });
    clock.advance(15 * MINUTE - 1);
    expect(await t.beforeAttempt("192.0.2.1", "x")).toEqual({ allowed: false, reason: "ip", retryAfterMs: 1 });
    clock.advance(1);
    expect(await t.beforeAttempt("192.0.2.1", "x")).toEqual({ allowed: true });
  });

  it("counts an attempt as it starts: parallel attempts past the limit are refused before any is verified", async () => {
    const { throttle: t } = throttle();
    const verdicts = await Promise.all(Array.from({ length: 8 }, (_, n) => t.beforeAttempt("192.0.2.1", `guess${n}`)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    expect(verdicts.filter((v) => !v.allowed)).toEqual(Array.from({ length: 3 }, () => expect.objectContaining({ allowed: false, reason: "ip" })));
    // The five in flight fail: the count, which holds them all, is at the limit from the first failure.
    expect((await t.afterFailure("192.0.2.1", "guess0", 1)).blocked).toEqual(["ip"]);
    expect(await t.beforeAttempt("192.0.2.1", "someone")).toEqual({ allowed: false, reason: "ip", retryAfterMs: 15 * MINUTE });
  });

  it("refuses, but does not block, an attempt that only attempts still in flight push over the limit", async () => {
    const { throttle: t } = throttle();
    for (let n = 1; n <= 5; n++) expect(await t.beforeAttempt("192.0.2.1", `user${n}`)).toEqual({ allowed: true });
    expect(await t.beforeAttempt("192.0.2.1", "user6")).toMatchObject({ allowed: false, reason: "ip" });
    for (let n = 1; n <= 5; n++) await t.afterSuccess("192.0.2.1", `user${n}`);
    expect(await t.beforeAttempt("192.0.2.1", "user6")).toEqual({ allowed: true });
  });

  it("blocks a login from one IP after its failures there, and only from there", async () => {
    const { throttle: t } = throttle();
    // The IP limit (5) is higher than the login's (4) here only if the IP guesses at one login.
    for (let n = 1; n <= 3; n++) expect((await fail(t, "192.0.2.1", "carol")).blocked).toEqual([]);
    expect((await fail(t, "192.0.2.1", "Carol")).blocked).toEqual(["login-from-ip"]);
    expect(await t.beforeAttempt("192.0.2.1", "CAROL")).toEqual({ allowed: false, reason: "login-from-ip", retryAfterMs: 30 * MINUTE });
    expect(await t.beforeAttempt("192.0.2.1", "dave")).toEqual({ allowed: true });
    expect(await t.beforeAttempt("192.0.2.2", "carol")).toEqual({ allowed: true });
  });

  it("never locks out a login guessed at from many IPs: it gets slow, and each IP that guessed is blocked for it", async () => {
    const { throttle: t } = throttle();
    const verdicts = [];
    for (let n = 1; n <= 6; n++) verdicts.push(await fail(t, `198.51.100.${n}`, n % 2 ? "Victim" : "victim"));
    // From the fourth failure (the login limit) on, each failing IP is blocked for the login at once.
    expect(verdicts.map((v) => v.blocked)).toEqual([[], [], [], ["login-from-ip"], ["login-from-ip"], ["login-from-ip"]]);
    expect(verdicts.map((v) => v.delayMs)).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
    // An IP that failed once before the login was guessed at enough gets no second guess now.
    expect(await t.beforeAttempt("198.51.100.1", "victim")).toMatchObject({ allowed: false, reason: "login-from-ip" });
    // The owner, from an address that has not failed, gets in.
    await succeed(t, "203.0.113.9", "VICTIM");
    expect(await t.beforeAttempt("203.0.113.9", "other")).toEqual({ allowed: true });
  });

  it("forgets failures that have slid out of the window", async () => {
    const { clock, throttle: t } = throttle();
    for (let n = 1; n <= 4; n++) await fail(t, "192.0.2.1", `g${n}`);
    clock.advance(20 * MINUTE);
    expect((await fail(t, "192.0.2.1", "g5")).blocked).toEqual([]);
  });

  it("a success forgets the failures of the login from that IP but not the other failures of the IP", async () => {
    const { throttle: t } = throttle();
    for (let n = 1; n <= 3; n++) await fail(t, "192.0.2.1", "carol", n);
    await succeed(t, "192.0.2.1", "carol");
    // Two more failures: the address reaches 5 of 5 and is blocked; carol's count from it started
    // again at the success, so it is at 2 of 4 (without the reset it would be 5 and block her too),
    // and so is the login's own count (at 4 of 4 it would make carol one guess per address).
    expect((await fail(t, "192.0.2.1", "carol")).blocked).toEqual([]);
    expect((await fail(t, "192.0.2.1", "carol", 2)).blocked).toEqual(["ip"]);
    expect(await t.beforeAttempt("192.0.2.3", "carol")).toEqual({ allowed: true });
  });

  it("does the same store operations for every login (no lookup, no timing difference by login)", async () => {
    const calls: string[] = [];
    const inner = new MemoryCounterStore({ clock: new ManualClock(0) });
    const recording: CounterStore = {
      check: (specs: readonly CounterSpec[]) => (calls.push(`check ${specs.length}`), inner.check(specs)),
      consume: (specs) => (calls.push(`consume ${specs.length}`), inner.consume(specs)),
      add: (specs) => (calls.push(`add ${specs.length}`), inner.add(specs)),
      refund: (specs) => (calls.push(`refund ${specs.length}`), inner.refund(specs)),
      reset: (keys) => (calls.push(`reset ${keys.length}`), inner.reset(keys)),
      block: (key, ms) => (calls.push(`block`), inner.block(key, ms)),
      blocked: (keys) => (calls.push(`blocked ${keys.length}`), inner.blocked(keys)),
      close: () => inner.close(),
    };
    const t = new LoginThrottle(options, recording);
    const trace = async (login: string): Promise<string[]> => {
      calls.length = 0;
      await t.beforeAttempt("192.0.2.50", login);
      await t.afterFailure("192.0.2.50", login, 1);
      return [...calls];
    };
    const known = await trace("alice@example.org");
    expect(known).toEqual(["blocked 2", "add 1", "consume 3", "add 3"]);
    expect(await trace("no-such-user-ever")).toEqual(known);
    expect(await trace("")).toEqual(known);
  });

  it("rejects a configuration that could never block", () => {
    expect(() => new LoginThrottle({ ...options, ipFailures: { ...options.ipFailures, count: 0 } }, new MemoryCounterStore())).toThrow(/ipFailures/);
  });
});

describe("LoginThrottle with Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("shares counts and blocks between two instances", async () => {
    const clock = new ManualClock(1_000 * 10 * MINUTE);
    const a = new RedisCounterStore({ redis: redis.url, clock });
    const b = new RedisCounterStore({ redis: redis.url, clock });
    try {
      const first = new LoginThrottle(options, a);
      const second = new LoginThrottle(options, b);
      for (let n = 1; n <= 4; n++) await fail(n % 2 ? first : second, "192.0.2.77", `x${n}`);
      expect((await fail(second, "192.0.2.77", "x5")).blocked).toEqual(["ip"]);
      const refused = await first.beforeAttempt("192.0.2.77", "x6");
      expect(refused).toMatchObject({ allowed: false, reason: "ip" });
      // Redis keeps the block with PX: what is left is the block time less the milliseconds this test took.
      expect(refused.allowed === false && refused.retryAfterMs).toBeGreaterThan(15 * MINUTE - 5_000);
      await succeed(second, "192.0.2.78", "x6");
      expect(await first.beforeAttempt("192.0.2.78", "x6")).toEqual({ allowed: true });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("LoginThrottle when Redis is unreachable", () => {
  it("still blocks, per instance, by default", async () => {
    const store = new RedisCounterStore({ redis: `redis://127.0.0.1:${await freePort()}`, clock: new ManualClock(0) });
    try {
      const t = new LoginThrottle(options, store);
      for (let n = 1; n <= 5; n++) await fail(t, "192.0.2.90", `y${n}`);
      expect(await t.beforeAttempt("192.0.2.90", "y6")).toEqual({ allowed: false, reason: "ip", retryAfterMs: 15 * MINUTE });
    } finally {
      await store.close();
    }
  });

  it("refuses every attempt in fail-closed mode", async () => {
    const store = new RedisCounterStore({ redis: `redis://127.0.0.1:${await freePort()}`, failMode: "closed", closedRetryAfterMs: 60_000 });
    try {
      expect(await new LoginThrottle(options, store).beforeAttempt("192.0.2.91", "z")).toEqual({ allowed: false, reason: "ip", retryAfterMs: 60_000, storeUnavailable: true });
    } finally {
      await store.close();
    }
  });
});
