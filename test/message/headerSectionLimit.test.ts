// Where the header section ends for the built-in 1 MiB cap: at the first empty line, at the end of
// data without one, and nowhere for a message that starts with the empty line.
import { describe, expect, it } from "vitest";
import { MAX_HEADER_SECTION_BYTES, oversizedHeaderSection } from "../../runtime/message/headerSectionLimit.js";

const field = "X-Field: value\r\n";
const fieldsOf = (bytes: number) => field.repeat(Math.ceil(bytes / field.length));
const big = fieldsOf(MAX_HEADER_SECTION_BYTES + 1);

describe("the header section cap", () => {
  it("measures the header section up to its final CRLF, not the body", () => {
    expect(oversizedHeaderSection(Buffer.from(`${big}\r\nbody\r\n`))).toBe(big.length);
    expect(oversizedHeaderSection(Buffer.from(`Subject: s\r\n\r\n${big}`))).toBeNull();
  });

  it("counts the whole data when there is no empty line", () => {
    expect(oversizedHeaderSection(Buffer.from(big))).toBe(big.length);
  });

  it("takes a message that starts with the empty line as having no header section", () => {
    expect(oversizedHeaderSection(Buffer.from(`\r\n${big}\r\n\r\nmore`))).toBeNull();
  });

  it("admits a header section of exactly 1 MiB", () => {
    const exact = "X".repeat(MAX_HEADER_SECTION_BYTES - field.length) + field;
    expect(oversizedHeaderSection(Buffer.from(`${exact}\r\nbody\r\n`))).toBeNull();
    expect(oversizedHeaderSection(Buffer.from(`X${exact}\r\nbody\r\n`))).toBe(MAX_HEADER_SECTION_BYTES + 1);
  });
});
