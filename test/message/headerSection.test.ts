// Tests the header section parser: field offsets and values, and one refusal per RFC 5322 syntax error.
import { describe, expect, it } from "vitest";
import { fieldsNamed, parseHeaderSection, type HeaderSection } from "../../runtime/message/headerSection.js";
import { costRatio } from "../support/costRatio.js";

function parse(text: string | Buffer): HeaderSection {
  const result = parseHeaderSection(typeof text === "string" ? Buffer.from(text, "latin1") : text);
  if (!result.ok) throw new Error(`unexpected failure: ${result.reason} at ${result.offset}`);
  return result.header;
}

/** the reason and the text from the offset on, so a test shows what is pointed at */
function refusal(text: string): { reason: string; at: string } {
  const result = parseHeaderSection(Buffer.from(text, "latin1"));
  if (result.ok) throw new Error("expected a refusal");
  return { reason: result.reason, at: text.slice(result.offset, result.offset + 12) };
}

describe("parseHeaderSection: accepted", () => {
  it("splits fields and body with offsets that cover each field and its CRLF", () => {
    const text = "From: a@example.test\r\nSubject: hello\r\n world\r\n\r\nbody\r\n";
    const header = parse(text);
    expect(header.fields.map((f) => text.slice(f.start, f.end))).toEqual(["From: a@example.test\r\n", "Subject: hello\r\n world\r\n"]);
    expect(header.fields.map((f) => [f.name, f.value])).toEqual([
      ["From", "a@example.test"],
      ["Subject", "hello world"],
    ]);
    expect(text.slice(header.headerEnd)).toBe("body\r\n");
  });

  it("unfolds by removing CRLF only, keeping the whitespace (RFC 5322 section 2.2.3)", () => {
    const header = parse("Subject:  a\r\n\t b\r\n  c  \r\n\r\n");
    expect(header.fields[0]!.value).toBe("a\t b  c");
  });

  it("accepts a header with no body and no empty line", () => {
    const header = parse("Subject: x\r\nFrom: a@b\r\n");
    expect(header.fields).toHaveLength(2);
    expect(header.headerEnd).toBe(23);
  });

  it("accepts a header followed by an empty line and nothing else", () => {
    const header = parse("Subject: x\r\n\r\n");
    expect(header.headerEnd).toBe(14);
  });

  it("accepts an empty message", () => {
    expect(parse("")).toEqual({ fields: [], headerEnd: 0 });
  });

  it("accepts a body with no header fields", () => {
    expect(parse("\r\nbody\r\n")).toEqual({ fields: [], headerEnd: 2 });
  });

  it("accepts an empty field body", () => {
    const header = parse("X-Empty:\r\nX-Space: \r\n\r\n");
    expect(header.fields.map((f) => f.value)).toEqual(["", ""]);
  });

  it("decodes UTF-8 field bodies (RFC 6532) and keeps non-UTF-8 bytes in place", () => {
    const bytes = Buffer.concat([Buffer.from("Subject: h\u00e9llo \u2603\r\n", "utf8"), Buffer.from([0x58, 0x3a, 0x20, 0xff, 0xfe, 0x0d, 0x0a]), Buffer.from("\r\n")]);
    const header = parse(bytes);
    expect(header.fields[0]!.value).toBe("h\u00e9llo \u2603");
    expect(bytes.subarray(header.fields[1]!.start, header.fields[1]!.end).equals(Buffer.from([0x58, 0x3a, 0x20, 0xff, 0xfe, 0x0d, 0x0a]))).toBe(true);
  });

  it("accepts whitespace before the colon (obs-optional, RFC 5322 section 4.5)", () => {
    const header = parse("Subject : x\r\n\r\n");
    expect(header.fields[0]!.name).toBe("Subject");
  });

  it("accepts a line of exactly 998 bytes", () => {
    const line = "X: " + "a".repeat(995);
    expect(parse(line + "\r\n\r\n").fields[0]!.value).toHaveLength(995);
  });

  it("does not look at the body: bare LF, long lines and no-colon lines after the empty line are fine", () => {
    const header = parse("A: b\r\n\r\nno colon\nbare\r" + "x".repeat(5000));
    expect(header.headerEnd).toBe(8);
  });

  it("finds fields by name case-insensitively, in order", () => {
    const header = parse("Received: 1\r\nreceived: 2\r\nTo: x\r\nRECEIVED: 3\r\n\r\n");
    expect(fieldsNamed(header, "Received").map((f) => f.value)).toEqual(["1", "2", "3"]);
    expect(fieldsNamed(header, "cc")).toEqual([]);
  });
});

