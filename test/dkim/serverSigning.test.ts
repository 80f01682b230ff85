// DKIM signing in the server, over the wire: a message submitted to msa reaches a real next hop
// signed with RSA-SHA256 and Ed25519-SHA256 (verified by dkimpy), a changed body fails, and a
// signing failure answers 451 4.3.0 with nothing delivered.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dkimDnsRecord, dkimRecordText, generateDkimKey } from "../../runtime/dkim/dkimKeys.js";
import { DkimSigningError } from "../../runtime/dkim/dkimSigner.js";
import type { NextHop } from "../support/nextHop.js";
import { rawSmtp } from "../support/smtplib.js";
import { PASSWORDS, authPlain, codes, eventually, rejections, type RunningMsa, startMsaWithNextHop } from "../server/harness.js";
import { verifyWithDkimpy } from "./dkimpy.js";

const MESSAGE = "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: signed over the wire\r\n\r\nHello Bob,\r\nthis body is signed.\r\n";

describe("sign dkim (RSA and Ed25519) before relaying", () => {
  let hop: NextHop;
  let msa: RunningMsa;
  let keys: string;
  const zone: string[] = [];
  beforeAll(async () => {
    keys = await mkdtemp(join(tmpdir(), "msa-dkim-keys-"));
    for (const [selector, algorithm] of [
      ["rsa1", "rsa"],
      ["ed1", "ed25519"],
    ] as const) {
      const key = generateDkimKey(algorithm);
      await writeFile(join(keys, `${selector}.pem`), key.privateKeyPem);
      zone.push(dkimDnsRecord("example.test", selector, dkimRecordText(algorithm, key.publicKey)));
    }
    ({ hop, msa } = await startMsaWithNextHop((url) => [
      "hostname msa.example.test",
      "{TLS}",
      "listen 127.0.0.1:2587 starttls",
      'auth users "users.passwd"',
      "require auth",
      "qualify domains example.test",
      "add Date",
      "add Message-ID",
      "add Received",
      `sign dkim domain example.test selector rsa1 key "${join(keys, "rsa1.pem")}"`,
      `sign dkim domain example.test selector ed1 key "${join(keys, "ed1.pem")}"`,
      `deliver relay ${url}`,
    ]));
  });
  afterAll(async () => {
    await rm(keys, { recursive: true, force: true });
  });
  const submit = async (text: string) =>
    (
      await rawSmtp(
        msa.port,
        ["EHLO client.example", "STARTTLS", "EHLO client.example", authPlain("alice", PASSWORDS.alice), "MAIL FROM:<alice>", "RCPT TO:<bob>", "DATA", Buffer.from(`${text}.\r\n`)],
        { ca: msa.pki.caCertPem },
      )
    ).at(-1);

  it("delivers a message dkimpy verifies for both keys, signed after the headers msa added", async () => {
    const count = hop.messages.length;
    expect(codes(await submit(MESSAGE))).toBe("250 2.0.0");
    const [delivered] = (await hop.waitForMessages(count + 1)).slice(count);
    const raw = delivered!.raw;
    // both signatures on top, above the Received, Date and Message-ID msa added
    const head = raw.toString("latin1").split("\r\n\r\n")[0]!;
    expect(head.indexOf("DKIM-Signature")).toBe(0);
    expect(head.indexOf("Received:")).toBeGreaterThan(head.lastIndexOf("DKIM-Signature"));
    const results = await verifyWithDkimpy(raw, zone);
    expect(results.map((r) => [r.selector, r.algorithm, r.ok, r.error])).toEqual([
      ["rsa1", "rsa-sha256", true, null],
      ["ed1", "ed25519-sha256", true, null],
    ]);
    // the fields msa added are covered
    expect(results[0]!.headers).toEqual(expect.arrayContaining(["from", "date", "message-id"]));
  });

  it("a body changed after delivery fails verification", async () => {
    const count = hop.messages.length;
    expect(codes(await submit(MESSAGE))).toBe("250 2.0.0");
    const [delivered] = (await hop.waitForMessages(count + 1)).slice(count);
    const tampered = Buffer.from(delivered!.raw.toString("latin1").replace("this body is signed.", "this body was changed."), "latin1");
    const results = await verifyWithDkimpy(tampered, zone);
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(results[0]!.error ?? "").toMatch(/body hash/i);
  });

  it("a From domain no rule covers goes out unsigned", async () => {
    const count = hop.messages.length;
    expect(codes(await submit(MESSAGE.replace("alice@example.test", "alice@other.test")))).toBe("250 2.0.0");
    const [delivered] = (await hop.waitForMessages(count + 1)).slice(count);
    expect(delivered!.raw.toString("latin1")).not.toMatch(/^DKIM-Signature/im);
  });

  it("a signing failure answers 451 4.3.0 and delivers nothing", async () => {
    const server = (msa.server as unknown as { resources: { signer: unknown } }).resources;
    const real = server.signer;
    server.signer = {
      signersFor: () => ["rsa1._domainkey.example.test"],
      sign: () => Promise.reject(new DkimSigningError("DKIM signing failed: injected")),
    };
    try {
      const count = hop.mailAttempts;
      const before = msa.logs.length;
      expect(codes(await submit(MESSAGE))).toBe("451 4.3.0");
      expect(hop.mailAttempts).toBe(count);
      await eventually(() => rejections(msa.logs.slice(before)).length > 0);
      expect(rejections(msa.logs.slice(before))[0]).toMatchObject({ stage: "sign", code: 451, enhanced: "4.3.0", rule: msa.rule("sign dkim") });
    } finally {
      server.signer = real;
    }
  });
});
