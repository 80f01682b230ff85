// Tests header edits: untouched fields and body byte for byte, placement of each edit, and folding.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyHeaderEdits, formatHeaderField, type HeaderEdit } from "../../runtime/message/headerEdits.js";
import { parseHeaderSection, type HeaderSection } from "../../runtime/message/headerSection.js";

function parsed(bytes: Buffer): HeaderSection {
  const result = parseHeaderSection(bytes);
  if (!result.ok) throw new Error(result.reason);
  return result.header;
}

function edit(text: string | Buffer, edits: HeaderEdit[]): Buffer {
  const bytes = typeof text === "string" ? Buffer.from(text, "latin1") : text;
  return applyHeaderEdits(bytes, parsed(bytes), edits);
}

const binaryBody = (() => {
  const b = Buffer.alloc(4096);
  for (let i = 0; i < b.length; i++) b[i] = (i * 131 + 7) % 256;
  return b;
})();

describe("applyHeaderEdits: round trips", () => {
  const messages: Array<[string, Buffer]> = [
    ["text message", Buffer.from("From: a@example.test\r\nSubject: hi\r\n\r\nHello\r\n.\r\n..\r\n")],
    ["binary body (bare CR/LF, NUL, 8-bit)", Buffer.concat([Buffer.from("Content-Type: application/octet-stream\r\n\r\n"), binaryBody])],
    ["8-bit header values", Buffer.concat([Buffer.from("Subject: \u00e9t\u00e9 \u2603\r\nX: "), Buffer.from([0xff, 0xfe]), Buffer.from("\r\n\r\nbody")])],
    ["odd but valid folding and spacing", Buffer.from("Subject:no space\r\nX-A :  spaced  \t\r\n\tfolded\r\n   \r\n more\r\n\r\n\r\n\r\n")],
    ["no body, no empty line", Buffer.from("Subject: x\r\nFrom: a@b\r\n")],
    ["only headers and empty line", Buffer.from("Subject: x\r\n\r\n")],
    ["no header fields, body only", Buffer.from("\r\nbody\r\n")],
    ["empty message", Buffer.alloc(0)],
  ];

  for (const [name, bytes] of messages) {
    it(`${name}: no edits give the same bytes`, () => {
      expect(edit(bytes, []).equals(bytes)).toBe(true);
    });

    it(`${name}: prepend and append leave the original bytes intact in between`, () => {
      const out = edit(bytes, [
        { kind: "prepend", name: "Received", value: "from x by y; Sat, 28 Nov 2026 17:11:32 +0000" },
        { kind: "append", name: "Message-ID", value: "<1@msa.example.test>" },
      ]);
      const header = parsed(bytes);
      const fieldsEnd = header.fields.length ? header.fields[header.fields.length - 1]!.end : 0;
      const expected = Buffer.concat([
        Buffer.from("Received: from x by y; Sat, 28 Nov 2026 17:11:32 +0000\r\n"),
        bytes.subarray(0, fieldsEnd),
        Buffer.from("Message-ID: <1@msa.example.test>\r\n"),
        bytes.subarray(fieldsEnd),
      ]);
      expect(out.equals(expected)).toBe(true);
      // the result parses again, with the body where it was
      const again = parsed(out);
      expect(out.subarray(again.headerEnd).equals(bytes.subarray(header.headerEnd))).toBe(true);
    });
  }

  it("property: any valid header and any body survive edits, untouched fields and body byte for byte", () => {
    const fieldName = fc.stringMatching(/^[!-9;-~]{1,20}$/);
    const word = fc.stringMatching(/^[!-~]{1,30}$/);
    const value = fc.array(word, { maxLength: 6 }).map((ws) => ws.join(" "));
    const rawField = fc.tuple(fieldName, value, fc.boolean()).map(([n, v, fold]) => `${n}: ${v}${fold ? "\r\n\tcont" : ""}\r\n`);
    const body = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined });
    fc.assert(
      fc.property(fc.array(rawField, { maxLength: 8 }), body, fc.array(fc.nat(), { maxLength: 4 }), (fields, bodyBytes, picks) => {
        const bytes = Buffer.concat([Buffer.from(fields.join(""), "latin1"), ...(bodyBytes === undefined ? [] : [Buffer.from("\r\n"), Buffer.from(bodyBytes)])]);
        const header = parsed(bytes);
        expect(header.fields).toHaveLength(fields.length);
        const indexes = [...new Set(picks.filter(() => fields.length > 0).map((p) => p % fields.length))];
        const edits: HeaderEdit[] = indexes.map((index, i) => (i % 2 === 0 ? { kind: "remove", index } : { kind: "replace", index, value: "new value" }));
        edits.push({ kind: "prepend", name: "Received", value: "from a by b; Sat, 28 Nov 2026 17:11:32 +0000" });
        const out = applyHeaderEdits(bytes, header, edits);
        const after = parsed(out);
        // body unchanged
        expect(out.subarray(after.headerEnd).equals(bytes.subarray(header.headerEnd))).toBe(true);
        // every untouched field is there, in order, byte for byte
        const untouched = header.fields.filter((_, i) => !indexes.includes(i)).map((f) => bytes.subarray(f.start, f.end).toString("latin1"));
        const outFields = after.fields.map((f) => out.subarray(f.start, f.end).toString("latin1"));
        expect(outFields.filter((f) => untouched.includes(f))).toEqual(untouched);
        expect(after.fields.length).toBe(1 + fields.length - edits.filter((e) => e.kind === "remove").length);
      }),
      { numRuns: 300 },
    );
  });
});

