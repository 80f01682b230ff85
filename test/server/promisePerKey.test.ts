// The shared once-per-key promise behind the spool's folders and the lock holder files.
import { describe, expect, it } from "vitest";
import { PromisePerKey } from "../../runtime/promisePerKey.js";

describe("PromisePerKey", () => {
  it("makes each key once while it succeeds, and again after it failed or was forgotten", async () => {
    const made: string[] = [];
    let failNext = true;
    const folders = new PromisePerKey<string, string>(async (key) => {
      made.push(key);
      if (failNext) {
        failNext = false;
        throw new Error("EACCES");
      }
      return `${key}-${made.length}`;
    });
    await expect(folders.get("spool")).rejects.toThrow("EACCES");
    expect(await Promise.all([folders.get("spool"), folders.get("spool")])).toEqual(["spool-2", "spool-2"]);
    expect(made).toEqual(["spool", "spool"]);
    const kept = folders.get("spool");
    folders.forget("spool", Promise.resolve("an older one"));
    expect(folders.get("spool")).toBe(kept);
    folders.forget("spool", kept);
    expect(await folders.get("spool")).toBe("spool-3");
  });
});
