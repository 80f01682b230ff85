import { Reply } from "./protocol.js";
/** The longest packet taken from a milter: libmilter's largest data size (1 MiB) and the command byte. */
export const MAX_PACKET_BYTES = 1024 * 1024 + 1;
export class MilterProtocolError extends Error {
}
export function encodePacket(command, data = Buffer.alloc(0)) {
    const head = Buffer.alloc(5);
    head.writeUInt32BE(data.length + 1, 0);
    head.write(command, 4, "latin1");
    return Buffer.concat([head, data]);
}
/** NUL-terminated strings, one after the other (the data of most commands). */
export function nulStrings(...strings) {
    return Buffer.concat(strings.map((s) => Buffer.from(`${s}\0`, "utf8")));
}
/** Splits the bytes received so far into packets; throws MilterProtocolError on a length no packet may have. */
export class PacketDecoder {
    maxBytes;
    pending = Buffer.alloc(0);
    constructor(maxBytes = MAX_PACKET_BYTES) {
        this.maxBytes = maxBytes;
    }
    push(chunk) {
        this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
        const packets = [];
        while (this.pending.length >= 4) {
            const length = this.pending.readUInt32BE(0);
            if (length === 0)
                throw new MilterProtocolError("packet of length 0");
            if (length > this.maxBytes)
                throw new MilterProtocolError(`packet of ${length} bytes, over ${this.maxBytes}`);
            if (this.pending.length < 4 + length)
                break;
            packets.push({ command: String.fromCharCode(this.pending[4]), data: this.pending.subarray(5, 4 + length) });
            this.pending = this.pending.subarray(4 + length);
        }
        return packets;
    }
}
/** The NUL-terminated strings of a packet's data, exactly `count` of them. */
function strings(data, count, what) {
    const parts = [];
    let at = 0;
    for (let i = 0; i < count; i++) {
        const nul = data.indexOf(0, at);
        if (nul === -1)
            throw new MilterProtocolError(`${what}: string ${i + 1} of ${count} is not NUL-terminated`);
        parts.push(data.toString("utf8", at, nul));
        at = nul + 1;
    }
    return parts;
}
/** The 32-bit index that starts SMFIR_INSHEADER and SMFIR_CHGHEADER. */
function indexed(data, what) {
    if (data.length < 4)
        throw new MilterProtocolError(`${what}: shorter than its index`);
    return { index: data.readUInt32BE(0), rest: data.subarray(4) };
}
const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
function headerName(name, what) {
    if (!HEADER_NAME.test(name))
        throw new MilterProtocolError(`${what}: \`${name}\` is not a header field name`);
    return name;
}
/** The milter's SMFIC_OPTNEG answer (the macro lists a version 6 milter may add are not used). */
export function parseNegotiation(packet) {
    if (packet.command !== Reply.optionNegotiation)
        throw new MilterProtocolError(`answered option negotiation with \`${packet.command}\``);
    if (packet.data.length < 12)
        throw new MilterProtocolError("option negotiation answer is shorter than 12 bytes");
    return { version: packet.data.readUInt32BE(0), actions: packet.data.readUInt32BE(4), protocol: packet.data.readUInt32BE(8) };
}
/**
 * SMFIR_REPLYCODE's text, `NNN [X.Y.Z] text`, possibly several lines (`NNN-...`). As Postfix takes
 * it: a 4xx or 5xx code, an enhanced code of the same class if any; anything else breaks the protocol.
 */
export function parseReplyCode(text) {
    const lines = text.replace(/\r?\n$/, "").split(/\r?\n/);
    let code = null;
    let enhanced = null;
    const texts = [];
    for (const [i, line] of lines.entries()) {
        const match = /^([45]\d\d)([ -])(?:([245]\.\d{1,3}\.\d{1,3})(?: |$))?(.*)$/.exec(line);
        const last = i === lines.length - 1;
        if (!match || (match[2] === " ") !== last)
            throw new MilterProtocolError(`malformed reply code \`${line}\``);
        if (code !== null && Number(match[1]) !== code)
            throw new MilterProtocolError("reply lines with different codes");
        code = Number(match[1]);
        if (match[3] && match[3][0] !== match[1][0])
            throw new MilterProtocolError(`enhanced code ${match[3]} does not match ${match[1]}`);
        enhanced ??= match[3] ?? null;
        texts.push(match[4].trim());
    }
    return { kind: "reply", code: code, enhanced, text: texts.filter((t) => t !== "").join(" ") };
}
export function parseReply(packet) {
    const { command, data } = packet;
    const answer = (a) => ({ type: "answer", answer: a });
    const modification = (m) => ({ type: "modification", modification: m });
    switch (command) {
        case Reply.accept:
            return answer({ kind: "accept" });
        case Reply.continue:
            return answer({ kind: "continue" });
        case Reply.reject:
            return answer({ kind: "reject" });
        case Reply.tempfail:
            return answer({ kind: "tempfail" });
        case Reply.discard:
            return answer({ kind: "discard" });
        case Reply.replyCode:
            return answer(parseReplyCode(strings(data, 1, "reply code")[0]));
        case Reply.connectionFailure:
        case Reply.shutdown:
            return answer({ kind: "failed", reason: command === Reply.shutdown ? "the milter shut down" : "the milter asked to fail the connection" });
        case Reply.progress:
            return { type: "progress" };
        case Reply.skip:
            return { type: "skip" };
        case Reply.addHeader: {
            const [name, value] = strings(data, 2, "add header");
            return modification({ kind: "addHeader", name: headerName(name, "add header"), value: value });
        }
        case Reply.insertHeader:
        case Reply.changeHeader: {
            const what = command === Reply.insertHeader ? "insert header" : "change header";
            const { index, rest } = indexed(data, what);
            const [name, value] = strings(rest, 2, what);
            return modification({ kind: command === Reply.insertHeader ? "insertHeader" : "changeHeader", index, name: headerName(name, what), value: value });
        }
        case Reply.replaceBody:
            return modification({ kind: "replaceBody", body: Buffer.from(data) });
        case Reply.addRecipient:
        case Reply.addRecipientWithArgs:
            return modification({ kind: "addRecipient", address: envelopeAddress(strings(data, 1, "add recipient")[0]) });
        case Reply.deleteRecipient:
            return modification({ kind: "deleteRecipient", address: envelopeAddress(strings(data, 1, "delete recipient")[0]) });
        case Reply.changeSender:
            return modification({ kind: "changeSender", address: envelopeAddress(strings(data, 1, "change sender")[0]) });
        case Reply.quarantine:
            return modification({ kind: "quarantine", reason: strings(data, 1, "quarantine")[0] });
        default:
            throw new MilterProtocolError(`unknown reply \`${command}\` (0x${command.charCodeAt(0).toString(16)})`);
    }
}
/** An envelope address as milters write it, with or without angle brackets. */
function envelopeAddress(text) {
    const address = text.trim().replace(/^<(.*)>$/, "$1");
    if (/[\s<>]/.test(address))
        throw new MilterProtocolError(`\`${text}\` is not an envelope address`);
    return address;
}
//# sourceMappingURL=packetCodec.js.map