describe("applyHeaderEdits: placement", () => {
  const text = "From: a@b\r\nBcc: x@y\r\nSubject: s\r\n\r\nbody\r\n";

  it("removes a field by index and nothing else", () => {
    expect(edit(text, [{ kind: "remove", index: 1 }]).toString("latin1")).toBe("From: a@b\r\nSubject: s\r\n\r\nbody\r\n");
  });

  it("replaces a field in place, keeping its name as written", () => {
    const out = edit("from: alice\r\nSubject: s\r\n\r\nbody", [{ kind: "replace", index: 0, value: "alice@example.test" }]);
    expect(out.toString("latin1")).toBe("from: alice@example.test\r\nSubject: s\r\n\r\nbody");
  });

  it("replaces a folded field whole", () => {
    const out = edit("To: a,\r\n b\r\nX: y\r\n\r\n", [{ kind: "replace", index: 0, value: "a@d, b@d" }]);
    expect(out.toString("latin1")).toBe("To: a@d, b@d\r\nX: y\r\n\r\n");
  });

  it("applies edits as if one after another: later prepends on top, appends in order", () => {
    const out = edit(text, [
      { kind: "prepend", name: "P1", value: "1" },
      { kind: "append", name: "A1", value: "1" },
      { kind: "prepend", name: "P2", value: "2" },
      { kind: "append", name: "A2", value: "2" },
      { kind: "remove", index: 0 },
      { kind: "replace", index: 2, value: "new" },
    ]);
    expect(out.toString("latin1")).toBe("P2: 2\r\nP1: 1\r\nBcc: x@y\r\nSubject: new\r\nA1: 1\r\nA2: 2\r\n\r\nbody\r\n");
  });

  it("appends to a message without body so that it ends with CRLF", () => {
    expect(edit("Subject: x\r\n", [{ kind: "append", name: "Date", value: "now" }]).toString()).toBe("Subject: x\r\nDate: now\r\n");
    expect(edit("", [{ kind: "append", name: "Date", value: "now" }]).toString()).toBe("Date: now\r\n");
  });

  it("can remove every field, leaving the empty line and body", () => {
    expect(
      edit("A: 1\r\nB: 2\r\n\r\nbody", [
        { kind: "remove", index: 0 },
        { kind: "remove", index: 1 },
      ]).toString(),
    ).toBe("\r\nbody");
  });

  it("writes UTF-8 values as UTF-8 (RFC 6532)", () => {
    const out = edit("A: 1\r\n\r\n", [{ kind: "append", name: "Subject", value: "\u00e9t\u00e9" }]);
    expect(out.equals(Buffer.from("A: 1\r\nSubject: \u00e9t\u00e9\r\n\r\n", "utf8"))).toBe(true);
  });

  it("refuses a bad index, the same field twice, a bad name and header injection", () => {
    expect(() => edit(text, [{ kind: "remove", index: 3 }])).toThrow(RangeError);
    expect(() => edit(text, [{ kind: "remove", index: -1 }])).toThrow(RangeError);
    expect(() => edit(text, [{ kind: "remove", index: 0.5 }])).toThrow(RangeError);
    expect(() =>
      edit(text, [
        { kind: "remove", index: 0 },
        { kind: "replace", index: 0, value: "x" },
      ]),
    ).toThrow(/twice/);
    expect(() => edit(text, [{ kind: "append", name: "Bad Name", value: "x" }])).toThrow(TypeError);
    expect(() => edit(text, [{ kind: "append", name: "X:", value: "x" }])).toThrow(TypeError);
    expect(() => edit(text, [{ kind: "append", name: "", value: "x" }])).toThrow(TypeError);
    expect(() => edit(text, [{ kind: "append", name: "X", value: "a\r\nBcc: evil" }])).toThrow(/control character/);
    expect(() => edit(text, [{ kind: "replace", index: 0, value: "a\nb" }])).toThrow(/control character/);
  });
});

