// Random ids come from a pooled CSPRNG: every draw is fresh, also across a refill of the pool.
import { describe, expect, it } from "vitest";
import { randomHex } from "../../runtime/randomHex.js";

describe("randomHex", () => {
  it("gives hex of the asked length, never the same twice, across many refills of the pool", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const hex = randomHex(10);
      expect(hex).toMatch(/^[0-9a-f]{20}$/);
      seen.add(hex);
    }
    expect(seen.size).toBe(5000);
  });

  it("refuses more than the pool holds", () => {
    expect(() => randomHex(4097)).toThrow(RangeError);
    expect(randomHex(4096)).toHaveLength(8192);
  });
});
