// Connection reuse: the in-line relay and the queue runner send N messages over fewer than N
// connections (RSET only after a refused transaction), within the pool's bounds, and recover
// from a next hop that closed an idle session.

import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createDelivery } from "../../runtime/deliver/delivery.js";
import type { Envelope } from "../../runtime/deliver/envelope.js";
import { relayMessage } from "../../runtime/deliver/relayClient.js";
import { RelayPool } from "../../runtime/deliver/relayPool.js";
import { writeSpoolRecord } from "../../runtime/deliver/spoolWriter.js";
import { ManualClock } from "../../runtime/queue/clock.js";
import { QueueRunner } from "../../runtime/queue/queueRunner.js";
import { eventually } from "../support/eventually.js";
import { startNextHop } from "../support/nextHop.js";
import { graphWith, scratchDir, startAuthHop } from "./relayHelpers.js";

const envelopeFor = (n: number): Envelope => ({ mailFrom: "alice@example.test", recipients: [{ address: `rcpt${n}@example.test` }] });
const messageFor = (n: number): Buffer => Buffer.from(`From: alice@example.test\r\nTo: rcpt${n}@example.test\r\nSubject: pooled ${n}\r\n\r\nmessage ${n}\r\n`);

/** A next hop on node:net that records every command verb it reads; refuses RCPT TO:<refused@...>. */
async function startRecordingHop(): Promise<{ url: string; verbs: string[]; close(): Promise<void> }> {
  const verbs: string[] = [];
  const server = createServer((socket) => {
    let buffered = "";
    let inData = false;
    socket.write("220 hop.example.test ESMTP\r\n");
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      for (;;) {
        if (inData) {
          const end = buffered.indexOf("\r\n.\r\n");
          if (end < 0) return;
          buffered = buffered.slice(end + 5);
          inData = false;
          socket.write("250 2.0.0 queued\r\n");
          continue;
        }
        const lineEnd = buffered.indexOf("\r\n");
        if (lineEnd < 0) return;
        const line = buffered.slice(0, lineEnd);
        buffered = buffered.slice(lineEnd + 2);
        const verb = line.slice(0, 4).toUpperCase();
        verbs.push(verb);
        if (verb === "EHLO") socket.write("250-hop.example.test\r\n250 8BITMIME\r\n");
        else if (verb === "DATA") {
          inData = true;
          buffered = "\r\n" + buffered;
          socket.write("354 go ahead\r\n");
        } else if (verb === "QUIT") socket.end("221 2.0.0 bye\r\n");
        else if (verb === "RCPT" && /refused@/i.test(line)) socket.write("550 5.1.1 no such user\r\n");
        else socket.write("250 2.0.0 ok\r\n");
      }
    });
    socket.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, verbs, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("in-line relay", () => {
  it("sends 10 messages one after another over one connection", async () => {
    const hop = await startNextHop();
    const dir = await scratchDir();
    const deliver = createDelivery(graphWith(dir, `deliver relay ${hop.url}`).deliver, "msa.example.test");
    for (let n = 0; n < 10; n++) expect((await deliver(envelopeFor(n), messageFor(n), { sessionId: `s${n}` })).kind).toBe("accepted");
    deliver.close?.();
    expect(hop.messages.map((m) => m.rcptTo[0])).toEqual(Array.from({ length: 10 }, (_, n) => `rcpt${n}@example.test`));
    expect(hop.connections).toBe(1);
    await hop.stop();
  });

  it("sends 20 concurrent messages over at most maxConnections connections", async () => {
    const hop = await startNextHop();
    const dir = await scratchDir();
    const deliver = createDelivery(graphWith(dir, `deliver relay ${hop.url}`).deliver, "msa.example.test", { pool: { maxConnections: 3 } });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, n) => deliver(envelopeFor(n), messageFor(n), { sessionId: `s${n}` })));
    deliver.close?.();
    expect(outcomes.every((o) => o.kind === "accepted")).toBe(true);
    expect(new Set(hop.messages.map((m) => m.rcptTo[0])).size).toBe(20);
    expect(hop.connections).toBeGreaterThanOrEqual(1);
    expect(hop.connections).toBeLessThanOrEqual(3);
    await hop.stop();
  });

  it("opens a new connection after maxMessagesPerConnection and after the idle timeout", async () => {
    const hop = await startNextHop();
    const pool = new RelayPool({ maxConnections: 1, maxMessagesPerConnection: 3, idleTimeoutMs: 150 });
    for (let n = 0; n < 7; n++) expect((await relayMessage({ url: hop.url }, envelopeFor(n), messageFor(n), { pool })).kind).toBe("accepted");
    expect(hop.connections).toBe(3); // 3 + 3 + 1
    await eventually(() => pool.idleSessions() === 0); // the idle session is closed with QUIT after 150 ms
    expect((await relayMessage({ url: hop.url }, envelopeFor(7), messageFor(7), { pool })).kind).toBe("accepted");
    expect(hop.connections).toBe(4);
    expect(hop.messages).toHaveLength(8);
    pool.close();
    await hop.stop();
  });

  it("resets between messages: a refused message does not spoil the next one on the same session", async () => {
    const hop = await startNextHop({ refuseRecipients: ["rcpt1@example.test"] });
    const pool = new RelayPool({ maxConnections: 1 });
    expect((await relayMessage({ url: hop.url }, envelopeFor(0), messageFor(0), { pool })).kind).toBe("accepted");
    expect(await relayMessage({ url: hop.url }, envelopeFor(1), messageFor(1), { pool })).toMatchObject({ kind: "permanent", code: 550 });
    expect((await relayMessage({ url: hop.url }, envelopeFor(2), messageFor(2), { pool })).kind).toBe("accepted");
    expect(hop.messages.map((m) => m.rcptTo)).toEqual([["rcpt0@example.test"], ["rcpt2@example.test"]]);
    expect(hop.connections).toBe(1);
    pool.close();
    await hop.stop();
  });

  it("sends RSET only after a refused transaction: a completed one leaves the session ready for MAIL", async () => {
    const hop = await startRecordingHop();
    const pool = new RelayPool({ maxConnections: 1 });
    const refused: Envelope = { mailFrom: "alice@example.test", recipients: [{ address: "refused@example.test" }] };
    expect((await relayMessage({ url: hop.url }, envelopeFor(0), messageFor(0), { pool })).kind).toBe("accepted");
    expect((await relayMessage({ url: hop.url }, envelopeFor(1), messageFor(1), { pool })).kind).toBe("accepted");
    expect(await relayMessage({ url: hop.url }, refused, messageFor(2), { pool })).toMatchObject({ kind: "permanent", code: 550 });
    expect((await relayMessage({ url: hop.url }, envelopeFor(3), messageFor(3), { pool })).kind).toBe("accepted");
    pool.close();
    await eventually(() => hop.verbs.includes("QUIT"));
    expect(hop.verbs).toEqual(["EHLO", "MAIL", "RCPT", "DATA", "MAIL", "RCPT", "DATA", "MAIL", "RCPT", "RSET", "MAIL", "RCPT", "DATA", "QUIT"]);
    await hop.close();
  });

  it("a session the next hop closed while idle is replaced, and the message still goes through", async () => {
    const hop = await startAuthHop();
    const pool = new RelayPool({ maxConnections: 1 });
    expect((await relayMessage({ url: hop.url }, envelopeFor(0), messageFor(0), { pool })).kind).toBe("accepted");
    hop.dropAll();
    // the pool has seen the session end: the next message opens a new one
    await eventually(() => pool.idleSessions() === 0);
    expect((await relayMessage({ url: hop.url }, envelopeFor(1), messageFor(1), { pool })).kind).toBe("accepted");
    expect(hop.received).toHaveLength(2);
    expect(hop.connections).toBe(2);
    pool.close();
  });
});

