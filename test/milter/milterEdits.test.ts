// A milter's changes applied to the message: in the order sent, with the field text written byte
// for byte as the milter sent it, untouched fields and the body kept, recipients added and removed.
import { describe, expect, it } from "vitest";
import { applyMilterModifications } from "../../runtime/milter/milterEdits.js";

const message = Buffer.from("Received: from a\r\nFrom: alice@example.test\r\nSubject: one\r\nX-Tag: a\r\nX-Tag: b\r\n\r\nbody line\r\n");
const envelope = { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.org" }] };

describe("applyMilterModifications", () => {
  it("adds, inserts, changes and removes fields in order, keeping the rest byte for byte", () => {
    const edited = applyMilterModifications(
      message,
      envelope,
      [
        { kind: "addHeader", name: "X-Spam", value: "no" },
        { kind: "insertHeader", index: 0, name: "DKIM-Signature", value: "v=1; a=rsa-sha256;\n\tb=abc" },
        { kind: "changeHeader", index: 2, name: "X-Tag", value: "" },
        { kind: "changeHeader", index: 1, name: "Subject", value: "two" },
      ],
      false,
    );
    expect(edited.message.toString()).toBe(
      "DKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\nReceived: from a\r\nFrom: alice@example.test\r\nSubject: two\r\nX-Tag: a\r\nX-Spam: no\r\n\r\nbody line\r\n",
    );
  });

  it("writes a value with its own leading space as is under SMFIP_HDR_LEADSPC", () => {
    const edited = applyMilterModifications(message, envelope, [{ kind: "addHeader", name: "X-A", value: "  two spaces" }], true);
    expect(edited.message.toString()).toContain("X-Tag: b\r\nX-A:  two spaces\r\n\r\n");
  });

  it("replaces the body with CRLF line endings and changes the recipients", () => {
    const edited = applyMilterModifications(
      message,
      envelope,
      [
        { kind: "replaceBody", body: Buffer.from("new\nbody\n") },
        { kind: "addRecipient", address: "carol@example.org" },
        { kind: "deleteRecipient", address: "bob@EXAMPLE.org" },
      ],
      false,
    );
    expect(edited.message.toString()).toMatch(/X-Tag: b\r\n\r\nnew\r\nbody\r\n$/);
    expect(edited.envelope.recipients).toEqual([{ address: "carol@example.org" }]);
  });

  it("refuses a field text whose line break does not start a continuation line (header injection)", () => {
    expect(() => applyMilterModifications(message, envelope, [{ kind: "addHeader", name: "X-A", value: "a\nBcc: eve@example.org" }], false)).toThrow(/continuation/);
  });
});
