// Tests reading the DATA stream: exact bytes, size limit, and bare CR/LF found wherever chunks split.
import { Readable, PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { BareLineEndingScanner, readMessageData } from "../../runtime/message/readMessageData.js";

/** a stream that delivers `data` in chunks of `size` bytes */
function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return Readable.from(chunks);
}

function allBytes(): Buffer {
  const b = Buffer.alloc(256 * 4);
  for (let i = 0; i < b.length; i++) b[i] = i % 256;
  return b;
}

describe("readMessageData", () => {
  it("returns the bytes exactly, binary included", async () => {
    const data = Buffer.concat([Buffer.from("Subject: x\r\n\r\n"), Buffer.from([0, 0xff, 0x80, 0x2e, 0x20]), Buffer.from("\r\n")]);
    const result = await readMessageData(chunked(data, 3), { maxBytes: null });
    expect(result.bytes.equals(data)).toBe(true);
    expect(result.size).toBe(data.length);
    expect(result.tooBig).toBe(false);
    expect(result.bareLineEnding).toBeNull();
  });

  it("reads an empty message", async () => {
    const result = await readMessageData(Readable.from([]), { maxBytes: 10 });
    expect(result).toEqual({ bytes: Buffer.alloc(0), size: 0, tooBig: false, bareLineEnding: null });
  });

  it("keeps a message of exactly maxBytes", async () => {
    const data = Buffer.from("a: b\r\n\r\n0123456789\r\n");
    const result = await readMessageData(chunked(data, 4), { maxBytes: data.length });
    expect(result.tooBig).toBe(false);
    expect(result.bytes.equals(data)).toBe(true);
  });

  it("drops the bytes but reads to the end and counts every byte when over maxBytes", async () => {
    const data = Buffer.from("a: b\r\n\r\n" + "x".repeat(1000) + "\r\n");
    const stream = chunked(data, 7);
    const result = await readMessageData(stream, { maxBytes: 100 });
    expect(result.tooBig).toBe(true);
    expect(result.bytes.length).toBe(0);
    expect(result.size).toBe(data.length);
    expect(stream.readableEnded).toBe(true);
  });

  it("still finds a bare line ending past maxBytes", async () => {
    const data = Buffer.from("a: b\r\n\r\n" + "x".repeat(200) + "\n");
    const result = await readMessageData(chunked(data, 16), { maxBytes: 50 });
    expect(result.tooBig).toBe(true);
    expect(result.bareLineEnding).toEqual({ kind: "LF", offset: data.length - 1 });
  });

  it("rejects when the client goes away in mid-DATA (stream destroyed without end)", async () => {
    const stream = new PassThrough();
    const pending = readMessageData(stream, { maxBytes: null });
    stream.write("Subject: x\r\n");
    setImmediate(() => stream.destroy());
    await expect(pending).rejects.toThrow(/not received in full/);
  });

  it("rejects when the stream fails", async () => {
    const stream = new PassThrough();
    const pending = readMessageData(stream, { maxBytes: null });
    stream.write("Subject: x\r\n");
    setImmediate(() => stream.destroy(new Error("boom")));
    await expect(pending).rejects.toThrow(/boom/);
  });

  it("rejects text chunks, whose original bytes are lost", async () => {
    const stream = new PassThrough();
    stream.setEncoding("utf8");
    const pending = readMessageData(stream, { maxBytes: null });
    stream.end(Buffer.from("Subject: x\r\n"));
    await expect(pending).rejects.toThrow(/setEncoding/);
  });
});

describe("bare CR / LF detection", () => {
  const cases: Array<[string, string, { kind: "CR" | "LF"; offset: number } | null]> = [
    ["only CRLF", "a\r\nb\r\n\r\nc\r\n", null],
    ["bare LF", "a\r\nb\nc\r\n", { kind: "LF", offset: 4 }],
    ["bare CR", "a\r\nb\rc\r\n", { kind: "CR", offset: 4 }],
    ["LF first byte", "\nabc", { kind: "LF", offset: 0 }],
    ["CR last byte", "abc\r", { kind: "CR", offset: 3 }],
    ["CR CR LF", "ab\r\r\n", { kind: "CR", offset: 2 }],
    ["LF CR", "ab\n\r", { kind: "LF", offset: 2 }],
    ["smuggling LF.LF", "body\r\n\n.\nMAIL FROM:<x>\r\n", { kind: "LF", offset: 6 }],
    ["smuggling CR.CR", "body\r.\rMAIL FROM:<x>\r\n", { kind: "CR", offset: 4 }],
    ["earliest of both wins (LF before CR)", "a\nb\rc", { kind: "LF", offset: 1 }],
    ["earliest of both wins (CR before LF)", "a\rb\nc", { kind: "CR", offset: 1 }],
  ];

  for (const [name, text, expected] of cases) {
    it(`${name}, at every chunk size`, async () => {
      const data = Buffer.from(text, "latin1");
      for (let size = 1; size <= data.length; size++) {
        const result = await readMessageData(chunked(data, size), { maxBytes: null });
        expect(result.bareLineEnding, `chunk size ${size}`).toEqual(expected);
        expect(result.bytes.equals(data)).toBe(true);
      }
    });
  }

  it("finds a CR or LF split off from its partner at every position in a long message", () => {
    const good = Buffer.from("Subject: hi\r\n\r\n" + "line of text\r\n".repeat(20));
    for (const kind of ["CR", "LF"] as const) {
      for (let at = 0; at < good.length; at++) {
        if (good[at] === 0x0d || good[at] === 0x0a) continue;
        const bad = Buffer.from(good);
        bad[at] = kind === "CR" ? 0x0d : 0x0a;
        for (const size of [1, 2, 3, 5, 64]) {
          const scanner = new BareLineEndingScanner();
          for (let i = 0; i < bad.length; i += size) scanner.scan(bad.subarray(i, i + size));
          expect(scanner.finish(), `${kind} at ${at}, chunk ${size}`).toEqual({ kind, offset: at });
        }
      }
    }
  });

  it("does not report a CRLF split across chunks", () => {
    const scanner = new BareLineEndingScanner();
    scanner.scan(Buffer.from("abc\r"));
    scanner.scan(Buffer.from("\ndef\r"));
    scanner.scan(Buffer.alloc(0));
    scanner.scan(Buffer.from("\n"));
    expect(scanner.finish()).toBeNull();
  });

  it("reads 1-byte chunks of an 8-bit body without a false alarm", async () => {
    const body = allBytes().filter((b) => b !== 0x0d && b !== 0x0a);
    const data = Buffer.concat([Buffer.from("a: b\r\n\r\n"), body, Buffer.from("\r\n")]);
    const result = await readMessageData(chunked(data, 1), { maxBytes: null });
    expect(result.bareLineEnding).toBeNull();
    expect(result.bytes.equals(data)).toBe(true);
  });
});
