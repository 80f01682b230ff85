// The relay client's dot-stuffing must write exactly what nodemailer's own DataStream writes,
// for every message and every way it is cut into chunks; and a message goes to the socket in one
// write with its end-of-data line.
import fc from "fast-check";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import DataStream from "nodemailer/lib/smtp-connection/data-stream";
import { describe, expect, it } from "vitest";
import { stuffChunk } from "../../runtime/deliver/dotStuffing.js";
import { type SmtpConnectionInternals, stuffWithIndexOf } from "../../runtime/deliver/smtpConnectionInternals.js";
import { startNextHop } from "../support/nextHop.js";

/** What nodemailer's DataStream makes of these chunks (its final `.` line left out). */
function byDataStream(chunks: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = new DataStream();
    const out: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => out.push(chunk));
    stream.on("error", reject);
    stream.on("end", () => {
      const all = Buffer.concat(out);
      resolve(all);
    });
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}

function byStuffChunk(chunks: Buffer[]): Buffer {
  let previous: number | false = false;
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    out.push(stuffChunk(chunk, previous));
    previous = chunk[chunk.length - 1]!;
  }
  return Buffer.concat(out);
}

/** DataStream ends the message with the terminator; compare the message part. */
function withoutTerminator(written: Buffer, lastByte: number | false): Buffer {
  const terminator = lastByte === 0x0a ? 3 : lastByte === 0x0d ? 4 : 5;
  return written.subarray(0, written.length - terminator);
}

const cut = (bytes: Buffer, at: number[]): Buffer[] => {
  const points = [...new Set(at.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
};

describe("dot-stuffing for the relay", () => {
  it("doubles a leading dot, turns bare CR and LF into CRLF, and leaves clean text as it is", () => {
    expect(stuffChunk(Buffer.from(".a\r\n..b\r\nc.\r\n"), false).toString()).toBe("..a\r\n...b\r\nc.\r\n");
    expect(stuffChunk(Buffer.from("a\nb\rc\r.d\n.e"), false).toString()).toBe("a\r\nb\r\nc\r\n..d\r\n..e");
    expect(stuffChunk(Buffer.from("\n\n"), false).toString()).toBe("\r\n\r\n");
    expect(stuffChunk(Buffer.from(".x"), 0x0a).toString()).toBe("..x");
    expect(stuffChunk(Buffer.from(".x"), 0x41).toString()).toBe(".x");
    expect(stuffChunk(Buffer.from("\nx"), 0x0d).toString()).toBe("\nx");
    expect(stuffChunk(Buffer.from("x"), 0x0d).toString()).toBe("\nx");
    const clean = Buffer.from("Subject: hi\r\n\r\nbody\r\n");
    expect(stuffChunk(clean, false)).toBe(clean);
  });

  it("writes byte for byte what nodemailer's DataStream writes, however the message is cut", async () => {
    const byte = fc.constantFrom(0x0d, 0x0a, 0x2e, 0x61, 0x20);
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), async (bytes, at) => {
        const message = Buffer.from(bytes);
        const chunks = cut(message, at);
        const lastByte = message.length > 0 ? message[message.length - 1]! : false;
        const expected = withoutTerminator(await byDataStream(chunks), lastByte);
        expect(byStuffChunk(chunks).toString("latin1")).toBe(expected.toString("latin1"));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("a message on the relay's socket", () => {
  /** What the relay client writes to its socket after DATA for `message`, write by write, and what the next hop got. */
  async function writesAfterData(message: Buffer): Promise<{ writes: string[]; received: Buffer }> {
    const hop = await startNextHop();
    const connection = new SMTPConnection({ host: hop.host, port: hop.port, ignoreTLS: true, logger: false });
    stuffWithIndexOf(connection as unknown as SmtpConnectionInternals);
    try {
      await new Promise<void>((done, fail) => connection.connect((error) => (error ? fail(error) : done())));
      const socket = (connection as unknown as { _socket: { write: (chunk: Buffer | string, ...rest: unknown[]) => boolean } })._socket;
      const writes: string[] = [];
      const write = socket.write;
      socket.write = function (chunk, ...rest) {
        writes.push(chunk.toString());
        return write.call(this, chunk, ...rest);
      };
      await new Promise<void>((done, fail) => connection.send({ from: "a@example.test", to: ["b@example.test"] }, message, (error) => (error ? fail(error) : done())));
      const [received] = await hop.waitForMessages(1);
      return { writes: writes.slice(writes.findIndex((text) => text.startsWith("DATA") || text.includes("\r\nDATA\r\n")) + 1), received: received!.raw };
    } finally {
      connection.close();
      await hop.stop();
    }
  }

  it("goes in one write with its end-of-data line, dot-stuffed", async () => {
    const message = Buffer.from("Subject: one write\r\n\r\n.leading dot\r\nlast line");
    const { writes, received } = await writesAfterData(message);
    expect(writes).toEqual(["Subject: one write\r\n\r\n..leading dot\r\nlast line\r\n.\r\n"]);
    expect(received.toString()).toBe("Subject: one write\r\n\r\n.leading dot\r\nlast line\r\n");
  });

  it("is not copied past 256 KB: a big message and the end-of-data line go apart, and arrive whole", async () => {
    const message = Buffer.concat([Buffer.from("Subject: big\r\n\r\n"), Buffer.alloc(300 * 1024, "x"), Buffer.from("\r\n")]);
    const { writes, received } = await writesAfterData(message);
    expect(writes.map((text) => text.length)).toEqual([message.length, 3]);
    expect(writes[1]).toBe(".\r\n");
    expect(received.equals(message)).toBe(true);
  });
});
