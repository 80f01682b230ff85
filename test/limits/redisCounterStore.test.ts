// The Redis store's Lua script against the in-memory store as the model: random sequences of
// consumes, checks, adds, refunds and clock moves must get the same verdicts, retry-afters and
// estimates from both.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCounterStore } from "../../runtime/limits/counterStore.js";
import { RedisCounterStore } from "../../runtime/limits/redisCounterStore.js";
import { ManualClock } from "../../runtime/queue/clock.js";
import { startRedis, type RedisServer } from "./redisServer.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe("RedisCounterStore", () => {
  it("answers exactly as the memory store does", async () => {
    const windowMs = 1_000;
    const op = fc.oneof(
      fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 1_500 }) }),
      fc.record({
        kind: fc.constantFrom("consume" as const, "check" as const, "add" as const, "refund" as const),
        key: fc.constantFrom("a", "b"),
        amount: fc.integer({ min: 0, max: 7 }),
      }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const clock = new ManualClock(10_000 * windowMs + 123);
        const model = new MemoryCounterStore({ clock });
        const real = new RedisCounterStore({ redis: redis.url, clock, prefix: `eq${run++}:` });
        try {
          for (const step of ops) {
            if (step.kind === "advance") {
              clock.advance(step.ms);
              continue;
            }
            // every step also touches `c` (a longer window, its own limit), so all-or-nothing over two counters is exercised
            const specs = [
              { key: step.key, windowMs, limit: 10, amount: step.amount },
              { key: "c", windowMs: 3 * windowMs, limit: 20, amount: 1 },
            ];
            if (step.kind === "add") expect(await real.add(specs)).toEqual(await model.add(specs));
            else if (step.kind === "refund") {
              await Promise.all([real.refund(specs), model.refund(specs)]);
              // what is left is compared through an add of nothing, which answers the estimates
              const probe = specs.map((spec) => ({ ...spec, amount: 0 }));
              expect(await real.add(probe)).toEqual(await model.add(probe));
            } else expect(await real[step.kind](specs)).toEqual(await model[step.kind](specs));
          }
        } finally {
          await real.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
