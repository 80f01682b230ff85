// PROXY protocol (runtime/proxy): v1 and v2 headers (IPv4 and IPv6, built here byte by byte) in
// front of a real smtp-server session, which must see the client's address; garbage is refused.
import net from "node:net";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import {
  acceptWithProxyProtocol,
  parseProxyHeader,
  PROXY_V2_SIGNATURE,
  ProxyProtocolError,
  readProxyHeader,
  smtpSocketOptions,
  type AcceptWithProxyOptions,
  type ProxyHeader,
} from "../../runtime/proxy/proxyProtocol.js";
import { ServerReads } from "../support/serverReads.js";

/** A v2 header: command 1 PROXY / 0 LOCAL, family 0x11 TCP4 / 0x21 TCP6, then addresses, ports and extra TLV bytes. */
function v2(command: number, family: number, addresses: Buffer, tlvs: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0x20 | command;
  head[1] = family;
  head.writeUInt16BE(addresses.length + tlvs.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, head, addresses, tlvs]);
}

function ports(source: number, destination: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt16BE(source, 0);
  bytes.writeUInt16BE(destination, 2);
  return bytes;
}

const ipv4Block = Buffer.concat([Buffer.from([198, 51, 100, 23]), Buffer.from([192, 0, 2, 1]), ports(40001, 587)]);
const ipv6Block = Buffer.concat([Buffer.from("20010db8000000000000000000000042", "hex"), Buffer.from("20010db8000000000000000000000001", "hex"), ports(40002, 465)]);
// PP2_TYPE_AUTHORITY (0x02) "mx.example", a TLV HAProxy sends with `send-proxy-v2`
const authorityTlv = Buffer.concat([Buffer.from([0x02, 0x00, 0x0a]), Buffer.from("mx.example")]);

interface Harness {
  port: number;
  sessions: SMTPServerSession[];
  refused: { error: ProxyProtocolError; peer: { address: string } }[];
  reads: ServerReads;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** smtp-server behind acceptWithProxyProtocol on 127.0.0.1, as the integrator would wire it. */
async function startHarness(options: AcceptWithProxyOptions = {}): Promise<Harness> {
  const sessions: SMTPServerSession[] = [];
  const refused: Harness["refused"] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    name: "msa.test",
    onConnect(session, callback) {
      sessions.push(session);
      callback();
    },
  });
  const server = net.createServer();
  const reads = new ServerReads(server);
  acceptWithProxyProtocol(server, (socket, header) => smtp.connect(socket, smtpSocketOptions(header, socket)), {
    ...options,
    onRefused: (error, peer) => refused.push({ error, peer }),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => smtp.close(resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as net.AddressInfo).port, sessions, refused, reads };
}

/**
 * Connects, writes `chunks` (one write each, the next once the server has read the last), then
 * `after` once a reply matches `when`; returns all text received until `until` matches or the peer closes.
 */
