// The in-memory CounterStore on a manual clock: window boundaries, sliding behaviour, all-or-nothing
// consume, blocks, and that idle keys expire and the key cap holds (bounded memory).
import { describe, expect, it } from "vitest";
import { MemoryCounterStore } from "../../runtime/limits/counterStore.js";
import { ManualClock } from "../../runtime/queue/clock.js";

const HOUR = 3_600_000;

function store(maxKeys?: number): { clock: ManualClock; store: MemoryCounterStore } {
  // Start exactly on a bucket boundary so the arithmetic in the tests is readable.
  const clock = new ManualClock(1000 * HOUR);
  return { clock, store: new MemoryCounterStore({ clock, maxKeys }) };
}

describe("MemoryCounterStore", () => {
  it("admits up to the limit within a window and refuses the next, with the time until it fits", async () => {
    const { clock, store: s } = store();
    const spec = { key: "k", windowMs: HOUR, limit: 3, amount: 1 };
    for (let i = 0; i < 3; i++) expect(await s.consume([spec])).toEqual({ ok: true });
    clock.advance(HOUR / 2);
    // 3 in this bucket: the 4th fits only once they have faded to 2 in the next bucket, a third of the way in.
    expect(await s.consume([spec])).toEqual({ ok: false, index: 0, retryAfterMs: HOUR / 2 + HOUR / 3 });
  });

  it("slides: the previous window still counts at the start of the next and fades out linearly", async () => {
    const { clock, store: s } = store();
    const spec = { key: "k", windowMs: HOUR, limit: 10, amount: 10 };
    expect(await s.consume([spec])).toEqual({ ok: true });
    clock.advance(HOUR); // next bucket begins: a fixed window would allow 10 more at once
    expect((await s.check([{ ...spec, amount: 1 }])).ok).toBe(false);
    clock.advance(HOUR / 2); // half the old bucket is still inside the window: 5 of 10 used
    expect(await s.check([{ ...spec, amount: 5 }])).toEqual({ ok: true });
    expect((await s.check([{ ...spec, amount: 6 }])).ok).toBe(false);
    clock.advance(HOUR / 2); // two windows later nothing is left
    expect(await s.check([spec])).toEqual({ ok: true });
  });

  it("check counts nothing; consume is all or nothing across counters", async () => {
    const { store: s } = store();
    const a = { key: "a", windowMs: HOUR, limit: 5, amount: 3 };
    const b = { key: "b", windowMs: HOUR, limit: 2, amount: 3 };
    for (let i = 0; i < 5; i++) expect(await s.check([a])).toEqual({ ok: true });
    const refused = await s.consume([a, b]);
    expect(refused).toMatchObject({ ok: false, index: 1 });
    // `a` was not charged although it fitted: all 5 are still free, and then no more.
    expect(await s.consume([{ ...a, amount: 5 }])).toEqual({ ok: true });
    expect(await s.check([{ ...a, amount: 1 }])).toMatchObject({ ok: false, index: 0 });
  });

  it("ignores specs with amount 0 (a recipients rule at MAIL)", async () => {
    const { store: s } = store();
    const full = { key: "r", windowMs: HOUR, limit: 1, amount: 1 };
    expect(await s.consume([full])).toEqual({ ok: true });
    expect(await s.consume([{ ...full, amount: 0 }])).toEqual({ ok: true });
    expect((await s.check([full])).ok).toBe(false);
  });

  it("refund takes back what consume counted, from the last window once the bucket moved, never below zero", async () => {
    const { clock, store: s } = store();
    const spec = { key: "m", windowMs: HOUR, limit: 2, amount: 1 };
    expect(await s.consume([spec])).toEqual({ ok: true });
    expect(await s.consume([spec])).toEqual({ ok: true });
    expect((await s.check([spec])).ok).toBe(false);
    await s.refund([spec]);
    expect(await s.consume([spec])).toEqual({ ok: true });
    clock.advance(HOUR); // both now in the previous bucket, still fully weighted at its start
    await s.refund([{ ...spec, amount: 5 }]);
    expect(await s.add([{ ...spec, amount: 0 }])).toEqual([0]);
    await s.refund([{ key: "never-counted", windowMs: HOUR, amount: 1 }]);
    expect(s.keyCount).toBe(1);
  });

  it("add counts past the limit and answers estimates; reset forgets", async () => {
    const { clock, store: s } = store();
    const spec = { key: "f", windowMs: 1000, amount: 1 };
    expect(await s.add([spec, spec, spec])).toEqual([1, 2, 3]);
    clock.advance(1500); // next bucket, half way: 3 * 0.5
    expect(await s.add([{ ...spec, amount: 0 }])).toEqual([1.5]);
    await s.reset([spec]);
    expect(await s.add([spec])).toEqual([1]);
  });

  it("blocks for a time, keeps the longer of two blocks, and unblocks when it runs out", async () => {
    const { clock, store: s } = store();
    await s.block("x", 10_000);
    await s.block("x", 5_000);
    expect(await s.blocked(["y", "x"])).toEqual({ index: 1, remainingMs: 10_000 });
    await s.block("x", 20_000); // a longer block replaces a shorter one
    clock.advance(15_000);
    expect(await s.blocked(["x"])).toEqual({ index: 0, remainingMs: 5_000 });
    clock.advance(5_000);
    expect(await s.blocked(["x"])).toBeNull();
  });

  it("expires idle keys without a timer, so memory follows the active subjects", async () => {
    const { clock, store: s } = store();
    for (let i = 0; i < 100; i++) await s.consume([{ key: `ip${i}`, windowMs: 1000, limit: 5, amount: 1 }]);
    for (let i = 0; i < 10; i++) await s.block(`b${i}`, 500);
    expect(s.keyCount).toBe(110);
    clock.advance(2000); // every counter is two windows old, every block has run out
    for (let i = 0; i < 40; i++) await s.consume([{ key: "active", windowMs: 1000, limit: 1000, amount: 1 }]);
    expect(s.keyCount).toBe(1);
  });

  it("never holds more than maxKeys, forgetting the least recently written", async () => {
    const { store: s } = store(10);
    for (let i = 0; i < 50; i++) await s.consume([{ key: `k${i}`, windowMs: HOUR, limit: 1, amount: 1 }]);
    expect(s.keyCount).toBe(10);
    expect((await s.check([{ key: "k49", windowMs: HOUR, limit: 1, amount: 1 }])).ok).toBe(false);
    expect((await s.check([{ key: "k0", windowMs: HOUR, limit: 1, amount: 1 }])).ok).toBe(true);
  });
});