describe("formatHeaderField: folding (RFC 5322 section 2.2.3)", () => {
  const unfold = (field: string): string => field.slice(0, -2).replace(/\r\n/g, "");
  const lines = (field: string): string[] => field.slice(0, -2).split("\r\n");

  it("leaves a short field on one line", () => {
    expect(formatHeaderField("Subject", "hello world")).toBe("Subject: hello world\r\n");
    expect(formatHeaderField("X-Empty", "")).toBe("X-Empty:\r\n");
  });

  it("folds a long value at whitespace into lines of at most 78 characters", () => {
    const value =
      "from client.example (client.example [127.0.0.1]) by msa.example.test (msa) with ESMTPSA id 0123456789ABCDEF for <someone@example.test>; Sat, 28 Nov 2026 17:11:32 +0000";
    const field = formatHeaderField("Received", value);
    expect(unfold(field)).toBe(`Received: ${value}`);
    for (const line of lines(field)) expect(line.length).toBeLessThanOrEqual(78);
    for (const line of lines(field).slice(1)) expect(line).toMatch(/^[ \t]\S/);
    expect(lines(field)).toEqual([
      "Received: from client.example (client.example [127.0.0.1]) by msa.example.test",
      " (msa) with ESMTPSA id 0123456789ABCDEF for <someone@example.test>; Sat, 28",
      " Nov 2026 17:11:32 +0000",
    ]);
  });

  it("keeps runs of whitespace and tabs exactly (unfolding gives the value back)", () => {
    const value = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" \t  ");
    expect(unfold(formatHeaderField("X", value))).toBe(`X: ${value}`);
  });

  it("never leaves a line of only whitespace, even with trailing whitespace", () => {
    const value = "a".repeat(70) + " " + "b".repeat(10) + "     ";
    const field = formatHeaderField("X", value);
    expect(unfold(field)).toBe(`X: ${value}`);
    for (const line of lines(field)) expect(line.trim()).not.toBe("");
  });

  it("keeps a word longer than 78 characters whole, on its own line", () => {
    const long = "x".repeat(200);
    const field = formatHeaderField("X", `short ${long} end`);
    expect(lines(field)).toEqual(["X: short", ` ${long}`, " end"]);
  });

  it("counts characters, not octets or UTF-16 units, for the 78 limit (RFC 6532 section 3.4)", () => {
    const value = Array.from({ length: 30 }, () => "\u{1F600}\u00e9\u00e9").join(" ");
    for (const line of lines(formatHeaderField("X", value))) expect([...line].length).toBeLessThanOrEqual(78);
  });

  it("refuses a word that cannot fit in 998 octets", () => {
    expect(() => formatHeaderField("X", "a".repeat(996))).toThrow(RangeError);
    expect(formatHeaderField("X", "a".repeat(995))).toHaveLength(3 + 995 + 2);
    expect(() => formatHeaderField("X", "ok " + "\u00e9".repeat(499))).toThrow(/998 octets/);
  });

  it("produces a field the parser accepts with the same value", () => {
    const value = Array.from({ length: 50 }, (_, i) => `word${i}`).join(" ");
    const header = parsed(Buffer.from(formatHeaderField("Subject", value) + "\r\n"));
    expect(header.fields[0]!.value).toBe(value);
  });
});
