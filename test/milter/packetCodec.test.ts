// The milter packet codec against what a peer may send: packets split anywhere or run together,
// a length of 0 or over the limit, replies whose strings are not terminated, reply codes that are
// not 4xx/5xx or whose enhanced code disagrees, and an unknown reply command.
import { describe, expect, it } from "vitest";
import { encodePacket, MAX_PACKET_BYTES, MilterProtocolError, nulStrings, PacketDecoder, parseNegotiation, parseReply, parseReplyCode } from "../../runtime/milter/packetCodec.js";

const lengthOnly = (length: number) => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(length);
  return head;
};

describe("PacketDecoder", () => {
  it("reads packets split at every byte and packets that arrive together", () => {
    const bytes = Buffer.concat([encodePacket("c"), encodePacket("h", nulStrings("X-Spam", "yes")), encodePacket("a")]);
    const decoder = new PacketDecoder();
    const packets = [...bytes].flatMap((byte) => decoder.push(Buffer.from([byte])));
    expect(packets.map((p) => p.command)).toEqual(["c", "h", "a"]);
    expect(packets[1]!.data.toString()).toBe("X-Spam\0yes\0");
    expect(new PacketDecoder().push(bytes).map((p) => p.command)).toEqual(["c", "h", "a"]);
  });

  it("refuses a packet of length 0 (it has no command byte)", () => {
    expect(() => new PacketDecoder().push(lengthOnly(0))).toThrow(MilterProtocolError);
  });

  it("refuses a length over the limit as soon as the length is read, before buffering the data", () => {
    expect(() => new PacketDecoder().push(lengthOnly(MAX_PACKET_BYTES + 1))).toThrow(/over/);
    expect(() => new PacketDecoder().push(lengthOnly(0xffffffff))).toThrow(MilterProtocolError);
    expect(new PacketDecoder().push(lengthOnly(MAX_PACKET_BYTES))).toEqual([]);
  });
});

describe("replies", () => {
  const reply = (command: string, data?: Buffer) => parseReply({ command, data: data ?? Buffer.alloc(0) });

  it("reads the final answers and the modifications", () => {
    expect(reply("c")).toEqual({ type: "answer", answer: { kind: "continue" } });
    expect(reply("r")).toEqual({ type: "answer", answer: { kind: "reject" } });
    expect(reply("y", nulStrings("554 5.7.1 Gtube pattern"))).toEqual({ type: "answer", answer: { kind: "reply", code: 554, enhanced: "5.7.1", text: "Gtube pattern" } });
    const index = Buffer.alloc(4);
    index.writeUInt32BE(2);
    expect(reply("m", Buffer.concat([index, nulStrings("Subject", "new")]))).toEqual({
      type: "modification",
      modification: { kind: "changeHeader", index: 2, name: "Subject", value: "new" },
    });
    expect(reply("+", nulStrings("<carol@example.org>"))).toEqual({ type: "modification", modification: { kind: "addRecipient", address: "carol@example.org" } });
    expect(reply("p")).toEqual({ type: "progress" });
  });

  it("refuses strings without their NUL, a short index, a bad header name and unknown commands", () => {
    expect(() => reply("h", Buffer.from("X-Spam\0yes"))).toThrow(/NUL/);
    expect(() => reply("i", Buffer.from([0, 1]))).toThrow(/index/);
    expect(() => reply("h", nulStrings("Bad Name", "x"))).toThrow(/header field name/);
    expect(() => reply("Z")).toThrow(/unknown reply/);
    expect(() => reply("+", nulStrings("<a b@example.org>"))).toThrow(/envelope address/);
  });

  it("takes reply codes as Postfix does: 4xx or 5xx, an enhanced code of the same class, several lines", () => {
    expect(parseReplyCode("451 Try later")).toEqual({ kind: "reply", code: 451, enhanced: null, text: "Try later" });
    expect(parseReplyCode("550-5.7.1 first\r\n550 5.7.1 second")).toEqual({ kind: "reply", code: 550, enhanced: "5.7.1", text: "first second" });
    expect(() => parseReplyCode("250 2.0.0 fine")).toThrow(MilterProtocolError);
    expect(() => parseReplyCode("550 4.7.1 mixed")).toThrow(/does not match/);
    expect(() => parseReplyCode("550-5.7.1 unfinished")).toThrow(MilterProtocolError);
  });

  it("reads option negotiation and refuses a short one", () => {
    const data = Buffer.alloc(12);
    data.writeUInt32BE(6, 0);
    data.writeUInt32BE(0x1, 4);
    data.writeUInt32BE(0x100000, 8);
    expect(parseNegotiation({ command: "O", data })).toEqual({ version: 6, actions: 1, protocol: 0x100000 });
    expect(() => parseNegotiation({ command: "O", data: data.subarray(0, 8) })).toThrow(/12 bytes/);
    expect(() => parseNegotiation({ command: "c", data })).toThrow(/negotiation/);
  });
});