function converse({ port, reads }: Harness, chunks: Buffer[], steps: { when: RegExp; send: string }[], until: RegExp): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    let step = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply matching ${until} in time; got ${JSON.stringify(text)}`));
    }, 8000);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("connect", async () => {
      let sent = 0;
      for (const chunk of chunks) {
        socket.write(chunk);
        sent += chunk.length;
        await Promise.race([reads.reached(sent).catch(() => undefined), closed]);
      }
    });
    socket.setEncoding("latin1");
    socket.on("data", (data: string) => {
      text += data;
      while (step < steps.length && steps[step]!.when.test(text)) socket.write(steps[step++]!.send);
      if (until.test(text)) {
        clearTimeout(timer);
        socket.end("QUIT\r\n");
        resolve({ text, closed: false });
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

const ehlo = [{ when: /^220 /m, send: "EHLO client.example\r\n" }];
const ehloDone = /^250 /m;

describe("PROXY headers in front of smtp-server", () => {
  it.each([
    ["v1 TCP4", [Buffer.from("PROXY TCP4 203.0.113.7 192.0.2.1 51234 587\r\n")], "203.0.113.7", 51234],
    ["v1 TCP6", [Buffer.from("PROXY TCP6 2001:DB8::7 2001:db8::1 51235 587\r\n")], "2001:db8::7", 51235],
    [
      "v2 TCP4 with a TLV, in pieces",
      (() => {
        const header = v2(1, 0x11, ipv4Block, authorityTlv);
        return [header.subarray(0, 5), header.subarray(5, 15), header.subarray(15, 20), header.subarray(20)];
      })(),
      "198.51.100.23",
      40001,
    ],
    ["v2 TCP6", [v2(1, 0x21, ipv6Block)], "2001:db8::42", 40002],
  ])("%s: the session sees the client's address", async (_name, chunks, address, port) => {
    const harness = await startHarness();
    const { text } = await converse(harness, chunks, ehlo, ehloDone);
    expect(text).toMatch(/^220 msa\.test /);
    expect(text).toContain(`250-msa.test Nice to meet you, [${address}]\r\n`);
    expect(harness.sessions.map((s) => [s.remoteAddress, s.remotePort])).toEqual([[address, port]]);
    expect(harness.refused).toEqual([]);
  });

  it("v2 LOCAL and v1 UNKNOWN keep the socket's own address", async () => {
    const harness = await startHarness();
    await converse(harness, [v2(0, 0x00, Buffer.alloc(0))], ehlo, ehloDone);
    await converse(harness, [Buffer.from("PROXY UNKNOWN\r\n")], ehlo, ehloDone);
    expect(harness.sessions.map((s) => s.remoteAddress)).toEqual(["127.0.0.1", "127.0.0.1"]);
  });

  it("bytes sent right after the header reach SMTP (here: too soon, before the greeting)", async () => {
    const harness = await startHarness();
    const { text } = await converse(harness, [Buffer.concat([Buffer.from("PROXY TCP4 203.0.113.9 192.0.2.1 1 2\r\n"), Buffer.from("EHLO early\r\n")])], [], /^421 /m);
    // smtp-server answers 421 before its onConnect hook runs: the EHLO reached it, the header did not
    expect(text).toMatch(/^421 msa\.test You talk too soon/m);
    expect(harness.refused).toEqual([]);
  });
});

describe("refusals", () => {
  it.each([
    ["plain SMTP, no header", "EHLO client.example\r\n", /did not start with a PROXY header/],
    ["an HTTP request", "GET / HTTP/1.0\r\n\r\n", /did not start with a PROXY header/],
    ["a host name for an address", "PROXY TCP4 evil.example 192.0.2.1 1 2\r\n", /invalid TCP4 address/],
    ["an IPv6 address under TCP4", "PROXY TCP4 2001:db8::1 192.0.2.1 1 2\r\n", /invalid TCP4 address/],
    ["a port out of range", "PROXY TCP4 192.0.2.9 192.0.2.1 65536 2\r\n", /invalid PROXY port `65536`/],
    ["a bare LF", "PROXY TCP4 192.0.2.9 192.0.2.1 1 2\n", /not ended by CRLF/],
    ["an overlong line", `PROXY TCP4 ${"1".repeat(120)}`, /line too long/],
    ["an unknown family", "PROXY UDP4 192.0.2.9 192.0.2.1 1 2\r\n", /unknown PROXY v1 family `UDP4`/],
  ])("%s: closed before any SMTP", async (_name, sent, message) => {
    const harness = await startHarness();
    const { text, closed } = await converse(harness, [Buffer.from(sent, "latin1")], [], /^220 /m);
    expect(closed).toBe(true);
    expect(text).toBe("");
    expect(harness.sessions).toEqual([]);
    expect(harness.refused).toHaveLength(1);
    expect(harness.refused[0]!.error).toBeInstanceOf(ProxyProtocolError);
    expect(harness.refused[0]!.error.message).toMatch(message);
  });

  it.each([
    [
      "version 1 in a v2 header",
      (() => {
        const h = v2(1, 0x11, ipv4Block);
        h[12] = 0x11;
        return h;
      })(),
      /unsupported PROXY v2 version 1/,
    ],
    ["an unknown command", v2(2, 0x11, ipv4Block), /unknown PROXY v2 command 2/],
    ["a short IPv6 block", v2(1, 0x21, ipv4Block), /IPv6 address block too short/],
    ["an unknown family", v2(1, 0x41, ipv4Block), /unknown PROXY v2 address family 0x41/],
    ["a length over the limit", v2(1, 0x11, ipv4Block, Buffer.alloc(2000)), /over the limit of 1024/],
  ])("v2 with %s is refused", async (_name, header, message) => {
    const harness = await startHarness();
    const { closed } = await converse(harness, [header], [], /^220 /m);
    expect(closed).toBe(true);
    expect(harness.sessions).toEqual([]);
    expect(harness.refused.map((r) => r.error.message)).toEqual([expect.stringMatching(message)]);
  });

  it("a header that never completes times out", async () => {
    const harness = await startHarness({ timeoutMs: 300 });
    const started = Date.now();
    const { closed } = await converse(harness, [Buffer.from("PROXY TCP4 192.0.2.9")], [], /^220 /m);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(harness.refused.map((r) => r.error.message)).toEqual(["no complete PROXY header within 300 ms"]);
  });

  it("a peer that is not a trusted proxy is refused, even with a valid header", async () => {
    const harness = await startHarness({ trustedProxies: ["192.0.2.250"] });
    const { closed } = await converse(harness, [Buffer.from("PROXY TCP4 203.0.113.7 192.0.2.1 1 2\r\n")], [], /^220 /m);
    expect(closed).toBe(true);
    expect(harness.refused.map((r) => [r.error.message, r.peer.address])).toEqual([["`127.0.0.1` is not a trusted proxy", "127.0.0.1"]]);
    const trusted = await startHarness({ trustedProxies: ["::ffff:127.0.0.1"] });
    await converse(trusted, [Buffer.from("PROXY TCP4 203.0.113.7 192.0.2.1 1 2\r\n")], ehlo, ehloDone);
    expect(trusted.sessions.map((s) => s.remoteAddress)).toEqual(["203.0.113.7"]);
  });
});

describe("parseProxyHeader and readProxyHeader", () => {
  it("needs more bytes until the header is complete, and says so byte by byte", () => {
    const header = v2(1, 0x21, ipv6Block, authorityTlv);
    for (let i = 0; i < header.length; i++) expect(parseProxyHeader(header.subarray(0, i))).toBeNull();
    expect(parseProxyHeader(Buffer.concat([header, Buffer.from("EHLO")]))).toEqual<ProxyHeader>({
      version: 2,
      command: "proxy",
      family: "tcp6",
      source: { address: "2001:db8::42", port: 40002 },
      destination: { address: "2001:db8::1", port: 465 },
      length: 16 + 36 + authorityTlv.length,
    });
    const line = Buffer.from("PROXY TCP4 203.0.113.7 192.0.2.1 51234 587\r\n");
    for (let i = 0; i < line.length; i++) expect(parseProxyHeader(line.subarray(0, i))).toBeNull();
    expect(parseProxyHeader(line)).toMatchObject({ version: 1, family: "tcp4", length: line.length });
    expect(() => parseProxyHeader(Buffer.from("P"))).not.toThrow();
    expect(() => parseProxyHeader(Buffer.from("PX"))).toThrow(ProxyProtocolError);
    expect(() => parseProxyHeader(Buffer.from("\r\n\r\nX"))).toThrow(ProxyProtocolError);
  });

  it("leaves the bytes after the header for the next reader, unchanged", async () => {
    const server = net.createServer();
    const got = new Promise<{ header: ProxyHeader; rest: string }>((resolve, reject) => {
      server.on("connection", (socket: net.Socket) => {
        readProxyHeader(socket).then((header) => {
          let rest = "";
          socket
            .setEncoding("latin1")
            .on("data", (data: string) => (rest += data))
            .on("end", () => resolve({ header, rest }));
        }, reject);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
    client.end(Buffer.concat([v2(1, 0x11, ipv4Block), Buffer.from("EHLO a\r\nMAIL FROM:<a@example.com>\r\n")]));
    const { header, rest } = await got;
    expect(header.source).toEqual({ address: "198.51.100.23", port: 40001 });
    expect(rest).toBe("EHLO a\r\nMAIL FROM:<a@example.com>\r\n");
  });
});
