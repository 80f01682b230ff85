// `listen ... proxy` over live sockets: a stand-in load balancer sends a PROXY v1 or v2 header
// before the client's bytes, and the next hop's Received field and msa's log name the client the
// header named, not the proxy; a connection without a header never reaches SMTP.
import net from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { PROXY_V2_SIGNATURE } from "../../runtime/proxy/proxyProtocol.js";
import { startNextHop, type NextHop } from "../support/nextHop.js";
import { rawSmtp } from "../support/smtplib.js";
import { codes, eventually, startMsa, type RunningMsa, startMsaWithNextHop } from "../server/harness.js";

/** A load balancer on loopback: each connection to it goes to `target` after `header`. */
async function proxyInFront(target: number, header: Buffer): Promise<{ port: number; close(): void }> {
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: "127.0.0.1", port: target }, () => {
      upstream.write(header);
      client.pipe(upstream).pipe(client);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

function v2Header(source: string, sourcePort: number): Buffer {
  const body = Buffer.alloc(12);
  source.split(".").forEach((octet, i) => body.writeUInt8(Number(octet), i));
  [192, 0, 2, 1].forEach((octet, i) => body.writeUInt8(octet, 4 + i));
  body.writeUInt16BE(sourcePort, 8);
  body.writeUInt16BE(587, 10);
  const fixed = Buffer.from([0x21, 0x11, 0x00, body.length]);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, body]);
}

describe("listen ... plain proxy", () => {
  let hop: NextHop;
  let msa: RunningMsa;
  beforeAll(async () => {
    ({ hop, msa } = await startMsaWithNextHop((url) => [
      "hostname msa.example.test",
      "listen 127.0.0.1:2525 plain proxy",
      "allow unauthenticated",
      "qualify domains example.test",
      "add Received",
      `deliver relay ${url}`,
    ]));
  });

  const submitVia = async (header: Buffer) => {
    const proxy = await proxyInFront(msa.port, header);
    try {
      const count = hop.messages.length;
      const replies = await rawSmtp(proxy.port, [
        "EHLO client.example",
        "MAIL FROM:<alice>",
        "RCPT TO:<bob>",
        "DATA",
        Buffer.from("From: alice@example.test\r\nSubject: p\r\n\r\nhi\r\n.\r\n"),
      ]);
      expect(codes(replies.at(-1))).toBe("250 2.0.0");
      const [delivered] = (await hop.waitForMessages(count + 1)).slice(count);
      return delivered!.raw.toString("latin1");
    } finally {
      proxy.close();
    }
  };

  it("v1: the Received field and the log carry the client the header names", async () => {
    const raw = await submitVia(Buffer.from("PROXY TCP4 203.0.113.7 192.0.2.1 40001 587\r\n"));
    expect(raw).toMatch(/^Received: from client\.example \([^)]*203\.0\.113\.7[^)]*\)/m);
    await eventually(() => msa.logs.some((l) => l.event === "connect" && l.client === "203.0.113.7"));
  });

  it("v2: the same with the binary header", async () => {
    const raw = await submitVia(v2Header("198.51.100.23", 40002));
    expect(raw).toMatch(/^Received: from client\.example \([^)]*198\.51\.100\.23[^)]*\)/m);
    expect(raw).not.toMatch(/127\.0\.0\.1/);
  });

  it("a client that sends SMTP without a header is disconnected before any greeting", async () => {
    const before = msa.logs.length;
    const replies = await rawSmtp(msa.port, ["EHLO client.example"], { timeoutMs: 3000 }).catch(() => []);
    expect(replies).toEqual([]);
    // the bytes `EHLO` are not a PROXY header: refused and logged, no session
    await eventually(() => msa.logs.slice(before).some((l) => l.event === "proxy-refused"), 6000);
    expect(msa.logs.slice(before).some((l) => l.event === "connect")).toBe(false);
  });
});

describe("listen ... proxy from ADDRESSES", () => {
  it("refuses a peer that is not a listed proxy, and serves one that is", async () => {
    const hop = await startNextHop();
    const policy = (trusted: string) => [
      "hostname msa.example.test",
      `listen 127.0.0.1:2525 plain proxy from ${trusted}`,
      "allow unauthenticated",
      "qualify domains example.test",
      `deliver relay ${hop.url}`,
    ];
    const untrusted = await startMsa(policy("192.0.2.250"));
    const trusted = await startMsa(policy("127.0.0.1, [::1]"));
    try {
      const header = Buffer.from("PROXY TCP4 203.0.113.9 192.0.2.1 40003 25\r\n");
      const refusedProxy = await proxyInFront(untrusted.port, header);
      expect(await rawSmtp(refusedProxy.port, ["EHLO client.example"], { timeoutMs: 3000 }).catch(() => [])).toEqual([]);
      refusedProxy.close();
      await eventually(() => untrusted.logs.some((l) => l.event === "proxy-refused"), 6000);
      expect(untrusted.logs.some((l) => l.event === "connect")).toBe(false);

      const acceptedProxy = await proxyInFront(trusted.port, header);
      const replies = await rawSmtp(acceptedProxy.port, ["EHLO client.example"]);
      acceptedProxy.close();
      expect(replies[1]).toMatch(/^250[- ]/);
      await eventually(() => trusted.logs.some((l) => l.event === "connect" && l.client === "203.0.113.9"));
    } finally {
      await untrusted.stop();
      await trusted.stop();
      await hop.stop();
    }
  });
});
