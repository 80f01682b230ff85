// msa with real milters over real sockets: rspamd (its milter proxy) refusing the GTUBE test
// message with its own reply, OpenDKIM adding a DKIM-Signature that an independent verifier
// (dkimpy) accepts, both in one policy in order; and the failure paths: a milter that is down or
// does not answer gets `on failure` (451 4.7.1, or the message goes on without it).
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWithDkimpy } from "../dkim/dkimpy.js";
import { freePort } from "../support/freePort.js";
import type { NextHop } from "../support/nextHop.js";
import { codes, rejections, type RunningMsa, SUBMISSION_POLICY, startMsaWithNextHop, submitAs } from "../server/harness.js";
import { type RunningOpenDkim, type RunningMilter, startOpenDkim, startRspamd } from "./realMilters.js";

const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

const message = (body: string) =>
  `From: alice@example.test\r\nTo: bob@example.org\r\nSubject: milter test\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <m1@example.test>\r\n\r\n${body}\r\n`;
const submit = (msa: RunningMsa, body: string) => submitAs(msa, "alice", { from: "alice@example.test", to: ["bob@example.org"] }, message(body));

describe("rspamd and OpenDKIM as milters, in order", () => {
  let rspamd: RunningMilter;
  let opendkim: RunningOpenDkim;
  let hop: NextHop;
  let msa: RunningMsa;
  beforeAll(async () => {
    [rspamd, opendkim] = await Promise.all([startRspamd(), startOpenDkim()]);
    ({ hop, msa } = await startMsaWithNextHop((url) => [
      ...SUBMISSION_POLICY,
      `milter inet:127.0.0.1:${rspamd.port}`,
      `milter inet:127.0.0.1:${opendkim.port}`,
      `deliver relay ${url}`,
    ]));
  }, 60_000);
  afterAll(async () => {
    await msa.stop();
    await Promise.all([rspamd.process.stop(), opendkim.process.stop()]);
  });

  it("hands on a clean message with OpenDKIM's DKIM-Signature, which verifies", async () => {
    expect(codes(await submit(msa, "Hello Bob, nothing to see here."))).toBe("250 2.0.0");
    const [delivered] = await hop.waitForMessages(1);
    const raw = delivered!.raw;
    expect(raw.toString()).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=simple\/simple; d=example\.test;/m);
    const results = await verifyWithDkimpy(raw, [opendkim.zoneLine]);
    expect(results).toEqual([expect.objectContaining({ domain: "example.test", selector: "mil", ok: true })]);
  });

  it("refuses the GTUBE message with rspamd's own reply, naming the milter's line", async () => {
    const before = rejections(msa.logs).length;
    const reply = await submit(msa, GTUBE);
    expect(codes(reply)).toBe("554 5.7.1");
    const refused = rejections(msa.logs).slice(before);
    expect(refused).toEqual([expect.objectContaining({ stage: "message", rule: msa.rule(`milter inet:127.0.0.1:${rspamd.port}`) })]);
    expect(hop.messages).toHaveLength(1);
  });
});

/** A TCP server that plays a broken milter: it answers anything with `says` (or never, without it). */
async function brokenMilter(says?: Buffer): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    if (says) socket.once("data", () => socket.write(says));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("a milter that cannot be asked", () => {
  let silent: { port: number; close(): Promise<void> };
  let oversized: { port: number; close(): Promise<void> };
  let downPort: number;
  beforeAll(async () => {
    silent = await brokenMilter();
    // A length of 4 GiB for its answer to option negotiation.
    oversized = await brokenMilter(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x4f]));
    downPort = await freePort();
  });
  afterAll(() => Promise.all([silent.close(), oversized.close()]));

  const cases = [
    { what: "down", socket: () => `inet:127.0.0.1:${downPort}`, timeout: "" },
    { what: "silent past its timeout", socket: () => `inet:127.0.0.1:${silent.port}`, timeout: " timeout command 1s" },
    { what: "sending an oversized packet", socket: () => `inet:127.0.0.1:${oversized.port}`, timeout: "" },
  ];

  for (const { what, socket, timeout } of cases) {
    it(`${what}: 451 4.7.1 by default (on failure tempfail), naming the milter's line`, async () => {
      const line = `milter ${socket()}${timeout}`;
      const { hop, msa } = await startMsaWithNextHop((url) => [...SUBMISSION_POLICY, line, `deliver relay ${url}`]);
      const reply = await submit(msa, "hello");
      expect(codes(reply)).toBe("451 4.7.1");
      expect(rejections(msa.logs)).toEqual([expect.objectContaining({ stage: "mail", rule: msa.rule("milter ") })]);
      expect(hop.messages).toHaveLength(0);
      await msa.stop();
    });

    it(`${what}: delivered without it under on failure accept`, async () => {
      const line = `milter ${socket()} on failure accept${timeout}`;
      const { hop, msa } = await startMsaWithNextHop((url) => [...SUBMISSION_POLICY, line, `deliver relay ${url}`]);
      expect(codes(await submit(msa, "hello"))).toBe("250 2.0.0");
      const [delivered] = await hop.waitForMessages(1);
      expect(delivered!.raw.toString()).toContain("hello");
      await msa.stop();
    });
  }
});