describe("in-line relay without a pool", () => {
  it("pool: false opens one connection per message", async () => {
    const hop = await startNextHop();
    const dir = await scratchDir();
    const deliver = createDelivery(graphWith(dir, `deliver relay ${hop.url}`).deliver, "msa.example.test", { pool: false });
    for (let n = 0; n < 3; n++) expect((await deliver(envelopeFor(n), messageFor(n), { sessionId: `s${n}` })).kind).toBe("accepted");
    deliver.close?.();
    expect(hop.connections).toBe(3);
    await hop.stop();
  });
});

describe("queue runner", () => {
  it("delivers 12 queued records over fewer connections than records, within its pool size", async () => {
    const hop = await startNextHop();
    const dir = await scratchDir();
    const clock = new ManualClock(Date.parse("2026-11-28T12:00:00Z"));
    for (let n = 0; n < 12; n++) {
      const written = await writeSpoolRecord(dir, envelopeFor(n), messageFor(n), {}, { receivedAt: new Date(clock.now()) });
      expect(written.kind).toBe("accepted");
    }
    const runner = new QueueRunner({ dir, relay: { url: hop.url }, hostname: "msa.example.test", clock, concurrency: 4, relayOptions: { totalTimeoutMs: 10_000 } });
    await runner.runDue();
    await runner.stop();
    expect(new Set(hop.messages.map((m) => m.rcptTo[0])).size).toBe(12);
    expect(hop.connections).toBeLessThan(12);
    expect(hop.connections).toBeLessThanOrEqual(4);
    await hop.stop();
  });

  it("without a pool, one connection per record (the switch the comparison rests on)", async () => {
    const hop = await startNextHop();
    const dir = await scratchDir();
    const clock = new ManualClock(Date.parse("2026-11-28T12:00:00Z"));
    for (let n = 0; n < 4; n++) await writeSpoolRecord(dir, envelopeFor(n), messageFor(n), {}, { receivedAt: new Date(clock.now()) });
    const runner = new QueueRunner({ dir, relay: { url: hop.url }, hostname: "msa.example.test", clock, pool: false });
    await runner.runDue();
    await runner.stop();
    expect(hop.messages).toHaveLength(4);
    expect(hop.connections).toBe(4);
    await hop.stop();
  });
});
