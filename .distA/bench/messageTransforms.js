import { compilePolicy } from "../compiler/compile.js";
import { decide } from "../runtime/decision/decide.js";
import { newSession } from "../runtime/decision/session.js";
import { convertTo7Bit } from "../runtime/deliver/sevenBitConversion.js";
import { applyHeaderEdits } from "../runtime/message/headerEdits.js";
import { BareLineEndingScanner } from "../runtime/message/readMessageData.js";
import { generateMessages } from "./messages.js";
import { ratio, summarize } from "./stats.js";
const DOMAIN = "bench.test";
const LOGIN = "bench";
/** Every message-stage rule that transforms or checks the message, so each one's cost is in the figure. */
const POLICY = [
    "hostname msa.bench.test",
    "listen 127.0.0.1:2525 plain",
    'auth users "users.passwd"',
    `qualify domains ${DOMAIN}`,
    `senders {\n  ${LOGIN}: ${LOGIN}@${DOMAIN}, @${DOMAIN}\n}`,
    "enforce senders in headers",
    `masquerade ${DOMAIN}`,
    "remove header Bcc",
    "add Date",
    "add Message-ID",
    "add Sender",
    "add Received",
].join("\n");
/** The policy's users file, supplied in memory: the message stage never reads it. */
const host = {
    readFile: (path) => path.endsWith("users.passwd")
        ? { ok: true, text: `${LOGIN}:$2y$04$XBry38Mga1WHP0VBs0cQdOCOhshu7m.qhlFw7ll9oN9xc6kxXcIi.\n` }
        : { ok: false, missing: true, reason: "the transforms bench reads no other file" },
};
export function messageTransformGraph() {
    const result = compilePolicy("/bench/transforms.msa", POLICY + "\n", host);
    if (!result.graph)
        throw new Error(`the transforms policy does not compile: ${result.diagnostics.map((d) => d.message).join("; ")}`);
    return result.graph;
}
function sessionAfterRcpt(graph) {
    let state = newSession("tls", "127.0.0.1");
    const events = [
        { type: "helo", name: "client.bench.test", extended: true },
        { type: "authenticated", login: LOGIN },
        { type: "mail", address: `${LOGIN}@${DOMAIN}`, params: {} },
        { type: "rcpt", address: `rcpt@${DOMAIN}`, params: {} },
    ];
    for (const event of events)
        state = decide(graph, state, event).state;
    return state;
}
/** One message through every step after DATA; throws unless it is accepted and converted. */
export function transformMessage(graph, state, raw) {
    const scanner = new BareLineEndingScanner();
    scanner.scan(raw);
    const decision = decide(graph, state, {
        type: "message",
        bytes: raw,
        size: raw.length,
        tooBig: false,
        bareLineEnding: scanner.finish(),
        now: new Date(0),
        queueId: "BENCHQUEUEID",
        messageId: "<bench@msa.bench.test>",
    });
    if (decision.verdict.kind !== "accept" || !decision.result) {
        throw new Error(`a transforms message was refused: ${decision.verdict.kind === "refuse" ? decision.verdict.reply.text : "no plan"}`);
    }
    const edited = applyHeaderEdits(decision.result.bytes, decision.result.header, decision.result.edits);
    const converted = convertTo7Bit(edited);
    if (converted.kind === "impossible")
        throw new Error(`a transforms message could not be made 7-bit: ${converted.reason}`);
    return converted.kind === "converted" ? converted.message : edited;
}
const FROM = `From: Bench <${LOGIN}@${DOMAIN}>\r\n`;
/** `count` copies of `unit`, as one string. */
const times = (unit, count) => unit.repeat(Math.max(0, count));
/** An 8-bit body of about `bytes` bytes in 76-byte lines, so that 7-bit conversion re-encodes it. */
function eightBitBody(bytes) {
    return times("caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve fa\xe7ade d\xe9j\xe0 vu, \xfcber gr\xfc\xdfe ok\r\n", Math.ceil(bytes / 60));
}
/**
 * Worst-case shapes, each about `bytes` long, each aimed at one way a transformation could turn quadratic.
 * The server refuses a header section over 1 MiB before these steps (headerSectionLimit.ts) and converts
 * to 7-bit in a worker (sevenBitOffThread.ts); the figures here are the steps' own cost, run in line.
 */
