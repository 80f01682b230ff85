// A site keeps its hashes: a users file pasted from `openssl passwd` and `doveadm pw` output logs
// its users in over SMTP AUTH through the real server (smtplib and raw sockets), refuses wrong
// passwords with 535 5.7.8, and answers unknown logins the same way.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSmtp, runSmtplib } from "../support/smtplib.js";
import { authPlain, codes, type RunningMsa, startMsa } from "./harness.js";

const PASSWORDS = {
  sha512: "sha512 pässword",
  sha256: "sha256-password",
  dovecot512: "dovecot crypt",
  dovecot256: "dovecot crypt 256",
  blf: "blowfish-pw",
  ssha512: "salted sha-2",
  argon: "argon from dovecot",
} as const;

const openssl = (flag: string, password: string) => execFileSync("openssl", ["passwd", flag, password], { encoding: "utf8" }).trim();
const doveadm = (scheme: string, password: string, ...args: string[]) => execFileSync("doveadm", ["pw", "-s", scheme, ...args, "-p", password], { encoding: "utf8" }).trim();

const dir = mkdtempSync(join(tmpdir(), "msa-site-hashes-"));
let msa: RunningMsa;

beforeAll(async () => {
  const users = [
    `sha512:${openssl("-6", PASSWORDS.sha512)}`,
    `sha256:${openssl("-5", PASSWORDS.sha256)}`,
    `dovecot512:${doveadm("SHA512-CRYPT", PASSWORDS.dovecot512, "-r", "20000")}`,
    `dovecot256:${doveadm("SHA256-CRYPT", PASSWORDS.dovecot256)}`,
    `blf:${doveadm("BLF-CRYPT", PASSWORDS.blf, "-r", "5")}`,
    `ssha512:${doveadm("SSHA512", PASSWORDS.ssha512)}`,
    `argon:${doveadm("ARGON2ID", PASSWORDS.argon)}`,
  ];
  writeFileSync(join(dir, "site.passwd"), `${users.join("\n")}\n`);
  msa = await startMsa([
    "hostname msa.example.test",
    "listen 127.0.0.1:2525 plain",
    `auth users "${join(dir, "site.passwd")}"`,
    "require auth",
    "qualify domains example.test",
    "throttle auth failures 100 per 10m per ip block 1m",
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("logins with the hashes a site already has", () => {
  it.each(Object.entries(PASSWORDS))("%s logs in with its password and not with another", async (login, password) => {
    const replies = await rawSmtp(msa.port, ["EHLO client.example", authPlain(login, `${password}x`), authPlain(login, password)]);
    expect(replies.slice(2).map(codes)).toEqual(["535 5.7.8", "235 2.7.0"]);
  });

  it("answers an unknown login as a wrong password", async () => {
    const replies = await rawSmtp(msa.port, ["EHLO client.example", authPlain("nobody", PASSWORDS.sha512)]);
    expect(codes(replies[2])).toBe("535 5.7.8");
  });

  it("lets smtplib log in with a doveadm SHA512-CRYPT hash and submit", async () => {
    const script = [
      "import os, smtplib",
      "s = smtplib.SMTP('127.0.0.1', int(os.environ['PORT']))",
      "s.ehlo('client.example')",
      "print(s.login('dovecot512', os.environ['PW'])[0])",
      "print(s.sendmail('dovecot512', ['someone'], 'Subject: hashes\\r\\n\\r\\nkept\\r\\n'))",
      "s.quit()",
    ].join("\n");
    const result = await runSmtplib(script, { PORT: String(msa.port), PW: PASSWORDS.dovecot512 });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n")).toEqual(["235", "{}"]);
  });
});
