// Tests for `remove header NAME` (RFC 6409 section 8.8, RFC 5322 section 3.6.3 for Bcc): every
// occurrence removed, the removed fields returned for the log, everything else byte-exact.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyHeaderEdits } from "../../runtime/message/headerEdits.js";
import { parseHeaderSection } from "../../runtime/message/headerSection.js";
import { removeHeaderEdits } from "../../runtime/rewrite/removeHeaders.js";

function parse(bytes: Buffer) {
  const parsed = parseHeaderSection(bytes);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.header;
}

describe("removeHeaderEdits", () => {
  const bytes = Buffer.from(
    "From: a@example.com\r\nBcc: secret@example.org,\r\n  other@example.org\r\nX-Originating-IP: [192.0.2.1]\r\nbcc: second@example.org\r\nSubject: Bcc: not a field\r\n\r\nBcc: in the body\r\n",
  );
  const header = parse(bytes);

  it("removes every field of the names, in any case, and returns them unfolded", () => {
    const { edits, removed } = removeHeaderEdits(header, ["BCC", "x-originating-ip"]);
    expect(edits).toEqual([
      { kind: "remove", index: 1 },
      { kind: "remove", index: 2 },
      { kind: "remove", index: 3 },
    ]);
    expect(removed).toEqual([
      { name: "Bcc", value: "secret@example.org,  other@example.org" },
      { name: "X-Originating-IP", value: "[192.0.2.1]" },
      { name: "bcc", value: "second@example.org" },
    ]);
    expect(applyHeaderEdits(bytes, header, edits).toString()).toBe("From: a@example.com\r\nSubject: Bcc: not a field\r\n\r\nBcc: in the body\r\n");
  });

  it("does nothing for names that are absent", () => {
    expect(removeHeaderEdits(header, ["Resent-Bcc"])).toEqual({ edits: [], removed: [] });
    expect(removeHeaderEdits(header, [])).toEqual({ edits: [], removed: [] });
  });

  it("keeps all other fields and the body byte for byte (property)", () => {
    const name = fc.constantFrom("From", "Bcc", "BCC", "To", "X-Originating-IP", "Subject", "Received");
    const value = fc.stringMatching(/^[ -~]{0,30}$/).map((v) => v.trim());
    const folded = fc.tuple(value, fc.option(value, { nil: undefined })).map(([a, b]) => (b === undefined ? a : `${a}\r\n ${b || "x"}`));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, folded), { maxLength: 8 }), fc.subarray(["bcc", "x-originating-ip", "received"]), (fields, names) => {
        const bytes = Buffer.from(`${fields.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\nbody\r\n`);
        const header = parse(bytes);
        const { edits, removed } = removeHeaderEdits(header, names);
        const out = applyHeaderEdits(bytes, header, edits);
        const kept = header.fields.filter((f) => !names.includes(f.name.toLowerCase()));
        expect(removed.length + kept.length).toBe(header.fields.length);
        const expected = Buffer.concat([...kept.map((f) => bytes.subarray(f.start, f.end)), bytes.subarray(header.fields.at(-1)?.end ?? 0)]);
        expect(out.equals(expected)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
