// The worker-thread 7-bit conversion gives exactly the in-line conversion's answer, for every
// worst-case shape of the transforms bench and for a message that cannot be converted.
import { describe, expect, it } from "vitest";
import { worstCaseMessages } from "../../bench/messageTransforms.js";
import { convertTo7Bit } from "../../runtime/deliver/sevenBitConversion.js";
import { convertTo7BitOffThread, IN_LINE_BYTES } from "../../runtime/deliver/sevenBitOffThread.js";

describe("7-bit conversion off the event loop", () => {
  it("is byte for byte the in-line conversion for every worst-case shape", async () => {
    const messages = worstCaseMessages(4 * IN_LINE_BYTES).map((shape) => shape.raw);
    // all at once: answers are matched to their requests, not to their order
    const offThread = await Promise.all(messages.map((raw) => convertTo7BitOffThread(raw)));
    for (const [index, raw] of messages.entries()) {
      expect(raw.length).toBeGreaterThan(IN_LINE_BYTES);
      const inLine = convertTo7Bit(raw);
      const result = offThread[index]!;
      if (inLine.kind !== "converted" || result.kind !== "converted") throw new Error(`shape ${index} was not converted`);
      // Buffer.equals, not toEqual: a deep comparison of megabytes takes seconds
      expect(result.message.equals(inLine.message)).toBe(true);
    }
  });

  it("reports a message that cannot be converted, with the in-line reason", async () => {
    const raw = Buffer.from(`Subject: s\r\nContent-Transfer-Encoding: base64\r\nContent-Type: application/octet-stream\r\n\r\n${"\xe9".repeat(2 * IN_LINE_BYTES)}\r\n`, "latin1");
    expect(await convertTo7BitOffThread(raw)).toEqual({ kind: "impossible", reason: "a base64 part holds 8-bit bytes" });
  });
});
