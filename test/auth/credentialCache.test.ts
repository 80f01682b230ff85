// The verified-credentials cache: hits only for the same login, password and hash, within its lifetime.
import { describe, expect, it } from "vitest";
import { CredentialCache } from "../../runtime/auth/credentialCache.js";

describe("CredentialCache", () => {
  it("remembers a verified login until it expires", () => {
    let now = 1_000;
    const cache = new CredentialCache(60_000, 10, () => now);
    cache.remember("alice", "secret", "$hash1");
    expect(cache.has("alice", "secret", "$hash1")).toBe(true);
    now += 60_001;
    expect(cache.has("alice", "secret", "$hash1")).toBe(false);
  });

  it("misses for another password, login or a changed hash", () => {
    const cache = new CredentialCache();
    cache.remember("alice", "secret", "$hash1");
    expect(cache.has("alice", "Secret", "$hash1")).toBe(false);
    expect(cache.has("bob", "secret", "$hash1")).toBe(false);
    expect(cache.has("alice", "secret", "$hash2")).toBe(false);
  });

  it("keeps at most maxEntries, dropping the oldest", () => {
    const cache = new CredentialCache(60_000, 2);
    cache.remember("a", "p", "h");
    cache.remember("b", "p", "h");
    cache.remember("c", "p", "h");
    expect(cache.has("a", "p", "h")).toBe(false);
    expect(cache.has("b", "p", "h")).toBe(true);
    expect(cache.has("c", "p", "h")).toBe(true);
  });

  it("runs one verification for simultaneous logins with the same credentials", async () => {
    const cache = new CredentialCache();
    let runs = 0;
    const slow = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(++runs > 0), 20));
    const answers = await Promise.all(Array.from({ length: 8 }, () => cache.verify("alice", "secret", "$h", slow)));
    expect(answers).toEqual(Array(8).fill(true));
    expect(runs).toBe(1);
    expect(await cache.verify("alice", "wrong", "$h", async () => false)).toBe(false);
  });
});