describe("parseHeaderSection: refused", () => {
  it("a line that is neither a field nor a continuation", () => {
    expect(refusal("Subject: x\r\nno colon here\r\n\r\n")).toEqual({
      reason: "header line has no colon: neither a field nor a continuation line",
      at: "no colon her",
    });
  });

  it("a colon that is only on the next line does not count", () => {
    expect(refusal("Subject\r\n: x\r\n\r\n").reason).toMatch(/no colon/);
  });

  it("a space inside a field name", () => {
    expect(refusal("Sub ject: x\r\n\r\n")).toEqual({
      reason: "header field name contains byte 0x20, which is not printable US-ASCII",
      at: " ject: x\r\n\r\n",
    });
  });

  it("8-bit bytes in a field name", () => {
    expect(refusal("X-Gr\u00fc\u00df: x\r\n\r\n")).toEqual({
      reason: "header field name contains byte 0xfc, which is not printable US-ASCII",
      at: "\u00fc\u00df: x\r\n\r\n",
    });
  });

  it("a control byte in a field name", () => {
    expect(refusal("X\u0000Y: x\r\n\r\n").reason).toMatch(/byte 0x00/);
  });

  it.each([
    ["NUL", "\u0000"],
    ["vertical tab", "\u000b"],
    ["form feed", "\u000c"],
    ["escape", "\u001b"],
    ["delete", "\u007f"],
  ])("a %s in a field body or a continuation line", (_what, control) => {
    expect(refusal(`From: carol@example.test${control}<alice@example.test>\r\n\r\n`).at).toBe(`${control}<alice@exam`);
    expect(refusal(`Subject: a\r\n b${control}c\r\n\r\n`).reason).toMatch(/^header line contains control byte 0x[0-9a-f]{2}, which RFC 5322 does not allow$/);
  });

  it("but not a tab in a field body", () => {
    expect(parseHeaderSection(Buffer.from("Subject:\ta\tb\r\n\r\n")).ok).toBe(true);
  });

  it("an empty field name", () => {
    expect(refusal("A: b\r\n: x\r\n\r\n")).toEqual({ reason: "header field name is empty", at: ": x\r\n\r\n" });
  });

  it("a continuation line first", () => {
    expect(refusal(" folded: x\r\nA: b\r\n\r\n")).toEqual({
      reason: "continuation line (starting with a space or tab) before the first header field",
      at: " folded: x\r\n",
    });
    expect(refusal("\tx\r\n\r\n").reason).toMatch(/continuation line/);
  });

  it("a line longer than 998 bytes, excluding CRLF (RFC 5322 section 2.1.1)", () => {
    const text = "A: b\r\nX: " + "a".repeat(996) + "\r\n\r\n";
    expect(refusal(text)).toEqual({ reason: "header line is 999 bytes long, over the limit of 998", at: "X: aaaaaaaaa" });
  });

  it("a continuation line longer than 998 bytes", () => {
    expect(refusal("X: a\r\n " + "b".repeat(998) + "\r\n\r\n").reason).toMatch(/999 bytes long/);
  });

  it("the 998-octet limit counts octets, not characters (RFC 6532 section 3.4)", () => {
    const text = Buffer.from("X: " + "\u00e9".repeat(498) + "\r\n\r\n", "utf8");
    const result = parseHeaderSection(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/999 bytes long/);
  });

  it("a bare CR in a field", () => {
    expect(refusal("Subject: a\rb\r\n\r\n")).toEqual({
      reason: "bare CR (carriage return not followed by line feed) in header section",
      at: "\rb\r\n\r\n",
    });
  });

  it("a bare CR before the CRLF", () => {
    expect(refusal("Subject: a\r\r\n\r\n").at).toBe("\r\r\n\r\n");
  });

  it("a bare CR at the very end", () => {
    expect(refusal("Subject: a\r").reason).toMatch(/bare CR/);
  });

  it("a bare LF", () => {
    expect(refusal("Subject: a\nFrom: b\r\n\r\n")).toEqual({
      reason: "bare LF (line feed without carriage return) in header section",
      at: "\nFrom: b\r\n\r\n",
    });
    expect(refusal("\n").reason).toMatch(/bare LF/);
  });

  it("LF LF is not an end of header", () => {
    expect(refusal("Subject: a\r\n\nbody").reason).toMatch(/bare LF/);
  });

  it("a last line without CRLF", () => {
    expect(refusal("Subject: a\r\nFrom: b")).toEqual({ reason: "last header line does not end with CRLF", at: "From: b" });
  });

  it('an mbox "From " line', () => {
    expect(refusal("From someone@example.test Sat Nov 28 17:11:32 2026\r\nSubject: x\r\n\r\n").reason).toMatch(/0x20/);
  });
});

describe("parseHeaderSection is linear in the header (issue 13)", () => {
  it("a field folded over 30,000 blank lines costs what 30,000 folded words cost", () => {
    const blank = Buffer.from(`Subject: a\r\n${" \r\n".repeat(30_000)} b\r\n\r\n`, "latin1");
    const words = Buffer.from(`Subject: a\r\n${" x\r\n".repeat(30_000)} b\r\n\r\n`, "latin1");
    // the value keeps the blanks inside it and loses those at its ends
    expect(parse(blank).fields[0]!.value).toBe(`a${" ".repeat(30_001)}b`);
    expect(
      costRatio(
        () => parseHeaderSection(blank),
        () => parseHeaderSection(words),
      ),
    ).toBeLessThan(10);
  });
});
