// DKIM signing (runtime/dkim): signatures checked by dkimpy, an independent verifier, for RSA,
// Ed25519 and both at once; tampering fails; uncovered From domains and bad keys are handled.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDkimSigner, DkimKeyError, DkimSigningError, type DkimSignature } from "../../runtime/dkim/dkimSigner.js";
import { domainCovers } from "../../runtime/dkim/domainCovers.js";
import { dkimDnsRecord, dkimRecordText, generateDkimKey } from "../../runtime/dkim/dkimKeys.js";
import { verifyWithDkimpy } from "./dkimpy.js";

const message = Buffer.from(
  [
    "From: Alice <alice@example.com>",
    "To: Bob <bob@example.org>",
    "Subject: quarterly figures,",
    "  folded over two lines",
    "Date: Sat, 28 Nov 2026 17:00:00 +0000",
    "Message-ID: <figures.1@example.com>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "X-Unsigned: not in the list",
    "",
    "Hello Bob,  ",
    "",
    "the figures are attached.",
    "",
    "",
  ].join("\r\n"),
);

let dir: string;
let zone: string[];
let rsa: DkimSignature;
let ed: DkimSignature;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-dkim-"));
  const rsaKey = generateDkimKey("rsa", 2048);
  const edKey = generateDkimKey("ed25519");
  fs.writeFileSync(path.join(dir, "r1.pem"), rsaKey.privateKeyPem);
  fs.writeFileSync(path.join(dir, "e1.pem"), edKey.privateKeyPem);
  zone = [dkimDnsRecord("example.com", "r1", dkimRecordText("rsa", rsaKey.publicKey)), dkimDnsRecord("example.com", "e1", dkimRecordText("ed25519", edKey.publicKey))];
  rsa = { domain: "example.com", selector: "r1", keyPath: path.join(dir, "r1.pem") };
  ed = { domain: "example.com", selector: "e1", keyPath: path.join(dir, "e1.pem") };
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function withBody(signed: Buffer, body: string): Buffer {
  const text = signed.toString("latin1");
  return Buffer.from(text.slice(0, text.indexOf("\r\n\r\n") + 4) + body, "latin1");
}

describe("signatures verified by dkimpy", () => {
  it("RSA-SHA256 verifies, prepended, with the body untouched", async () => {
    const signer = await createDkimSigner([rsa]);
    const signed = await signer.sign(message, "example.com");
    expect(signed.toString("latin1").startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;")).toBe(true);
    expect(signed.subarray(signed.length - message.length).equals(message)).toBe(true);
    const [result, ...rest] = await verifyWithDkimpy(signed, zone);
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ domain: "example.com", selector: "r1", algorithm: "rsa-sha256", ok: true, error: null });
    // every default field present is signed, From once more than it occurs (oversigned), X-Unsigned not at all
    expect(result!.headers).toEqual(["from", "to", "subject", "date", "message-id", "mime-version", "content-type", "from"]);
  });

  it("Ed25519-SHA256 (RFC 8463) verifies", async () => {
    const signer = await createDkimSigner([ed]);
    const results = await verifyWithDkimpy(await signer.sign(message, "example.com"), zone);
    expect(results).toMatchObject([{ selector: "e1", algorithm: "ed25519-sha256", ok: true }]);
  });

  it("RSA and Ed25519 on one message both verify", async () => {
    const signer = await createDkimSigner([rsa, ed]);
    expect(signer.signersFor("example.com")).toEqual(["r1._domainkey.example.com", "e1._domainkey.example.com"]);
    const results = await verifyWithDkimpy(await signer.sign(message, "example.com"), zone);
    expect(results.map((r) => [r.selector, r.algorithm, r.ok])).toEqual([
      ["r1", "rsa-sha256", true],
      ["e1", "ed25519-sha256", true],
    ]);
  });

  it("a changed body fails both signatures", async () => {
    const signer = await createDkimSigner([rsa, ed]);
    const signed = await signer.sign(message, "example.com");
    const tampered = withBody(signed, "Hello Bob,\r\n\r\nthe figures are NOT attached.\r\n");
    expect((await verifyWithDkimpy(tampered, zone)).map((r) => r.ok)).toEqual([false, false]);
    // the untampered message (same split and join) still passes: the failure is the body's
    const body = message.toString("latin1").slice(message.toString("latin1").indexOf("\r\n\r\n") + 4);
    expect((await verifyWithDkimpy(withBody(signed, body), zone)).map((r) => r.ok)).toEqual([true, true]);
  });

  it("a changed Subject fails, and so does a second From added after signing (oversigning)", async () => {
    const signer = await createDkimSigner([rsa]);
    const signed = (await signer.sign(message, "example.com")).toString("latin1");
    const subject = Buffer.from(signed.replace("quarterly figures", "quarterly figurez"), "latin1");
    expect((await verifyWithDkimpy(subject, zone))[0]!.ok).toBe(false);
    const secondFrom = Buffer.from(signed.replace("\r\nTo: Bob", "\r\nFrom: Mallory <m@example.com>\r\nTo: Bob"), "latin1");
    expect((await verifyWithDkimpy(secondFrom, zone))[0]!.ok).toBe(false);
    // a field outside the list may change without breaking the signature
    const unsigned = Buffer.from(signed.replace("not in the list", "changed"), "latin1");
    expect((await verifyWithDkimpy(unsigned, zone))[0]!.ok).toBe(true);
  });

  it("signs a subdomain's mail with its parent's key, and the configured field lists", async () => {
    const signer = await createDkimSigner([{ ...rsa, headers: ["From", "Subject"], oversign: ["From", "Subject", "To"] }]);
    const fromSub = Buffer.from(message.toString("latin1").replace("alice@example.com", "alice@mail.Example.COM"), "latin1");
    const [result] = await verifyWithDkimpy(await signer.sign(fromSub, "mail.Example.COM."), zone);
    expect(result).toMatchObject({ ok: true, domain: "example.com", headers: ["from", "subject", "to", "from", "subject", "to"] });
  });

  it("a bare-LF message keeps its body and still verifies", async () => {
    const lf = Buffer.from(message.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
    const signed = await (await createDkimSigner([ed])).sign(lf, "example.com");
    expect(signed.subarray(signed.length - lf.length).equals(lf)).toBe(true);
    expect((await verifyWithDkimpy(signed, zone))[0]!.ok).toBe(true);
  });
});

