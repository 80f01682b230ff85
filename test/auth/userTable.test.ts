// Tests for the server's user table: loading a users file, skipping bad lines, and
// verifying known and unknown logins.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadUserTable } from "../../runtime/auth/userTable.js";
import * as argon2 from "argon2";
import { costProfile, hashPassword } from "../../runtime/auth/passwordHash.js";

describe("loadUserTable", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "msa-users-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("verifies known logins and refuses unknown ones", async () => {
    const path = join(dir, "users.passwd");
    const aliceHash = await hashPassword("alice-pw");
    const bobHash = (await bcrypt.hash("bob-pw", 4)).replace("$2b$", "$2y$");
    await writeFile(path, `# test users\nalice:${aliceHash}\nbob@example.test:${bobHash}\ncarol:plain\n`);

    const table = await loadUserTable(path);
    expect(table.size).toBe(2);
    expect(table.has("alice")).toBe(true);
    expect(table.has("carol")).toBe(false);
    expect(table.warnings).toEqual([
      {
        line: 4,
        column: 7,
        endColumn: 12,
        message: "unsupported password hash for `carol`; use bcrypt ($2b$) or argon2id",
      },
    ]);

    expect(await table.verify("alice", "alice-pw")).toBe(true);
    expect(await table.verify("alice", "bob-pw")).toBe(false);
    expect(await table.verify("bob@example.test", "bob-pw")).toBe(true);
    expect(await table.verify("bob", "bob-pw")).toBe(false);
    expect(await table.verify("carol", "plain")).toBe(false);
    expect(await table.verify("nobody", "alice-pw")).toBe(false);
    expect(await table.verify("__proto__", "x")).toBe(false);
  });

  // Issue 13 item 9: with bcrypt users in the majority, unknown logins were checked against a bcrypt
  // dummy, so the one argon2id user answered measurably slower than any unknown login.
  it("checks unknown logins against a dummy of the slowest hash kind in the file, not the most common", async () => {
    const path = join(dir, "mixed.passwd");
    const cheapArgon2id = await argon2.hash("dave-pw", { type: argon2.argon2id, memoryCost: 4096, timeCost: 3, parallelism: 1 });
    const bcrypts = await Promise.all(["a", "b", "c"].map((login) => bcrypt.hash(`${login}-pw`, 4)));
    await writeFile(path, `a:${bcrypts[0]}\nb:${bcrypts[1]}\nc:${bcrypts[2]}\ndave:${cheapArgon2id}\n`);

    const table = await loadUserTable(path);
    expect(table.dummyProfile).toBe(costProfile(cheapArgon2id));
    expect(await table.verify("nobody", "dave-pw")).toBe(false);
    expect(await table.verify("dave", "dave-pw")).toBe(true);
  });

  it("matches logins exactly, including case", async () => {
    const path = join(dir, "case.passwd");
    await writeFile(path, `Alice:${await bcrypt.hash("pw", 4)}\n`);
    const table = await loadUserTable(path);
    expect(await table.verify("Alice", "pw")).toBe(true);
    expect(await table.verify("alice", "pw")).toBe(false);
  });

  it("loads an empty file as an empty table that refuses everyone", async () => {
    const path = join(dir, "empty.passwd");
    await writeFile(path, "");
    const table = await loadUserTable(path);
    expect(table.size).toBe(0);
    expect(await table.verify("alice", "x")).toBe(false);
  });

  it("rejects when the file cannot be read", async () => {
    await expect(loadUserTable(join(dir, "missing.passwd"))).rejects.toThrow(/ENOENT/);
  });
});
