// In-line relay against a real smtp-server next hop on 127.0.0.1 (and two scripted raw
// servers for what smtp-server will not do: drop mid-DATA, never greet).

import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { generate } from "selfsigned";
import { SMTPServer } from "smtp-server";
import type { SMTPServerAddress, SMTPServerOptions, SMTPServerSession } from "smtp-server";
import type { Envelope } from "../../runtime/deliver/envelope.js";
import { relayMessage } from "../../runtime/deliver/relayClient.js";
import { encodeXtext } from "../../runtime/deliver/xtext.js";
import { parseRelayUrl } from "../../runtime/deliver/relayEndpoint.js";
import { eventually } from "../support/eventually.js";

// ---- local helpers (a shared one is being written in test/support; this file keeps its own)

interface ReceivedMessage {
  mailFrom: SMTPServerAddress;
  rcptTo: SMTPServerAddress[];
  body: Buffer;
  secure: boolean;
  user: unknown;
}

interface NextHop {
  port: number;
  url: string;
  received: ReceivedMessage[];
  server: SMTPServer;
  close(): Promise<void>;
}

type NextHopOptions = SMTPServerOptions & {
  /** return an error (with responseCode) to refuse the message after it arrived */
  onMessage?: (message: ReceivedMessage) => Error | undefined;
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function replyError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

async function startNextHop(options: NextHopOptions = {}): Promise<NextHop> {
  const received: ReceivedMessage[] = [];
  const { onMessage, ...serverOptions } = options;
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    ...serverOptions,
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const message: ReceivedMessage = {
          mailFrom: session.envelope.mailFrom as SMTPServerAddress,
          rcptTo: session.envelope.rcptTo,
          body: Buffer.concat(chunks),
          secure: session.secure,
          user: session.user,
        };
        const refusal = onMessage?.(message);
        if (refusal) return callback(refusal);
        received.push(message);
        callback(null, "Ok: queued as NEXTHOP1");
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  const hop: NextHop = {
    port,
    url: `${options.secure ? "smtps" : "smtp"}://127.0.0.1:${port}`,
    received,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  cleanups.push(hop.close);
  return hop;
}

/** A raw server: `script` gets each socket. */
async function startRawServer(script: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    script(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

/** Answers like a plain SMTP server up to DATA, then drops the connection after the first message bytes. */
function dropsMidData(socket: net.Socket): void {
  let inData = false;
  let buffered = "";
  socket.write("220 scripted ESMTP\r\n");
  socket.on("data", (chunk: Buffer) => {
    if (inData) {
      socket.destroy();
      return;
    }
    buffered += chunk.toString("latin1");
    let lineEnd: number;
    while ((lineEnd = buffered.indexOf("\r\n")) >= 0) {
      const line = buffered.slice(0, lineEnd).toUpperCase();
      buffered = buffered.slice(lineEnd + 2);
      if (line.startsWith("EHLO")) socket.write("250-scripted\r\n250 8BITMIME\r\n");
      else if (line.startsWith("DATA")) {
        inData = true;
        socket.write("354 go ahead\r\n");
      } else socket.write("250 ok\r\n");
    }
  });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const MESSAGE = Buffer.from("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: hello\r\n\r\nHello Bob.\r\n");

function envelopeFor(...recipients: string[]): Envelope {
  return { mailFrom: "alice@example.test", recipients: recipients.map((address) => ({ address })) };
}

let tls: { key: string; cert: string };
beforeAll(async () => {
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    extensions: [
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  tls = { key: pems.private, cert: pems.cert };
});

// ---- tests

describe("relay target URL", () => {
  it("reads smtp:// and smtps:// with their default ports", () => {
    expect(parseRelayUrl("smtp://127.0.0.1:2526")).toEqual({ secure: false, host: "127.0.0.1", port: 2526 });
    expect(parseRelayUrl("smtp://mx.example.test")).toEqual({ secure: false, host: "mx.example.test", port: 25 });
    expect(parseRelayUrl("smtps://[::1]")).toEqual({ secure: true, host: "::1", port: 465 });
    expect(() => parseRelayUrl("http://127.0.0.1")).toThrow(TypeError);
    expect(() => parseRelayUrl("smtp://user:pw@127.0.0.1")).toThrow(TypeError);
  });

  it("turns a bad URL into a temporary 4.3.5, not an exception", async () => {
    const outcome = await relayMessage({ url: "ftp://x" }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.3.5" });
  });

  it("encodes xtext as RFC 3461 says", () => {
    expect(encodeXtext("a+b=c d")).toBe("a+2Bb+3Dc+20d");
  });
});

describe("accepted", () => {
  it("relays and reports the next hop queue id; the connection is closed afterwards", async () => {
    const hop = await startNextHop();
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "accepted", id: "NEXTHOP1" });
    expect(outcome.perRecipient).toEqual([{ address: "bob@example.test", status: "accepted" }]);
    expect(hop.received).toHaveLength(1);
    expect(hop.received[0].mailFrom.address).toBe("alice@example.test");
    expect(hop.received[0].rcptTo.map((r) => r.address)).toEqual(["bob@example.test"]);
    await eventually(() => hop.server.connections.size === 0);
  });

  it("delivers the body byte for byte: 8-bit, CRLF, leading dots, no final CRLF added twice", async () => {
    const hop = await startNextHop({ size: 1_000_000 });
    const body = Buffer.concat([
      Buffer.from("From: alice@example.test\r\nSubject: =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\n\r\n"),
      Buffer.from("Gr\xfc\xdfe \xe2\x82\xac\r\n.\r\n..two dots\r\n.\r\n \r\n\tTab\r\nend\r\n", "latin1"),
      Buffer.from([0xc3, 0xa9, 0x0d, 0x0a, 0x2e, 0x2e, 0x0d, 0x0a]),
    ]);
    const outcome = await relayMessage({ url: hop.url }, { ...envelopeFor("bob@example.test"), bodyType: "8BITMIME" }, body);
    expect(outcome.kind).toBe("accepted");
    expect(hop.received[0].body.equals(body)).toBe(true);
    expect(hop.received[0].mailFrom.args).toMatchObject({ BODY: "8BITMIME", SIZE: String(body.length) });
  });

  it("sends the null sender as MAIL FROM:<>", async () => {
    const hop = await startNextHop();
    const outcome = await relayMessage({ url: hop.url }, { mailFrom: "", recipients: [{ address: "bob@example.test" }] }, MESSAGE);
    expect(outcome.kind).toBe("accepted");
    expect(hop.received[0].mailFrom.address).toBe("");
  });

  it("passes RET and ENVID, and each recipient its own NOTIFY and ORCPT (RFC 3461)", async () => {
    const hop = await startNextHop({ hideDSN: false });
    const envelope: Envelope = {
      mailFrom: "alice@example.test",
      dsn: { ret: "HDRS", envid: "id+1 x" },
      recipients: [
        { address: "bob@example.test", dsn: { notify: ["SUCCESS", "FAILURE"], orcpt: "rfc822;bob@example.test" } },
        { address: "carol@example.test", dsn: { notify: ["NEVER"] } },
        { address: "dave@example.test" },
      ],
    };
    const outcome = await relayMessage({ url: hop.url }, envelope, MESSAGE);
    expect(outcome.kind).toBe("accepted");
    const [message] = hop.received;
    expect(message.mailFrom.args).toMatchObject({ RET: "HDRS", ENVID: "id+1 x" });
    expect(message.rcptTo[0].args).toMatchObject({ NOTIFY: "SUCCESS,FAILURE", ORCPT: "rfc822;bob@example.test" });
    expect(message.rcptTo[1].args).toMatchObject({ NOTIFY: "NEVER" });
    expect(message.rcptTo[1].args).not.toHaveProperty("ORCPT");
    expect(message.rcptTo[2].args).toBe(false);

    // a next hop without DSN gets no DSN parameters at all
    const plainHop = await startNextHop();
    expect((await relayMessage({ url: plainHop.url }, envelope, MESSAGE)).kind).toBe("accepted");
    expect(plainHop.received[0].mailFrom.args).toBe(false);
    expect(plainHop.received[0].rcptTo.map((r) => r.args)).toEqual([false, false, false]);
  });

  it("passes SMTPUTF8 on for a UTF-8 header section when the client declared it (RFC 6531)", async () => {
    const hop = await startNextHop();
    const body = Buffer.from("From: Jörg <joerg@example.test>\r\nSubject: Grüße\r\n\r\nHallo\r\n", "utf8");
    const outcome = await relayMessage({ url: hop.url }, { ...envelopeFor("bob@example.test"), smtputf8: true }, body);
    expect(outcome.kind).toBe("accepted");
    expect(hop.received[0].mailFrom.args).toMatchObject({ SMTPUTF8: true });
    expect(hop.received[0].body.equals(body)).toBe(true);
  });
});

describe("refused and deferred", () => {
  it("passes a 5xx at MAIL on as permanent with its enhanced code", async () => {
    const hop = await startNextHop({
      onMailFrom: (_address, _session, callback) => callback(replyError(550, "5.7.1 sender not allowed")),
    });
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "permanent", code: 550, enhanced: "5.7.1" });
    expect(outcome.kind !== "accepted" && outcome.text).toContain("sender not allowed");
    expect(hop.received).toHaveLength(0);
    await eventually(() => hop.server.connections.size === 0);
  });

  it("defaults the enhanced code of a bare 5xx to 5.0.0", async () => {
    const hop = await startNextHop({
      onMailFrom: (_address, _session, callback) => callback(replyError(553, "no such sender here")),
    });
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "permanent", code: 553, enhanced: "5.0.0" });
  });

  it("turns a 4xx at MAIL into 451 with the next hop enhanced code", async () => {
    const hop = await startNextHop({
      onMailFrom: (_address, _session, callback) => callback(replyError(452, "4.3.1 queue full")),
    });
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.3.1" });
  });

  it("turns 530 at MAIL (we did not authenticate) into a temporary failure, not a bounce", async () => {
    const hop = await startNextHop({
      onMailFrom: (_address, _session, callback) => callback(replyError(530, "5.7.0 authentication required")),
    });
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.7.0" });
  });

  it("maps a 451 to the final dot to temporary and a 554 to permanent", async () => {
    const deferring = await startNextHop({ onMessage: () => replyError(451, "4.3.0 try later") });
    expect(await relayMessage({ url: deferring.url }, envelopeFor("bob@example.test"), MESSAGE)).toMatchObject({
      kind: "temporary",
      code: 451,
      enhanced: "4.3.0",
    });
    const refusing = await startNextHop({ onMessage: () => replyError(554, "5.6.0 bad header") });
    expect(await relayMessage({ url: refusing.url }, envelopeFor("bob@example.test"), MESSAGE)).toMatchObject({
      kind: "permanent",
      code: 554,
      enhanced: "5.6.0",
    });
  });

  it("keeps the enhanced code of a 421 (RFC 5321 section 3.8: the next hop is closing)", async () => {
    const hop = await startNextHop({ onMessage: () => replyError(421, "4.3.2 shutting down") });
    expect(await relayMessage({ url: hop.url }, envelopeFor("bob@example.test"), MESSAGE)).toMatchObject({
      kind: "temporary",
      code: 451,
      enhanced: "4.3.2",
    });
    const port = await startRawServer((socket) => socket.end("421 4.7.0 too busy, try later\r\n"));
    expect(await relayMessage({ url: `smtp://127.0.0.1:${port}` }, envelopeFor("bob@example.test"), MESSAGE)).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.7.0" });
  });

  it("accepts when some recipients are refused for good, and lists them", async () => {
    const hop = await startNextHop({
      onRcptTo: (address, _session, callback) => (address.address.startsWith("nobody") ? callback(replyError(550, "5.1.1 no such user")) : callback()),
    });
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("bob@example.test", "nobody@example.test"), MESSAGE);
    expect(outcome.kind).toBe("accepted");
    expect(outcome.perRecipient).toEqual([
      { address: "bob@example.test", status: "accepted" },
      expect.objectContaining({ address: "nobody@example.test", status: "permanent", code: 550, enhanced: "5.1.1" }),
    ]);
    expect(hop.received[0].rcptTo.map((r) => r.address)).toEqual(["bob@example.test"]);
  });

  it("abandons the whole message when one recipient is deferred, so a retry sends no duplicate", async () => {
    const hop = await startNextHop({
      onRcptTo: (address, _session, callback) => (address.address.startsWith("later") ? callback(replyError(450, "4.2.1 mailbox busy")) : callback()),
    });
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("bob@example.test", "later@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.2.1" });
    expect(outcome.perRecipient?.map((r) => r.status)).toEqual(["accepted", "temporary"]);
    await eventually(() => hop.server.connections.size === 0);
    expect(hop.received).toHaveLength(0);
  });

  it("is permanent when every recipient is refused for good", async () => {
    const hop = await startNextHop({
      onRcptTo: (_address, _session, callback) => callback(replyError(550, "5.1.1 no such user")),
    });
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("x@example.test", "y@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "permanent", code: 550, enhanced: "5.1.1" });
    expect(outcome.perRecipient).toHaveLength(2);
  });

  it("refuses a message over the next hop SIZE before sending it (RFC 1870)", async () => {
    const hop = await startNextHop({ size: 10 });
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "permanent", code: 552, enhanced: "5.3.4" });
    expect(hop.received).toHaveLength(0);
  });

  it("refuses a non-ASCII address for a next hop without SMTPUTF8, sending nothing", async () => {
    const hop = await startNextHop({ hideSMTPUTF8: true });
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("jörg@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "permanent", code: 553, enhanced: "5.6.7" });
    expect(hop.received).toHaveLength(0);
  });
});