describe("which From domains are signed", () => {
  it("a From domain no signature covers gets no signature", async () => {
    const signer = await createDkimSigner([rsa, ed]);
    for (const from of ["example.org", "badexample.com", "com", null]) {
      const out = await signer.sign(message, from);
      expect(out).toBe(message);
      expect(signer.signersFor(from)).toEqual([]);
    }
    expect(await verifyWithDkimpy(await signer.sign(message, "example.org"), zone)).toEqual([]);
  });

  it("covers the same domain and its subdomains only", () => {
    expect(domainCovers("example.com", "example.com")).toBe(true);
    expect(domainCovers("example.com", "a.b.EXAMPLE.com.")).toBe(true);
    expect(domainCovers("Example.com.", "example.com")).toBe(true);
    expect(domainCovers("mail.example.com", "example.com")).toBe(false);
    expect(domainCovers("example.com", "badexample.com")).toBe(false);
    expect(domainCovers("example.com", "example.com.evil.org")).toBe(false);
    expect(domainCovers("bücher.example", "xn--bcher-kva.example")).toBe(true);
    expect(domainCovers("example.com", "")).toBe(false);
  });
});

describe("failures", () => {
  it("an unreadable or invalid key fails at load time, naming the file", async () => {
    await expect(createDkimSigner([{ ...rsa, keyPath: path.join(dir, "missing.pem") }])).rejects.toThrow(
      new DkimKeyError(
        `cannot read DKIM key \`${path.join(dir, "missing.pem")}\` for selector \`r1._domainkey.example.com\`: ENOENT: no such file or directory, open '${path.join(dir, "missing.pem")}'`,
      ),
    );
    fs.writeFileSync(path.join(dir, "garbage.pem"), "not a key\n");
    await expect(createDkimSigner([{ ...rsa, keyPath: path.join(dir, "garbage.pem") }])).rejects.toThrow(
      /^DKIM key `.*garbage\.pem` for selector `r1\._domainkey\.example\.com` is not a PEM private key/,
    );
    await expect(createDkimSigner([{ ...ed, algorithm: "rsa-sha256" }])).rejects.toThrow(/is a ed25519 key, not one for `rsa-sha256`$/);
    const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
    fs.writeFileSync(path.join(dir, "ec.pem"), ec);
    await expect(createDkimSigner([{ ...rsa, keyPath: path.join(dir, "ec.pem") }])).rejects.toThrow(/is a `ec` key; DKIM signs with RSA or Ed25519$/);
    const small = crypto.generateKeyPairSync("rsa", { modulusLength: 512 }).privateKey.export({ type: "pkcs8", format: "pem" });
    fs.writeFileSync(path.join(dir, "small.pem"), small);
    await expect(createDkimSigner([{ ...rsa, keyPath: path.join(dir, "small.pem") }])).rejects.toThrow(/RSA key of 512 bits; DKIM needs at least 1024/);
    await expect(createDkimSigner([{ ...rsa, headers: ["Subject"] }])).rejects.toThrow(/must include `From`/);
  });

  it("a message that cannot be signed throws DkimSigningError instead of passing unsigned", async () => {
    const signer = await createDkimSigner([rsa]);
    await expect(signer.sign(Buffer.from("To: bob@example.org\r\n\r\nbody\r\n"), "example.com")).rejects.toThrow(DkimSigningError);
    await expect(signer.sign(Buffer.from("From: a@example.com\r\nthis is no field\r\n\r\nbody\r\n"), "example.com")).rejects.toThrow(
      new DkimSigningError("the message's header section has a line that is not a header field"),
    );
  });

  it("a crypto failure while signing becomes DkimSigningError", async () => {
    const signer = await createDkimSigner([rsa]);
    const original = crypto.sign;
    (crypto as { sign: unknown }).sign = () => {
      throw new Error("engine failure");
    };
    try {
      const failure = await signer.sign(message, "example.com").catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DkimSigningError);
      // It names the signature that failed, so the server's log can name that `sign dkim` line.
      expect(failure).toMatchObject({ message: "DKIM signing failed: engine failure", signature: { domain: rsa.domain, selector: rsa.selector } });
    } finally {
      (crypto as { sign: unknown }).sign = original;
    }
  });
});
