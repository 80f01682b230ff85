// DKIM and 7-bit conversion: a signed 8-bit message for a next hop without 8BITMIME is converted
// (RFC 6409 section 8.4) and must still verify where it lands, so it is signed again after the
// conversion (RFC 6376 section 5.3: sign what goes on the wire). dkimpy at the next hop checks
// both delivery modes; a next hop with 8BITMIME gets the 8-bit message as it was signed.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayMessage } from "../../runtime/deliver/relayClient.js";
import { createDkimSigner } from "../../runtime/dkim/dkimSigner.js";
import { dkimDnsRecord, dkimRecordText, generateDkimKey } from "../../runtime/dkim/dkimKeys.js";
import { ManualClock } from "../../runtime/queue/clock.js";
import { QueueRunner } from "../../runtime/queue/queueRunner.js";
import { queueRunnerOptionsFromGraph } from "../../runtime/queue/queueFromPolicy.js";
import { startNextHop, type NextHop } from "../support/nextHop.js";
import { rawSmtp } from "../support/smtplib.js";
import { AS_ALICE, SUBMISSION_POLICY, codes, startMsa, type RunningMsa } from "../server/harness.js";
import { verifyWithDkimpy } from "./dkimpy.js";

const MESSAGE =
  "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: Grüße\r\nMIME-Version: 1.0\r\n" +
  "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln,\r\nder Text ist 8-bit.\r\n";

describe("sign dkim with a next hop that does not offer 8BITMIME", () => {
  let keys: string;
  const zone: string[] = [];
  const hops: NextHop[] = [];
  beforeAll(async () => {
    keys = await mkdtemp(join(tmpdir(), "msa-dkim-7bit-"));
    for (const [selector, algorithm] of [
      ["rsa1", "rsa"],
      ["ed1", "ed25519"],
    ] as const) {
      const key = generateDkimKey(algorithm);
      await writeFile(join(keys, `${selector}.pem`), key.privateKeyPem);
      zone.push(dkimDnsRecord("example.test", selector, dkimRecordText(algorithm, key.publicKey)));
    }
  });
  afterAll(async () => {
    await Promise.all(hops.map((hop) => hop.stop()));
    await rm(keys, { recursive: true, force: true });
  });

  async function start(eightBitMime: boolean, deliver: (url: string) => string): Promise<{ hop: NextHop; msa: RunningMsa }> {
    const hop = await startNextHop({ advertise: { eightBitMime, smtpUtf8: eightBitMime } });
    hops.push(hop);
    const msa = await startMsa([
      ...SUBMISSION_POLICY,
      "add Received",
      `sign dkim domain example.test selector rsa1 key "${join(keys, "rsa1.pem")}"`,
      `sign dkim domain example.test selector ed1 key "${join(keys, "ed1.pem")}"`,
      deliver(hop.url),
    ]);
    return { hop, msa };
  }

  const submit = async (msa: RunningMsa) =>
    (
      await rawSmtp(msa.port, [...AS_ALICE, "MAIL FROM:<alice> BODY=8BITMIME SMTPUTF8", "RCPT TO:<bob>", "DATA", Buffer.from(`${MESSAGE}.\r\n`, "utf8")], { ca: msa.pki.caCertPem })
    ).at(-1);

  const verified = async (raw: Buffer) => (await verifyWithDkimpy(raw, zone)).map((r) => [r.selector, r.ok, r.error]);

  it("deliver relay (in line): the converted message verifies at the next hop, with one signature per key", async () => {
    const { hop, msa } = await start(false, (url) => `deliver relay ${url}`);
    expect(codes(await submit(msa))).toBe("250 2.0.0");
    const [delivered] = await hop.waitForMessages(1);
    const raw = delivered!.raw;
    expect(raw.some((byte) => byte > 0x7f)).toBe(false);
    expect(raw.toString("latin1")).toMatch(/^Content-Transfer-Encoding: quoted-printable/im);
    expect(raw.toString("latin1").match(/^DKIM-Signature:/gim)).toHaveLength(2);
    expect(await verified(raw)).toEqual([
      ["rsa1", true, null],
      ["ed1", true, null],
    ]);
  });

  it("deliver spool ... relay: the queue runner's converted message verifies at the next hop", async () => {
    const { hop, msa } = await start(false, (url) => `deliver spool "{DIR}/spool" relay ${url}`);
    expect(codes(await submit(msa))).toBe("250 2.0.0");
    const runner = new QueueRunner({ ...queueRunnerOptionsFromGraph(msa.graph)!, clock: new ManualClock(), pool: false });
    await runner.runDue();
    await runner.stop();
    const [delivered] = await hop.waitForMessages(1);
    const raw = delivered!.raw;
    expect(raw.some((byte) => byte > 0x7f)).toBe(false);
    expect(raw.toString("latin1").match(/^DKIM-Signature:/gim)).toHaveLength(2);
    expect(await verified(raw)).toEqual([
      ["rsa1", true, null],
      ["ed1", true, null],
    ]);
  });

  it("a next hop with 8BITMIME gets the 8-bit message unconverted, and it verifies", async () => {
    const { hop, msa } = await start(true, (url) => `deliver relay ${url}`);
    expect(codes(await submit(msa))).toBe("250 2.0.0");
    const [delivered] = await hop.waitForMessages(1);
    expect(delivered!.raw.toString("utf8")).toContain("Grüße aus Köln");
    expect(await verified(delivered!.raw)).toEqual([
      ["rsa1", true, null],
      ["ed1", true, null],
    ]);
  });

  it("signing again replaces only msa's own signatures at the top: another signer's stays, an unsigned message stays unsigned", async () => {
    const signer = await createDkimSigner([{ domain: "example.test", selector: "rsa1", keyPath: join(keys, "rsa1.pem") }]);
    const foreign = "DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=other; h=from; bh=x; b=y\r\n";
    const signed = await signer.sign(Buffer.from(foreign + MESSAGE, "utf8"), "example.test");
    const again = (await signer.resign(signed)).toString("utf8");
    expect(again.match(/^DKIM-Signature:/gim)).toHaveLength(2);
    expect(again.match(/ s=rsa1;/g)).toHaveLength(1);
    expect(again).toContain(foreign);
    // a message msa did not sign (a DSN from the queue) is not signed by the way
    const unsigned = Buffer.from(MESSAGE, "utf8");
    expect((await signer.resign(unsigned)).equals(unsigned)).toBe(true);
  });

  it("a converted message that cannot be signed again is not sent: 451 4.3.0", async () => {
    const hop = await startNextHop({ advertise: { eightBitMime: false, smtpUtf8: false } });
    hops.push(hop);
    const outcome = await relayMessage(
      { url: hop.url },
      { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }], bodyType: "8BITMIME" },
      Buffer.from(MESSAGE, "utf8"),
      { resign: () => Promise.reject(new Error("key unreadable")) },
    );
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.3.0" });
    expect(outcome.kind === "temporary" && outcome.text).toContain("key unreadable");
    expect(hop.messages).toHaveLength(0);
  });
});