export function worstCaseMessages(bytes) {
    const half = Math.floor(bytes / 2);
    // header text is UTF-8 (RFC 6532), bodies one byte per character
    const shapes = [
        // issue 13: one field folded over very many lines, and an 8-bit body (7-bit conversion re-reads the header)
        ["one field folded over many lines, 8-bit body", `${FROM}Subject: s\r\n${times(" x\r\n", half / 4)}`, `\r\n${eightBitBody(half)}`],
        ["whitespace-only folded lines", `${FROM}Subject: a\r\n${times(" \r\n", half / 3)} b\r\n`, `\r\n${eightBitBody(half)}`],
        ["many header fields", `${FROM}${times("X-Field: value\r\n", half / 16)}`, `\r\n${eightBitBody(half)}`],
        ["many From: fields", `${times(FROM, half / FROM.length)}Sender: ${LOGIN}@${DOMAIN}\r\n`, `\r\n${eightBitBody(half)}`],
        ["many unqualified recipients in To:", `${FROM}To: a${times(",\r\n b", half / 5)}\r\n`, `\r\n${eightBitBody(half)}`],
        ["8-bit Subject folded over many lines", `${FROM}Subject: s\r\n${times(" \u00e9t\u00e9\r\n", half / 7)}`, `\r\n${eightBitBody(half)}`],
        ["8-bit display names in a long To:", `${FROM}To: x@${DOMAIN}${times(",\r\n J\u00f6rg <j@" + DOMAIN + ">", half / 22)}\r\n`, `\r\n${eightBitBody(half)}`],
        ["one long body line of spaces", `${FROM}Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n`, `\r\n--b\r\n\r\n\xe9${times(" ", bytes - 200)}x\r\n--b--\r\n`],
        [
            "many MIME parts",
            `${FROM}Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n`,
            `\r\n${times("--b\r\nContent-Type: text/plain\r\n\r\n\xe9\r\n", bytes / 40)}--b--\r\n`,
        ],
    ];
    return shapes.map(([name, header, body]) => ({ name, raw: Buffer.concat([Buffer.from(header, "utf8"), Buffer.from(body, "latin1")]) }));
}
/** Nanoseconds per byte to transform `raw`, once per round. */
function perByte(graph, state, messages, rounds) {
    const total = messages.reduce((sum, m) => sum + m.length, 0);
    const results = [];
    for (let round = 0; round < rounds; round++) {
        const started = process.hrtime.bigint();
        for (const raw of messages)
            transformMessage(graph, state, raw);
        results.push(Number(process.hrtime.bigint() - started) / total);
    }
    return results;
}
/** Each worst-case shape at `bytes` against 200 ordinary messages, per byte. */
export function measureMessageTransforms(bytes, rounds) {
    const graph = messageTransformGraph();
    const state = sessionAfterRcpt(graph);
    const ordinary = generateMessages(200, `${LOGIN}@${DOMAIN}`, DOMAIN).map((m) => m.raw);
    perByte(graph, state, ordinary, 1); // warm-up
    const baseline = summarize(perByte(graph, state, ordinary, rounds));
    const rows = [{ shape: "ordinary 5-50 KB messages", bytes: ordinary.reduce((sum, m) => sum + m.length, 0), nsPerByte: baseline, ratioVsOrdinary: 1 }];
    for (const { name, raw } of worstCaseMessages(bytes)) {
        const nsPerByte = summarize(perByte(graph, state, [raw], rounds));
        rows.push({ shape: name, bytes: raw.length, nsPerByte, ratioVsOrdinary: ratio(nsPerByte.median, baseline.median) });
    }
    return rows;
}
//# sourceMappingURL=messageTransforms.js.map