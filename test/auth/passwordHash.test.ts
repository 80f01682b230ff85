// Tests for password verification and hashing: both schemes, the $2y$ spelling, wrong
// passwords and malformed hashes.
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { hashScheme } from "../../formats/storedHash.js";
import { costProfile, dummyVerify, hashPassword, slowestToVerify, verifyPassword } from "../../runtime/auth/passwordHash.js";

// From the PHP manual's password_verify() example; PHP's crypt_blowfish writes $2y$, as htpasswd -B does.
const PHP_MANUAL_2Y = { hash: "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a", password: "rasmuslerdorf" };
// The classic OpenBSD/Openwall test vector.
const OPENWALL_2A = { hash: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", password: "U*U" };

describe("verifyPassword", () => {
  it("verifies an argon2id hash made by hashPassword", async () => {
    const hash = await hashPassword("correct horse");
    expect(hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(hashScheme(hash)).toBe("argon2id");
    expect(await verifyPassword(hash, "correct horse")).toBe(true);
    expect(await verifyPassword(hash, "correct horse ")).toBe(false);
  });

  it("verifies a bcrypt hash made by hashPassword", async () => {
    const hash = await hashPassword("battery staple", "bcrypt");
    expect(hash).toMatch(/^\$2b\$12\$/);
    expect(hashScheme(hash)).toBe("bcrypt");
    expect(await verifyPassword(hash, "battery staple")).toBe(true);
    expect(await verifyPassword(hash, "battery stapler")).toBe(false);
  });

  it("treats $2y$ and $2a$ as $2b$", async () => {
    const hash2b = await bcrypt.hash("s3cret", 4);
    expect(hash2b.startsWith("$2b$")).toBe(true);
    for (const prefix of ["$2y$", "$2a$"]) {
      const hash = prefix + hash2b.slice(4);
      expect(await verifyPassword(hash, "s3cret")).toBe(true);
      expect(await verifyPassword(hash, "S3cret")).toBe(false);
    }
  });

  it("verifies fixed vectors from other implementations", async () => {
    expect(await verifyPassword(PHP_MANUAL_2Y.hash, PHP_MANUAL_2Y.password)).toBe(true);
    expect(await verifyPassword(PHP_MANUAL_2Y.hash, "rasmus")).toBe(false);
    expect(await verifyPassword(OPENWALL_2A.hash, OPENWALL_2A.password)).toBe(true);
  });

  it("handles non-ASCII passwords", async () => {
    const hash = await hashPassword("pässwörd ✓");
    expect(await verifyPassword(hash, "pässwörd ✓")).toBe(true);
    expect(await verifyPassword(hash, "passwort ✓")).toBe(false);
  });

  it.each([
    ["empty", ""],
    ["plain text equal to the password", "secret"],
    ["truncated bcrypt", PHP_MANUAL_2Y.hash.slice(0, 50)],
    ["bcrypt with cost 99", PHP_MANUAL_2Y.hash.replace("$10$", "$99$")],
    ["argon2id with garbage", "$argon2id$v=19$m=65536,t=3,p=4$$"],
    ["argon2id with parameters out of range", "$argon2id$v=19$m=1,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2g"],
    ["argon2i", "$argon2i$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2g"],
  ])("answers false without throwing for a malformed hash: %s", async (_what, hash) => {
    await expect(verifyPassword(hash, "secret")).resolves.toBe(false);
  });
});

describe("dummyVerify", () => {
  it("answers false, for the default profile and for one like a given hash", async () => {
    expect(await dummyVerify("anything")).toBe(false);
    expect(await dummyVerify("anything", OPENWALL_2A.hash)).toBe(false);
  });

  it("costs about what a real verification of the same kind costs", async () => {
    // A cheap bcrypt cost, so that a dummy of the wrong kind (argon2id, ~100 ms) would stand out tenfold.
    const hash = await bcrypt.hash("real", 7);
    await dummyVerify("warm-up", hash);
    const timeOf = async (work: () => Promise<unknown>): Promise<number> => {
      const start = performance.now();
      for (let i = 0; i < 5; i++) await work();
      return performance.now() - start;
    };
    const real = await timeOf(() => verifyPassword(hash, "wrong"));
    const dummy = await timeOf(() => dummyVerify("wrong", hash));
    expect(dummy / real).toBeGreaterThan(1 / 3);
    expect(dummy / real).toBeLessThan(3);
  });

  it("picks the hash that costs most to verify, whichever kind is more common", () => {
    const argon2idDefault = "$argon2id$v=19$m=65536,t=3,p=4$+TtTasPtr7UW7+sy5UR+AA$mHPvh6Wo3vOwjH4cOiF9337zddIjNCF5yi/DUQbCLh8";
    const argon2idSmall = "$argon2id$v=19$m=4096,t=1,p=1$+TtTasPtr7UW7+sy5UR+AA$mHPvh6Wo3vOwjH4cOiF9337zddIjNCF5yi/DUQbCLh8";
    const bcrypt12 = PHP_MANUAL_2Y.hash.replace("$10$", "$12$");
    expect(slowestToVerify([OPENWALL_2A.hash, PHP_MANUAL_2Y.hash, OPENWALL_2A.hash, argon2idDefault])).toBe(argon2idDefault);
    expect(slowestToVerify([argon2idSmall, argon2idSmall, PHP_MANUAL_2Y.hash])).toBe(PHP_MANUAL_2Y.hash);
    expect(slowestToVerify([argon2idDefault, bcrypt12, OPENWALL_2A.hash])).toBe(argon2idDefault);
    expect(slowestToVerify(["nonsense"])).toBeUndefined();
    expect(slowestToVerify([])).toBeUndefined();
  });

  it("groups hashes by what they cost to verify", () => {
    expect(costProfile(PHP_MANUAL_2Y.hash)).toBe("bcrypt:10");
    expect(costProfile(OPENWALL_2A.hash)).toBe("bcrypt:05");
    expect(costProfile("$argon2id$v=19$m=65536,p=4,t=3$+TtTasPtr7UW7+sy5UR+AA$mHPvh6Wo3vOwjH4cOiF9337zddIjNCF5yi/DUQbCLh8")).toBe("argon2id:v=19,m=65536,t=3,p=4,len=32");
    expect(costProfile("nonsense")).toBeNull();
  });
});
