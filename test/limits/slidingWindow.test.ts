// The sliding-window arithmetic on its own: rolling buckets, the weighted estimate, and that the
// retry-after it computes is exactly when the amount fits again (property-tested with fast-check).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketOf, estimate, fits, retryAfterMs, roll, type WindowState } from "../../runtime/limits/slidingWindow.js";

describe("roll", () => {
  it("keeps the current bucket, shifts the one before, forgets older ones", () => {
    const state: WindowState = { bucket: 10, current: 7, previous: 3 };
    expect(roll(state, 10)).toEqual(state);
    expect(roll(state, 11)).toEqual({ bucket: 11, current: 0, previous: 7 });
    expect(roll(state, 12)).toEqual({ bucket: 12, current: 0, previous: 0 });
    expect(roll(undefined, 5)).toEqual({ bucket: 5, current: 0, previous: 0 });
  });

  it("keeps a state from a later bucket (an instance whose clock runs ahead rolled it)", () => {
    expect(roll({ bucket: 11, current: 2, previous: 1 }, 10)).toEqual({ bucket: 11, current: 2, previous: 1 });
  });
});

describe("estimate", () => {
  it("weights the previous bucket by the share of it still inside the window", () => {
    const state: WindowState = { bucket: 1, current: 4, previous: 10 };
    expect(estimate(state, 1000, 1000)).toBe(14); // bucket start: all of the previous bucket counts
    expect(estimate(state, 1250, 1000)).toBe(11.5);
    expect(estimate(state, 1999, 1000)).toBeCloseTo(4.01);
  });
});

describe("retryAfterMs", () => {
  it("is the first moment the amount fits, within the bucket or in the next one", () => {
    // 10 in the previous bucket, 0 now, limit 5: the previous weight must fall to 4/10, at 60 % of the bucket.
    expect(retryAfterMs({ bucket: 1, current: 0, previous: 10 }, 1000, 1000, 5, 1)).toBe(600);
    // This bucket is full (5 of 5): wait for it to become the previous bucket and fade to 4.
    expect(retryAfterMs({ bucket: 1, current: 5, previous: 0 }, 1500, 1000, 5, 1)).toBe(500 + 200);
  });

  it("answers the whole window for an amount larger than the limit, which never fits", () => {
    expect(retryAfterMs({ bucket: 0, current: 0, previous: 0 }, 0, 1000, 5, 6)).toBe(1000);
  });

  it("is exact: the amount fits after retryAfterMs and not one millisecond before", () => {
    const windowMs = 1000;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: windowMs - 1 }),
        fc.integer({ min: 1, max: 50 }),
        // byte limits are large: the float slack must hold at every scale
        fc.constantFrom(1, 1000, 1_000_000),
        (limit0, current0, previous0, into, amount0, scale) => {
          const [limit, current, previous, amount] = [limit0 * scale, current0 * scale, previous0 * scale, amount0 * scale];
          fc.pre(amount <= limit);
          const now = 7 * windowMs + into;
          const state: WindowState = { bucket: 7, current, previous };
          fc.pre(!fits(state, now, windowMs, limit, amount));
          const wait = retryAfterMs(state, now, windowMs, limit, amount);
          const at = (t: number): WindowState => roll(state, bucketOf(t, windowMs));
          expect(fits(at(now + wait), now + wait, windowMs, limit, amount)).toBe(true);
          if (wait > 1) expect(fits(at(now + wait - 1), now + wait - 1, windowMs, limit, amount)).toBe(false);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
