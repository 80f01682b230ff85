// One session's long per-message work must not stop other sessions from being served (issue 13): a
// second client is greeted and answered while the first one's message is still being converted to
// 7-bit for a next hop without 8BITMIME, and a header section of megabytes is refused before parsing.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_HEADER_SECTION_BYTES } from "../../runtime/message/headerSectionLimit.js";
import { rejections, startMsa, type RunningMsa } from "./harness.js";

/** What happened, in the order the test process saw it. */
const seen: string[] = [];

/**
 * A next hop that offers no 8BITMIME, so msa converts 8-bit messages before sending them. When msa's
 * relay client says EHLO, the conversion is one reply away: the second client connects then.
 */
function startSevenBitHop(onEhlo: () => void): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.write("220 seven-bit.test ESMTP\r\n");
    let pending = "";
    let inData = false;
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.toString("latin1");
      let end: number;
      while ((end = pending.indexOf("\r\n")) >= 0) {
        const line = pending.slice(0, end).toUpperCase();
        pending = pending.slice(end + 2);
        if (inData) {
          if (line === ".") socket.write("250 2.0.0 queued\r\n");
          inData = line !== ".";
        } else if (line === "DATA") {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (line.startsWith("EHLO")) {
          onEhlo();
          socket.write("250-seven-bit.test\r\n250 PIPELINING\r\n");
        } else if (line.startsWith("QUIT")) socket.end("221 2.0.0 bye\r\n");
        else socket.write("250 2.0.0 ok\r\n");
      }
    });
    socket.on("error", () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** A raw SMTP client: `next()` resolves with each complete reply (multi-line replies joined). */
function rawClient(port: number, name: string) {
  const socket = net.connect(port, "127.0.0.1");
  const replies: string[] = [];
  const waiting: ((reply: string) => void)[] = [];
  let pending = "";
  let lines: string[] = [];
  socket.on("data", (chunk: Buffer) => {
    pending += chunk.toString("latin1");
    let end: number;
    while ((end = pending.indexOf("\r\n")) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 2);
      lines.push(line);
      if (line[3] === "-") continue;
      const reply = lines.join("\n");
      lines = [];
      seen.push(`${name}: ${line.slice(0, 3)}`);
      const waiter = waiting.shift();
      if (waiter) waiter(reply);
      else replies.push(reply);
    }
  });
  socket.on("error", () => undefined);
  return {
    socket,
    next: () => new Promise<string>((resolve) => (replies.length > 0 ? resolve(replies.shift()!) : waiting.push(resolve))),
  };
}

/**
 * 8-bit MIME parts, the worst case of the transforms bench (bench/messageTransforms.ts) for 7-bit
 * conversion, about `bytes` long; its last part is base64 with 8-bit bytes, which cannot be converted,
 * so msa answers 554 5.6.3 the moment the conversion ends, with no further I/O in between.
 */
function manyEightBitParts(bytes: number): Buffer {
  const part = "--b\r\nContent-Type: text/plain\r\n\r\n\xe9\r\n";
  return Buffer.from(
    "From: a@example.test\r\nTo: b@example.test\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
      part.repeat(Math.ceil(bytes / part.length)) +
      "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n\xe9\r\n--b--\r\n",
    "latin1",
  );
}

let msa: RunningMsa;
let hop: net.Server;
let connectSecond: () => void = () => undefined;

beforeAll(async () => {
  hop = await startSevenBitHop(() => connectSecond());
  const hopPort = (hop.address() as net.AddressInfo).port;
  msa = await startMsa(["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "limit size 64MB", `deliver relay smtp://127.0.0.1:${hopPort}`], {
    // a connection per message: no RSET round trip between the end of the conversion and the reply
    delivery: { pool: false },
  });
});

afterAll(async () => {
  await new Promise((resolve) => hop.close(resolve));
});

describe("a long 7-bit conversion", () => {
  it("does not keep a second client from its greeting and EHLO reply", async () => {
    // about 3 s of conversion on the event loop before the change (35 MB/s on the bench machine)
    const message = manyEightBitParts(12_000_000);
    const first = rawClient(msa.port, "first");
    expect(await first.next()).toMatch(/^220 /);
    first.socket.write("EHLO first.example\r\n");
    expect(await first.next()).toMatch(/^250/);
    first.socket.write("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
    expect(await first.next()).toMatch(/^250/);
    expect(await first.next()).toMatch(/^250/);
    expect(await first.next()).toMatch(/^354/);

    const secondDone = new Promise<string>((resolve) => {
      connectSecond = () => {
        connectSecond = () => undefined;
        const second = rawClient(msa.port, "second");
        void second.next().then(async (greeting) => {
          second.socket.write("EHLO second.example\r\n");
          const ehlo = await second.next();
          second.socket.end("QUIT\r\n");
          resolve(`${greeting.slice(0, 3)} ${ehlo.slice(0, 3)}`);
        });
      };
    });
    first.socket.write(Buffer.concat([message, Buffer.from(".\r\n")]));
    const dataReply = await first.next();
    first.socket.end("QUIT\r\n");

    expect(dataReply).toMatch(/^554 5\.6\.3 /);
    expect(await secondDone).toBe("220 250");
    expect(seen.filter((event) => !event.endsWith(": 221"))).toEqual([
      "first: 220",
      "first: 250",
      "first: 250",
      "first: 250",
      "first: 354",
      "second: 220",
      "second: 250",
      "first: 554",
    ]);
  });
});

describe("a header section over 1 MiB", () => {
  it("is refused with 552 5.3.4 and a built-in origin, and the session goes on", async () => {
    const fields = "X-Field: value\r\n".repeat(Math.ceil((MAX_HEADER_SECTION_BYTES + 1) / 16));
    const client = rawClient(msa.port, "header");
    await client.next();
    client.socket.write("EHLO header.example\r\n");
    await client.next();
    const transaction = "MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n";
    client.socket.write(transaction);
    for (let reply = 0; reply < 3; reply++) await client.next();
    client.socket.write(`From: a@example.test\r\n${fields}\r\nbody\r\n.\r\n`);
    expect(await client.next()).toMatch(/^552 5\.3\.4 /);
    expect(rejections(msa.logs).at(-1)).toMatchObject({ code: 552, enhanced: "5.3.4", stage: "message", rule: `${msa.file}:0`, default: "header section at most 1 MiB" });

    // just under the cap: an ordinary message as far as this check goes, relayed
    const justUnder = "X-Field: value\r\n".repeat(Math.floor(MAX_HEADER_SECTION_BYTES / 16) - 100);
    client.socket.write(transaction);
    for (let reply = 0; reply < 3; reply++) await client.next();
    client.socket.write(`From: a@example.test\r\n${justUnder}\r\nbody\r\n.\r\n`);
    expect(await client.next()).toMatch(/^250 /);
    client.socket.end("QUIT\r\n");
  });
});