describe("connection failures", () => {
  it("next hop down (port closed) -> 451 4.4.1", async () => {
    const port = await closedPort();
    const outcome = await relayMessage({ url: `smtp://127.0.0.1:${port}` }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.4.1" });
  });

  it("next hop that never greets -> 451 4.4.1 after the connect timeout", async () => {
    const port = await startRawServer(() => undefined);
    const started = Date.now();
    const outcome = await relayMessage({ url: `smtp://127.0.0.1:${port}`, connectTimeoutMs: 300 }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.4.1" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("connection dropped mid-DATA -> 451 4.4.2", async () => {
    const port = await startRawServer(dropsMidData);
    const outcome = await relayMessage({ url: `smtp://127.0.0.1:${port}` }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.4.2" });
  });

  it("gives up at the overall deadline", async () => {
    // greets, then never answers EHLO
    const port = await startRawServer((socket) => socket.write("220 slow ESMTP\r\n"));
    const outcome = await relayMessage({ url: `smtp://127.0.0.1:${port}` }, envelopeFor("bob@example.test"), MESSAGE, { totalTimeoutMs: 300 });
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.4.2" });
  });
});

describe("TLS and authentication", () => {
  it("uses STARTTLS when offered (opportunistic: a self-signed certificate is fine)", async () => {
    const hop = await startNextHop({ disabledCommands: [], key: tls.key, cert: tls.cert });
    const outcome = await relayMessage({ url: hop.url }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome.kind).toBe("accepted");
    expect(hop.received[0].secure).toBe(true);
  });

  it("verifies the certificate when asked, against the given CA", async () => {
    const hop = await startNextHop({ disabledCommands: [], key: tls.key, cert: tls.cert });
    const trusted = await relayMessage({ url: hop.url, requireTls: true, verifyCertificate: true, ca: tls.cert }, envelopeFor("bob@example.test"), MESSAGE);
    expect(trusted.kind).toBe("accepted");
    const untrusted = await relayMessage({ url: hop.url, verifyCertificate: true }, envelopeFor("bob@example.test"), MESSAGE);
    expect(untrusted).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.7.0" });
    expect(hop.received).toHaveLength(1);
  });

  it("under requireTls, refuses a next hop that does not offer STARTTLS", async () => {
    const hop = await startNextHop();
    const outcome = await relayMessage({ url: hop.url, requireTls: true }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.7.0" });
    expect(hop.received).toHaveLength(0);
  });

  it("speaks implicit TLS to smtps:// (RFC 8314)", async () => {
    const hop = await startNextHop({ secure: true, key: tls.key, cert: tls.cert });
    const outcome = await relayMessage({ url: hop.url, ca: tls.cert }, envelopeFor("bob@example.test"), MESSAGE);
    expect(outcome.kind).toBe("accepted");
    expect(hop.received[0].secure).toBe(true);
  });

  it("authenticates to the next hop; wrong credentials are temporary (our configuration)", async () => {
    const hop = await startNextHop({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) =>
        auth.username === "relay" && auth.password === "secret" ? callback(null, { user: auth.username }) : callback(replyError(535, "5.7.8 bad credentials")),
    });
    const good = await relayMessage({ url: hop.url, auth: { user: "relay", pass: "secret" } }, envelopeFor("bob@example.test"), MESSAGE);
    expect(good.kind).toBe("accepted");
    expect(hop.received[0].user).toBe("relay");
    const bad = await relayMessage({ url: hop.url, auth: { user: "relay", pass: "wrong" } }, envelopeFor("bob@example.test"), MESSAGE);
    expect(bad).toMatchObject({ kind: "temporary", code: 451 });
    expect(bad.kind !== "accepted" && bad.enhanced.startsWith("4.7.")).toBe(true);
  });
});
