// The hashes sites already have, made by the tools that write them (`openssl passwd -5/-6`,
// `doveadm pw -s SCHEME`): each verifies its password and no other, costs what its kind costs
// for the timing defence, and what msa cannot verify is refused with a reason.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { examineHash, hashScheme } from "../../formats/storedHash.js";
import { parseUsersFile } from "../../formats/usersFile.js";
import { costProfile, dummyVerify, slowestToVerify, verificationCost, verifyPassword } from "../../runtime/auth/passwordHash.js";

const PASSWORD = "pässword with spaces ✓";
const openssl = (...args: string[]) => execFileSync("openssl", ["passwd", ...args, PASSWORD], { encoding: "utf8" }).trim();
const doveadm = (scheme: string, ...args: string[]) => execFileSync("doveadm", ["pw", "-s", scheme, ...args, "-p", PASSWORD], { encoding: "utf8" }).trim();

describe("hashes written by openssl passwd and doveadm pw", () => {
  const made: [string, () => string, string][] = [
    ["openssl passwd -5", () => openssl("-5"), "sha256-crypt"],
    ["openssl passwd -6", () => openssl("-6"), "sha512-crypt"],
    ["openssl passwd -6 with rounds", () => openssl("-6", "-salt", "rounds=7000$c0ffee"), "sha512-crypt"],
    ["doveadm SHA512-CRYPT", () => doveadm("SHA512-CRYPT"), "sha512-crypt"],
    ["doveadm SHA512-CRYPT -r 10000", () => doveadm("SHA512-CRYPT", "-r", "10000"), "sha512-crypt"],
    ["doveadm SHA256-CRYPT", () => doveadm("SHA256-CRYPT"), "sha256-crypt"],
    ["doveadm BLF-CRYPT", () => doveadm("BLF-CRYPT", "-r", "5"), "bcrypt"],
    ["doveadm ARGON2ID", () => doveadm("ARGON2ID"), "argon2id"],
    ["doveadm CRYPT (bcrypt here)", () => doveadm("CRYPT"), "bcrypt"],
    ["doveadm SSHA512", () => doveadm("SSHA512"), "ssha512"],
    ["doveadm SSHA256", () => doveadm("SSHA256"), "ssha256"],
    ["doveadm SHA512", () => doveadm("SHA512"), "sha512"],
    ["doveadm SHA256", () => doveadm("SHA256"), "sha256"],
  ];

  it.each(made)("%s verifies its password and refuses another", async (_tool, make, kind) => {
    const hash = make();
    expect(hashScheme(hash)).toBe(kind);
    expect(parseUsersFile(`alice:${hash}`).problems).toEqual([]);
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(hash, `${PASSWORD} `)).toBe(false);
    expect(await verifyPassword(hash, "")).toBe(false);
  });

  it("verifies SHA-crypt off the event loop: other work goes on while a slow hash is checked", async () => {
    // 200,000 rounds: a few hundred milliseconds of unixcrypt, long enough for timers to fire meanwhile.
    const slow = openssl("-6", "-salt", "rounds=200000$c0ffee");
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      expect(await verifyPassword(slow, PASSWORD)).toBe(true);
    } finally {
      clearInterval(timer);
    }
    // Run in line, the verification would hold the loop from start to end and no tick would fire.
    expect(ticks).toBeGreaterThan(0);
  });

  it("reads Dovecot's scheme names in any letter case", async () => {
    const hash = doveadm("SHA512-CRYPT").replace("{SHA512-CRYPT}", "{sha512-crypt}");
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
  });

  it("knows the rounds of a SHA-crypt hash for the timing defence", () => {
    const fast = openssl("-6");
    const slow = doveadm("SHA512-CRYPT", "-r", "50000");
    expect(costProfile(fast)).toBe("sha512-crypt:rounds=5000");
    expect(costProfile(slow)).toBe("sha512-crypt:rounds=50000");
    expect(costProfile(doveadm("SSHA512"))).toBe("ssha512");
    expect(slowestToVerify([doveadm("SSHA512"), fast, slow, fast])).toBe(slow);
    // The default argon2id (m=64 MiB, t=3) still costs more than 50000 SHA-crypt rounds.
    const argon2 = doveadm("ARGON2ID");
    expect(slowestToVerify([slow, argon2])).toBe(argon2);
    expect(verificationCost(doveadm("SHA512"))!).toBeLessThan(verificationCost(fast)!);
  });

  it("checks an unknown login against a dummy of the same kind, and says no", async () => {
    for (const like of [openssl("-5"), doveadm("SSHA256"), doveadm("SHA512")]) {
      expect(await dummyVerify(PASSWORD, like)).toBe(false);
    }
  });
});

describe("hashes msa cannot verify", () => {
  it.each([
    ["DES crypt", doveadm("CRYPT").replace(/\}.*/, "}abJnggxhB/yWI"), "is DES crypt"],
    ["PLAIN-MD5", doveadm("PLAIN-MD5"), "`{PLAIN-MD5}` hash for `alice` is unsalted MD5, which msa does not verify"],
    ["PLAIN", "{PLAIN}secret", "is a password in clear text"],
    ["SSHA (SHA-1)", doveadm("SSHA"), "is salted SHA-1"],
    ["MD5-crypt", openssl("-1"), "`$1$` (MD5-crypt) hash for `alice` is not verified"],
    ["yescrypt", "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", "yescrypt or scrypt hash"],
    ["an unknown scheme", "{SCRAM-SHA-256}4096,abc,def", "unknown password scheme `{SCRAM-SHA-256}`"],
    ["a SHA-crypt hash cut short", openssl("-6").slice(0, -3), "malformed SHA-crypt hash"],
    ["rounds below the minimum", openssl("-6").replace("$6$", "$6$rounds=999$"), "`rounds=999` of the SHA-crypt hash for `alice` is below the minimum of 1000"],
    ["rounds that would hold the server", openssl("-5").replace("$5$", "$5$rounds=5000000$"), "`rounds=5000000` of the SHA-crypt hash for `alice` is over 1000000"],
    ["a scheme that does not match its hash", `{SHA256-CRYPT}${openssl("-6")}`, "holds a hash of another scheme"],
    ["SSHA512 without a salt", doveadm("SHA512").replace("{SHA512}", "{SSHA512}"), "malformed `{SSHA512}` hash"],
  ])("%s", async (_what, hash, message) => {
    const verdict = examineHash(hash);
    expect("problem" in verdict && verdict.problem("alice")).toContain(message);
    expect(parseUsersFile(`alice:${hash}`).problems.map((problem) => problem.line)).toEqual([1]);
    expect(await verifyPassword(hash, PASSWORD)).toBe(false);
  });
});
