// RFC 6409 section 8.4: 8-bit messages for a next hop without 8BITMIME arrive as valid 7-bit
// MIME whose decoded content (mailparser's simpleParser) equals the original's.

import { simpleParser, type ParsedMail } from "mailparser";
import { describe, expect, it } from "vitest";
import type { Envelope } from "../../runtime/deliver/envelope.js";
import { relayMessage } from "../../runtime/deliver/relayClient.js";
import { convertTo7Bit } from "../../runtime/deliver/sevenBitConversion.js";
import { costRatio } from "../support/costRatio.js";
import { startAuthHop } from "./relayHelpers.js";

const ENVELOPE: Envelope = { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }], bodyType: "8BITMIME" };

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join("\r\n"), "utf8");

const TEXT_PLAIN = crlf([
  "From: Jörg Müller <joerg@example.test>",
  'To: "Bob" <bob@example.test>',
  "Subject: Grüße aus Köln, und ein sehr langer Betreff, damit er gefaltet werden muss",
  "Message-ID: <8bit-1@example.test>",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=utf-8",
  "Content-Transfer-Encoding: 8bit",
  "",
  "Grüße, Jörg! Ça va? Smørrebrød 😀",
  "A line with trailing space ",
  ".leading dot and = sign",
  "",
]);

const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0x41, 0xc3, 0x28, 0x7f]);
const MULTIPART = Buffer.concat([
  crlf([
    "From: alice@example.test",
    "To: bob@example.test",
    "Subject: plain ASCII subject",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="outer"',
    "",
    "This is a multi-part message in MIME format.",
    "--outer",
    'Content-Type: multipart/alternative; boundary="inner"',
    "",
    "--inner",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    "Größe: 5 m²",
    "--inner",
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: 7bit",
    "",
    "<p>Gr&ouml;&szlig;e: 5 m&sup2;</p>",
    "--inner--",
    "--outer",
    "Content-Type: application/octet-stream",
    'Content-Disposition: attachment; filename="Prüfbericht.bin"',
    "Content-Transfer-Encoding: binary",
    "",
    "",
  ]),
  BINARY,
  crlf(["", "--outer", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", Buffer.from("schon kodiert: äöü").toString("base64"), "--outer--", ""]),
]);

function assertSevenBit(raw: Buffer): void {
  for (const byte of raw) expect(byte).toBeLessThan(0x80);
  for (const line of raw.toString("ascii").split("\r\n")) expect(line.length).toBeLessThanOrEqual(998);
  expect(raw.toString("ascii").replace(/\r\n/g, "")).not.toMatch(/[\r\n]/); // no bare CR or LF
}

/** What a reader sees: headers, texts, attachments, all decoded. */
function decoded(mail: ParsedMail) {
  return {
    from: mail.from?.value,
    to: Array.isArray(mail.to) ? mail.to.map((t) => t.value) : mail.to?.value,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    attachments: mail.attachments.map((a) => ({ type: a.contentType, name: a.filename, content: a.content.toString("base64") })),
  };
}

async function expectSameContent(converted: Buffer, original: Buffer): Promise<void> {
  assertSevenBit(converted);
  expect(decoded(await simpleParser(converted))).toEqual(decoded(await simpleParser(original)));
}

describe("convertTo7Bit", () => {
  it("leaves a 7-bit message alone", () => {
    expect(convertTo7Bit(Buffer.from("Subject: x\r\n\r\nascii only\r\n"))).toEqual({ kind: "unchanged" });
  });

  it("encodes an 8-bit text/plain as quoted-printable and 8-bit header fields as RFC 2047 words", async () => {
    const result = convertTo7Bit(TEXT_PLAIN);
    if (result.kind !== "converted") throw new Error(`not converted: ${JSON.stringify(result)}`);
    const text = result.message.toString("ascii");
    expect(text).toContain("Content-Transfer-Encoding: quoted-printable\r\n");
    expect(text).not.toContain("Content-Transfer-Encoding: 8bit");
    expect(text).toMatch(/^From: =\?UTF-8\?Q\?J=C3=B6rg_M=C3=BCller\?= <joerg@example\.test>\r\n/);
    // ASCII fields are untouched, byte for byte
    expect(text).toContain('\r\nTo: "Bob" <bob@example.test>\r\n');
    expect(text).toContain("Message-ID: <8bit-1@example.test>\r\n");
    await expectSameContent(result.message, TEXT_PLAIN);
  });

  it("converts a multipart recursively: 8-bit text as quoted-printable, binary as base64, the rest untouched", async () => {
    const result = convertTo7Bit(MULTIPART);
    if (result.kind !== "converted") throw new Error(`not converted: ${JSON.stringify(result)}`);
    const text = result.message.toString("ascii");
    expect(text).toContain("This is a multi-part message in MIME format.\r\n--outer\r\n");
    expect(text).toContain("Content-Transfer-Encoding: base64\r\n\r\nAP/+gA0KQcMofw==\r\n");
    expect(text).toContain("filename*0*=utf-8''Pr%C3%BCfbericht.bin");
    expect(text).toContain("<p>Gr&ouml;&szlig;e: 5 m&sup2;</p>\r\n--inner--");
    await expectSameContent(result.message, MULTIPART);
    const parsed = await simpleParser(result.message);
    expect(parsed.attachments[0]?.content.equals(BINARY)).toBe(true);
  });

  it("labels an 8-bit body that has no MIME header fields", async () => {
    const bare = Buffer.from("Subject: bare\r\n\r\nnaïve café\r\n", "utf8");
    const result = convertTo7Bit(bare);
    if (result.kind !== "converted") throw new Error("not converted");
    expect(result.message.toString("ascii")).toContain("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n");
    expect((await simpleParser(result.message)).text).toBe("naïve café\n");
  });

  it("cannot convert a non-ASCII address in a header field, or a header field that is not UTF-8", () => {
    expect(convertTo7Bit(Buffer.from("From: jörg@exämple.test\r\n\r\nhi\r\n", "utf8"))).toMatchObject({ kind: "impossible", reason: expect.stringMatching(/non-ASCII address/) });
    expect(convertTo7Bit(Buffer.from("Subject: Gr\xfc\xdfe\r\n\r\nhi\r\n", "latin1"))).toMatchObject({ kind: "impossible", reason: expect.stringMatching(/not UTF-8/) });
  });
});

describe("convertTo7Bit is linear in the message (issue 13)", () => {
  const eightBitBody = "caf\xe9 cr\xe8me\r\n".repeat(64);
  it("a field folded over 40,000 lines costs what 2,000 fields of 20 lines cost", () => {
    // before: each folded line copied the field so far, and the 7-bit conversion took seconds
    const folded = Buffer.from(`Subject: s\r\n${" x\r\n".repeat(40_000)}\r\n${eightBitBody}`, "latin1");
    const fields = Buffer.from(`${`X-A: x\r\n${" x\r\n".repeat(19)}`.repeat(2_000)}\r\n${eightBitBody}`, "latin1");
    const result = convertTo7Bit(folded);
    if (result.kind !== "converted") throw new Error(`not converted: ${JSON.stringify(result)}`);
    // the folded field is passed on byte for byte, only the body is re-encoded
    expect(result.message.subarray(0, folded.indexOf("\r\n\r\n") + 2).equals(folded.subarray(0, folded.indexOf("\r\n\r\n") + 2))).toBe(true);
    expect(
      costRatio(
        () => convertTo7Bit(folded),
        () => convertTo7Bit(fields),
      ),
    ).toBeLessThan(10);
  });
  it("a multipart body line of 40,000 spaces costs what a line of letters costs", () => {
    const part = (filler: string) => Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n\xe9${filler.repeat(40_000)}x\r\n--b--\r\n`, "latin1");
    const spaces = part(" ");
    const converted = convertTo7Bit(spaces);
    if (converted.kind !== "converted") throw new Error("not converted");
    expect(converted.message.toString("latin1")).toMatch(/\r\n--b--\r\n$/);
    expect(
      costRatio(
        () => convertTo7Bit(spaces),
        () => convertTo7Bit(part("y")),
      ),
    ).toBeLessThan(10);
  });
});

describe("relaying to a next hop without 8BITMIME", () => {
  for (const [name, message] of [
    ["8-bit text/plain", TEXT_PLAIN],
    ["multipart with 8-bit and binary parts", MULTIPART],
  ] as const) {
    it(`${name}: arrives as 7-bit MIME with the same decoded content, without BODY=8BITMIME`, async () => {
      const hop = await startAuthHop({ eightBitMime: false });
      const outcome = await relayMessage({ url: hop.url }, ENVELOPE, message);
      expect(outcome).toMatchObject({ kind: "accepted", detail: expect.stringContaining("converted to 7-bit MIME") });
      expect(hop.received).toHaveLength(1);
      expect(hop.received[0]!.mailParams).not.toHaveProperty("BODY");
      await expectSameContent(hop.received[0]!.raw, message);
    });
  }

  it("passes 8-bit content unchanged, with BODY=8BITMIME, to a next hop that offers 8BITMIME", async () => {
    const hop = await startAuthHop();
    expect((await relayMessage({ url: hop.url }, ENVELOPE, TEXT_PLAIN)).kind).toBe("accepted");
    expect(hop.received[0]!.raw.equals(TEXT_PLAIN)).toBe(true);
    expect(hop.received[0]!.mailParams).toMatchObject({ BODY: "8BITMIME" });
  });

  it("refuses with 554 5.6.3 only what cannot be converted, sending nothing", async () => {
    const hop = await startAuthHop({ eightBitMime: false });
    const message = Buffer.from("From: jörg@exämple.test\r\nTo: bob@example.test\r\n\r\nGrüße\r\n", "utf8");
    const outcome = await relayMessage({ url: hop.url }, ENVELOPE, message);
    expect(outcome).toMatchObject({ kind: "permanent", code: 554, enhanced: "5.6.3" });
    expect(hop.received).toHaveLength(0);
  });

  it("under `require 8bitmime` refuses convertible 8-bit content too, sending nothing", async () => {
    const hop = await startAuthHop({ eightBitMime: false });
    const outcome = await relayMessage({ url: hop.url, require8BitMime: true }, ENVELOPE, TEXT_PLAIN);
    expect(outcome).toMatchObject({ kind: "permanent", code: 554, enhanced: "5.6.3" });
    expect(hop.received).toHaveLength(0);
  });
});
