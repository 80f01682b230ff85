// CHUNKING and BINARYMIME (RFC 3030) on the receiving side, from a raw socket: BDAT chunks read
// to the octet however the client cuts its writes, pipelined commands after a chunk, the size
// limit counted across chunks, and the sequencing errors RFC 3030 names.
import { beforeAll, describe, expect, it } from "vitest";
import { openRawConnection } from "../support/rawConnection.js";
import { rawSmtp } from "../support/smtplib.js";
import type { NextHop } from "../support/nextHop.js";
import { codes, eventually, rejections, startMsa, startMsaWithNextHop, type RunningMsa } from "./harness.js";

let msa: RunningMsa;
let hop: NextHop;
beforeAll(async () => {
  ({ msa, hop } = await startMsaWithNextHop((url) => [
    "hostname msa.example.test",
    "listen 127.0.0.1:2525 plain",
    "allow unauthenticated",
    "qualify domains example.test",
    "limit size 2KB",
    `deliver relay ${url}`,
  ]));
});

const ENVELOPE = ["EHLO client.example", "MAIL FROM:<alice@example.test>", "RCPT TO:<bob@example.test>"];
const message = (subject: string, body: string) =>
  `From: alice@example.test\r\nTo: bob@example.test\r\nSubject: ${subject}\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <${subject}@example.test>\r\n\r\n${body}`;
/** The message the next hop received with the given subject. */
const received = (subject: string) => hop.messages.find((m) => m.raw.toString("latin1").includes(`Subject: ${subject}\r\n`));

describe("EHLO", () => {
  it("offers CHUNKING and BINARYMIME", async () => {
    const [, ehlo] = await rawSmtp(msa.port, ["EHLO client.example"]);
    expect(ehlo!.split("\n").map((line) => line.slice(4))).toEqual(expect.arrayContaining(["CHUNKING", "BINARYMIME"]));
  });
});

