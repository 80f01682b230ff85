// Connections that must not hold the server: silent implicit-TLS handshakes count against
// `limit sessions` from accept and have their own deadline; a command line trickled a byte at a
// time must still be complete within `timeout command` (slowloris).
import { describe, expect, it } from "vitest";
import { openRawConnection } from "../support/rawConnection.js";
import { rawSmtp } from "../support/smtplib.js";
import { codes, eventually, rejections, startMsa } from "./harness.js";

const closedWithin = (closed: Promise<void>, ms: number) => Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe("implicit TLS and session slots", () => {
  const policy = [
    "hostname msa.example.test",
    "{TLS}",
    "listen 127.0.0.1:2465 tls",
    'auth users "users.passwd"',
    "require auth",
    "limit sessions per ip 2",
    'deliver spool "spool"',
  ];

  it("takes a slot at accept: a third silent connection from the same address is closed at once and logged", async () => {
    const msa = await startMsa(policy);
    const held = [await openRawConnection(msa.port), await openRawConnection(msa.port)];
    const third = await openRawConnection(msa.port);
    expect(await closedWithin(third.closed, 2000)).toBe(true);
    expect(await closedWithin(held[0]!.closed, 200)).toBe(false);
    await eventually(() => rejections(msa.logs).some((r) => r.stage === "connect"));
    expect(rejections(msa.logs).find((r) => r.stage === "connect")).toMatchObject({ code: 421, enhanced: "4.7.0", rule: msa.rule("limit sessions per ip") });
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    // the slots come back once the silent connections are gone
    await eventually(() => msa.server.limits.connections.sessions === 0);
    const [greeting] = await rawSmtp(msa.port, [], { tls: true, ca: msa.pki.caCertPem });
    expect(greeting).toMatch(/^220 /);
  });

  it("frees the slot of a session that ended after STARTTLS", async () => {
    const msa = await startMsa([
      "hostname msa.example.test",
      "{TLS}",
      "listen 127.0.0.1:2587 starttls",
      'auth users "users.passwd"',
      "require tls",
      "require auth",
      "limit sessions per ip 2",
      'deliver spool "spool"',
    ]);
    for (let i = 0; i < 4; i++) {
      const replies = await rawSmtp(msa.port, ["EHLO client.example", "STARTTLS", "EHLO client.example", "QUIT"], { ca: msa.pki.caCertPem });
      expect(replies[0]).toMatch(/^220 /);
      await eventually(() => msa.server.limits.connections.sessions === 0);
    }
  });

  it("closes a handshake that does not finish in time and frees its slot", async () => {
    const msa = await startMsa(policy, { handshakeTimeoutMs: 300 });
    const quiet = await openRawConnection(msa.port);
    expect(await closedWithin(quiet.closed, 3000)).toBe(true);
    await eventually(() => msa.server.limits.connections.sessions === 0);
  });
});

describe("timeout command", () => {
  it("closes a command line trickled one byte at a time once `timeout command` has passed since its first byte", async () => {
    const msa = await startMsa(["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "timeout command 1s", 'deliver spool "spool"']);
    const client = await openRawConnection(msa.port);
    await eventually(() => client.received().startsWith("220 "));
    const line = "EHLO a-very-slow-client.example\r\n";
    let sent = 0;
    // one byte every 250 ms: each byte alone is well within the idle timeout
    for (; sent < line.length; sent++) {
      if (client.socket.destroyed || client.received().includes("421")) break;
      client.socket.write(line[sent]!);
      // the slow pace is the behaviour under test, not a wait for something
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await closedWithin(client.closed, 2000)).toBe(true);
    // 1 s at 4 bytes a second: the line was cut off long before its end
    expect(sent).toBeLessThan(10);
    expect(client.received()).toMatch(/\r\n421 4\.4\.2 /);
    await eventually(() => rejections(msa.logs).some((r) => r.stage === "command"));
    expect(rejections(msa.logs).find((r) => r.stage === "command")).toMatchObject({ code: 421, enhanced: "4.4.2", rule: msa.rule("timeout command") });
  });

  it("leaves a client alone that sends whole commands, however many", async () => {
    const msa = await startMsa(["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "timeout command 1s", 'deliver spool "spool"']);
    const steps = Array.from({ length: 6 }, () => ({ send: "NOOP\r\n", replies: 1 }));
    const started = Date.now();
    const replies = await rawSmtp(msa.port, ["EHLO c", ...steps]);
    // pipelined or not, each command completes at once: no deadline is left running
    expect(replies.slice(2).map(codes)).toEqual(Array(6).fill("250 2.0.0"));
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
