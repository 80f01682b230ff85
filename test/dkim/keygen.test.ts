// `msac dkim keygen` run as a process: the key file and its mode, the printed TXT record, and a
// message signed with that key verified by dkimpy against exactly the printed record.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDkimSigner } from "../../runtime/dkim/dkimSigner.js";
import { verifyWithDkimpy } from "./dkimpy.js";

const msac = path.resolve(import.meta.dirname, "../../dist/cli/msac.js");
let dir: string;

async function keygen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [msac, "dkim", "keygen", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const message = Buffer.from(
  "From: Alice <alice@example.net>\r\nTo: bob@example.org\r\nSubject: keygen\r\nDate: Sat, 28 Nov 2026 17:00:00 +0000\r\nMessage-ID: <k@example.net>\r\n\r\nsigned with a key from msac dkim keygen\r\n",
);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-keygen-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("msac dkim keygen", () => {
  it.each([
    ["rsa", ["--bits", "2048"]],
    ["ed25519", []],
  ])("%s: writes SELECTOR.pem with mode 0600 and prints a record dkimpy verifies with", async (algorithm, extra) => {
    const out = path.join(dir, algorithm, "keys");
    const result = await keygen("--domain", "example.net", "--selector", `sel-${algorithm}`, "--algorithm", algorithm, ...extra, "--out", out);
    expect(result.code).toBe(0);
    const keyFile = path.join(out, `sel-${algorithm}.pem`);
    expect(result.stderr).toBe(`wrote ${keyFile}; publish this record:\n`);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(keyFile, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

    const record = result.stdout.trimEnd();
    expect(record.split("\n")).toHaveLength(1);
    expect(record).toMatch(new RegExp(`^sel-${algorithm}\\._domainkey\\.example\\.net\\. IN TXT "v=DKIM1; k=${algorithm}; p=[A-Za-z0-9+/=" ]+"$`));
    const strings = [...record.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    for (const s of strings) expect(s.length).toBeLessThanOrEqual(255);
    // a 2048-bit RSA key (about 400 characters) needs two strings; an Ed25519 key fits in one
    expect(strings.length).toBe(algorithm === "rsa" ? 2 : 1);
    expect(strings[0]!.length).toBe(algorithm === "rsa" ? 255 : strings[0]!.length);

    const signer = await createDkimSigner([{ domain: "example.net", selector: `sel-${algorithm}`, keyPath: keyFile }]);
    const signed = await signer.sign(message, "example.net");
    expect(await verifyWithDkimpy(signed, [record])).toMatchObject([{ ok: true, algorithm: `${algorithm}-sha256` }]);
    // the record of another key does not verify it
    const other = await keygen("--domain", "example.net", "--selector", `sel-${algorithm}`, "--algorithm", algorithm, "--out", path.join(dir, algorithm, "other"));
    expect((await verifyWithDkimpy(signed, [other.stdout.trimEnd()]))[0]!.ok).toBe(false);
  });

  it("never overwrites a key, and refuses bad arguments with exit status 2", async () => {
    const out = path.join(dir, "again");
    expect((await keygen("--domain", "example.net", "--selector", "s1", "--algorithm", "ed25519", "--out", out)).code).toBe(0);
    const before = fs.readFileSync(path.join(out, "s1.pem"), "utf8");
    const again = await keygen("--domain", "example.net", "--selector", "s1", "--algorithm", "ed25519", "--out", out);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: cannot write `.*s1\.pem`: EEXIST/);
    expect(fs.readFileSync(path.join(out, "s1.pem"), "utf8")).toBe(before);

    expect(await keygen("--domain", "not a domain", "--selector", "s1", "--algorithm", "rsa", "--out", out)).toMatchObject({
      code: 2,
      stderr: "error: `not a domain` is not a domain name\n",
    });
    expect(await keygen("--domain", "example.net", "--selector", "s_1", "--algorithm", "rsa", "--out", out)).toMatchObject({
      code: 2,
      stderr: "error: `s_1` is not a valid selector\n",
    });
    expect(await keygen("--domain", "example.net", "--selector", "s2", "--algorithm", "rsa", "--bits", "512", "--out", out)).toMatchObject({ code: 2 });
    expect((await keygen("--domain", "example.net", "--selector", "s2", "--algorithm", "dsa", "--out", out)).code).toBe(2);
    expect(fs.readdirSync(out)).toEqual(["s1.pem"]);
  });
});