describe("BDAT", () => {
  it("takes a message in chunks cut across writes, lines included, and relays it byte for byte", async () => {
    const text = message("chunks", "first line\r\n.a line with a dot\r\nBDAT 5\r\nlast line\r\n");
    const [a, b] = [text.slice(0, 70), text.slice(70)];
    const replies = await rawSmtp(msa.port, [
      ...ENVELOPE,
      { send: `BDAT ${a.length}\r\n${a.slice(0, 10)}`, replies: 0 },
      { send: a.slice(10), replies: 1 },
      { send: `BDAT ${b.length} LAST\r\n`, replies: 0 },
      { send: b.slice(0, 3), replies: 0 },
      { send: b.slice(3), replies: 1 },
      "QUIT",
    ]);
    expect(replies.slice(4).map(codes)).toEqual(["250 2.0.0", "250 2.0.0", "221 2.0.0"]);
    expect(replies[4]).toContain(`${a.length} octets`);
    const raw = received("chunks")!.raw.toString("latin1");
    // the dot and the BDAT line are the message's octets: no dot-stuffing, no command read from them
    expect(raw.endsWith(text.slice(text.indexOf("\r\n\r\n")))).toBe(true);
  });

  it("answers a pipelined batch in order: the message's reply before QUIT's", async () => {
    const text = message("pipelined", "one\r\n");
    const replies = await rawSmtp(msa.port, [
      "EHLO client.example",
      { send: `MAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nBDAT ${text.length} LAST\r\n${text}QUIT\r\n`, replies: 4 },
    ]);
    expect(replies.slice(2).map(codes)).toEqual(["250 2.1.0", "250 2.1.5", "250 2.0.0", "221 2.0.0"]);
    expect(received("pipelined")).toBeDefined();
  });

  it("takes BDAT 0 LAST as the end of the message", async () => {
    const text = message("zero-last", "body\r\n");
    const replies = await rawSmtp(msa.port, [...ENVELOPE, `BDAT ${text.length}\r\n${text}`.slice(0, -2), "BDAT 0 LAST", "QUIT"]);
    expect(replies.slice(4).map(codes)).toEqual(["250 2.0.0", "250 2.0.0", "221 2.0.0"]);
    expect(received("zero-last")!.raw.toString("latin1")).toContain("\r\n\r\nbody\r\n");
  });

  it("refuses a message over `limit size` at the chunk that passes it, 552 5.3.4, and reads on after its octets", async () => {
    const chunk = "x".repeat(1500);
    const replies = await rawSmtp(msa.port, [
      ...ENVELOPE,
      `BDAT ${chunk.length}\r\n${chunk}`.slice(0, -2),
      `BDAT ${chunk.length}\r\n${chunk}`.slice(0, -2),
      // the client sends on before it reads the refusal: those octets are read, never taken as commands
      `BDAT 12 LAST\r\nNOOP\r\nNOOP`,
      "NOOP",
    ]);
    expect(replies.slice(4).map(codes)).toEqual(["250 2.0.0", "552 5.3.4", "503 5.5.1", "250 2.0.0"]);
    const refusal = rejections(msa.logs).find((event) => event.code === 552);
    expect(refusal?.rule).toBe(msa.rule("limit size"));
  });

  it("answers BDAT without MAIL and RCPT with 503 after reading its octets", async () => {
    const replies = await rawSmtp(msa.port, ["EHLO client.example", "BDAT 12 LAST\r\nRSET\r\nQUIT", "NOOP"]);
    expect(replies.slice(2).map(codes)).toEqual(["503 5.5.1", "250 2.0.0"]);
  });

  it("closes a refused BDAT whose octets trickle in for longer than `timeout command` (421 4.4.2)", async () => {
    const slow = await startMsa(["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "timeout command 1s", 'deliver spool "spool"']);
    const { socket, closed, received: said } = await openRawConnection(slow.port);
    await eventually(() => said().startsWith("220 "));
    socket.write("EHLO client.example\r\nBDAT 9000000000000000\r\n");
    await eventually(() => said().includes("250 CHUNKING") || said().includes("250-CHUNKING"));
    // one octet every 250 ms: each alone well within the idle timeout, the chunk never complete
    let sent = 0;
    for (; sent < 40 && !socket.destroyed && !said().includes("421"); sent++) {
      socket.write("x");
      // the slow pace is the behaviour under test, not a wait for something
      await new Promise((r) => setTimeout(r, 250));
    }
    await closed;
    expect(sent).toBeLessThan(20);
    expect(said()).toMatch(/\r\n421 4\.4\.2 /);
    await eventually(() => rejections(slow.logs).some((r) => r.stage === "command"));
    expect(rejections(slow.logs).find((r) => r.stage === "command")).toMatchObject({ code: 421, rule: slow.rule("timeout command") });
  });

  it("ends a chunked message whose octets trickle in for longer than `timeout data`", async () => {
    const slow = await startMsa(["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "qualify domains example.test", "timeout data 1s", 'deliver spool "spool"']);
    const { socket, closed, received: said } = await openRawConnection(slow.port);
    await eventually(() => said().startsWith("220 "));
    socket.write(`${ENVELOPE.join("\r\n")}\r\nBDAT 9000000000000000 LAST\r\n`);
    await eventually(() => (said().match(/\r\n250 /g) ?? []).length >= 3);
    // one octet every 250 ms inside a transaction: the chunk never completes
    let sent = 0;
    for (; sent < 40 && !socket.destroyed && !/\r\n4\d\d /.test(said()); sent++) {
      socket.write("x");
      // the slow pace is the behaviour under test, not a wait for something
      await new Promise((r) => setTimeout(r, 250));
    }
    await closed;
    expect(sent).toBeLessThan(20);
    await eventually(() => rejections(slow.logs).some((r) => r.stage === "data"));
    expect(rejections(slow.logs).find((r) => r.stage === "data")).toMatchObject({ rule: slow.rule("timeout data") });
  });

  it("refuses DATA after BDAT in one transaction, and RSET discards the chunks", async () => {
    const text = message("discarded", "never sent\r\n");
    const kept = message("after-rset", "sent\r\n");
    const replies = await rawSmtp(msa.port, [
      ...ENVELOPE,
      `BDAT ${text.length}\r\n${text}`.slice(0, -2),
      "DATA",
      "RSET",
      "MAIL FROM:<alice@example.test>",
      "RCPT TO:<bob@example.test>",
      `BDAT ${kept.length} LAST\r\n${kept}`.slice(0, -2),
    ]);
    expect(replies.slice(4).map(codes)).toEqual(["250 2.0.0", "503 5.5.1", "250 2.0.0", "250 2.1.0", "250 2.1.5", "250 2.0.0"]);
    expect(received("after-rset")).toBeDefined();
    expect(received("discarded")).toBeUndefined();
  });

  it("answers a malformed BDAT with 501 5.5.4", async () => {
    const replies = await rawSmtp(msa.port, [...ENVELOPE, "BDAT", "BDAT -1", "BDAT 10 FIRST"]);
    expect(replies.slice(4).map(codes)).toEqual(["501 5.5.4", "501 5.5.4", "501 5.5.4"]);
  });
});

describe("BODY=BINARYMIME", () => {
  it("is refused with DATA (RFC 3030 section 3)", async () => {
    const replies = await rawSmtp(msa.port, ["EHLO client.example", "MAIL FROM:<alice@example.test> BODY=BINARYMIME", "RCPT TO:<bob@example.test>", "DATA"]);
    expect(replies.slice(2).map(codes)).toEqual(["250 2.1.0", "250 2.1.5", "503 5.5.1"]);
  });

  it("takes a body of octets by BDAT (NUL, bare CR and LF are content) and never converts it for a next hop without BINARYMIME", async () => {
    const binary = message("binary", "\u0000\u0001\r\u00ff\n\r\n");
    const replies = await rawSmtp(msa.port, [
      "EHLO client.example",
      "MAIL FROM:<alice@example.test> BODY=BINARYMIME",
      "RCPT TO:<bob@example.test>",
      Buffer.from(`BDAT ${binary.length} LAST\r\n${binary}`, "latin1"),
    ]);
    expect(replies.slice(2).map(codes)).toEqual(["250 2.1.0", "250 2.1.5", "554 5.6.3"]);
    expect(received("binary")).toBeUndefined();
  });

  it("keeps the strict checks for a message that did not say BINARYMIME", async () => {
    const text = message("nul", "a\u0000b\r\n");
    const replies = await rawSmtp(msa.port, [...ENVELOPE, `BDAT ${text.length} LAST\r\n${text}`.slice(0, -2)]);
    expect(codes(replies[4])).toBe("554 5.6.0");
  });
});
