// Tests for `msac passwd`: one stdin line in, one users-file line out whose hash verifies.
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseUsersFile } from "../../formats/usersFile.js";
import { runPasswd, type PasswdOptions } from "../../cli/passwd.js";
import { verifyPassword } from "../../runtime/auth/passwordHash.js";

async function passwd(login: string, input: string | string[], options: PasswdOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const stdin = Readable.from(Array.isArray(input) ? input.map((part) => Buffer.from(part)) : [Buffer.from(input)]);
  const code = await runPasswd(login, options, { stdin, stdout, stderr });
  return { code, stdout: out, stderr: err };
}

function hashOf(stdout: string, login: string): string {
  expect(stdout.endsWith("\n")).toBe(true);
  const { entries, problems } = parseUsersFile(stdout);
  expect(problems).toEqual([]);
  expect(entries).toHaveLength(1);
  expect(entries[0]!.login).toBe(login);
  return entries[0]!.hash;
}

describe("runPasswd", () => {
  it("prints LOGIN:HASH for the first line, without its newline", async () => {
    const result = await passwd("alice", "open sesame\nsecond line\n");
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^alice:\$argon2id\$[^\n]+\n$/);
    const hash = hashOf(result.stdout, "alice");
    expect(await verifyPassword(hash, "open sesame")).toBe(true);
    expect(await verifyPassword(hash, "open sesame\n")).toBe(false);
  });

  it("strips CRLF and joins a line split across chunks", async () => {
    const result = await passwd("bob@example.test", ["pass", "wörd\r", "\nrest"], { scheme: "bcrypt" });
    expect(result.code).toBe(0);
    const hash = hashOf(result.stdout, "bob@example.test");
    expect(hash).toMatch(/^\$2b\$/);
    expect(await verifyPassword(hash, "passwörd")).toBe(true);
  });

  it("accepts a password at end of input without a newline", async () => {
    const result = await passwd("carol", "no-newline");
    expect(result.code).toBe(0);
    expect(await verifyPassword(hashOf(result.stdout, "carol"), "no-newline")).toBe(true);
  });

  it.each([
    ["an empty line", "\n"],
    ["a line with only CRLF", "\r\n"],
    ["no input at all", ""],
  ])("refuses an empty password: %s", async (_what, input) => {
    const result = await passwd("alice", input);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("msac passwd: refusing an empty password\n");
  });

  it.each(["al:ice", "al ice", "alice\t", ""])("refuses the login %j with exit 2", async (login) => {
    const result = await passwd(login, "pw\n");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^msac passwd: /);
  });

  it("refuses a login that a users file would read as a comment", async () => {
    const result = await passwd("#root", "pw\n");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("msac passwd: login `#root` must not start with `#`\n");
  });
});
