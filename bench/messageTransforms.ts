// Message transformations at their worst: every per-message step after DATA (header parsing, the
// message stage's checks and edits, applying them, 7-bit conversion) on messages shaped to find
// quadratic work (many folded lines, many fields, long lines, long address lists), compared per
// byte with ordinary 5-50 KB mail. Each must stay linear: a ratio far above 1 is a finding.
import type { CompilerHost } from "../compiler/checkFiles.js";
import { compilePolicy } from "../compiler/compile.js";
import type { RuleGraph } from "../graph/graph.js";
import { decide, type SmtpEvent } from "../runtime/decision/decide.js";
import { newSession, type SessionState } from "../runtime/decision/session.js";
import { convertTo7Bit } from "../runtime/deliver/sevenBitConversion.js";
import { applyHeaderEdits } from "../runtime/message/headerEdits.js";
import { MAX_HEADER_SECTION_BYTES } from "../runtime/message/headerSectionLimit.js";
import { BareLineEndingScanner } from "../runtime/message/readMessageData.js";
import { generateMessages } from "./messages.js";
import { ratio, summarize, type Summary } from "./stats.js";

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
const host: CompilerHost = {
  readFile: (path) =>
    path.endsWith("users.passwd")
      ? { ok: true, text: `${LOGIN}:$2y$04$XBry38Mga1WHP0VBs0cQdOCOhshu7m.qhlFw7ll9oN9xc6kxXcIi.\n` }
      : { ok: false, missing: true, reason: "the transforms bench reads no other file" },
};

export function messageTransformGraph(): RuleGraph {
  const result = compilePolicy("/bench/transforms.msa", POLICY + "\n", host);
  if (!result.graph) throw new Error(`the transforms policy does not compile: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.graph;
}

function sessionAfterRcpt(graph: RuleGraph): SessionState {
  let state = newSession("tls", "127.0.0.1");
  const events: SmtpEvent[] = [
    { type: "helo", name: "client.bench.test", extended: true },
    { type: "authenticated", login: LOGIN },
    { type: "mail", address: `${LOGIN}@${DOMAIN}`, params: {} },
    { type: "rcpt", address: `rcpt@${DOMAIN}`, params: {} },
  ];
  for (const event of events) state = decide(graph, state, event).state;
  return state;
}

/** One message through every step after DATA; throws unless it is accepted and converted. */
export function transformMessage(graph: RuleGraph, state: SessionState, raw: Buffer): Buffer {
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
  if (converted.kind === "impossible") throw new Error(`a transforms message could not be made 7-bit: ${converted.reason}`);
  return converted.kind === "converted" ? converted.message : edited;
}

const FROM = `From: Bench <${LOGIN}@${DOMAIN}>\r\n`;

/** `count` copies of `unit`, as one string. */
const times = (unit: string, count: number) => unit.repeat(Math.max(0, count));

/** An 8-bit body of about `bytes` bytes in 76-byte lines, so that 7-bit conversion re-encodes it. */
function eightBitBody(bytes: number): string {
  return times("caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve fa\xe7ade d\xe9j\xe0 vu, \xfcber gr\xfc\xdfe ok\r\n", Math.ceil(bytes / 60));
}

/**
 * Worst-case shapes, each about `bytes` long, each aimed at one way a transformation could turn quadratic.
 * The message stage refuses a header section over 1 MiB (headerSectionLimit.ts), so a header-heavy
 * shape fills the header up to just under that and its body carries the rest; 7-bit conversion runs
 * in a worker in the server (sevenBitOffThread.ts), in line here: the figures are the steps' own cost.
 */
export function worstCaseMessages(bytes: number): { name: string; raw: Buffer }[] {
  const half = Math.floor(bytes / 2);
  // UTF-8 header text takes up to 2 bytes per character: stay under the limit in bytes
  const headerChars = Math.min(half, Math.floor((MAX_HEADER_SECTION_BYTES - 4096) / 2));
  const body = bytes - headerChars;
  // header text is UTF-8 (RFC 6532), bodies one byte per character
  const shapes: [string, string, string][] = [
    // issue 13: one field folded over very many lines, and an 8-bit body (7-bit conversion re-reads the header)
    ["one field folded over many lines, 8-bit body", `${FROM}Subject: s\r\n${times(" x\r\n", headerChars / 4)}`, `\r\n${eightBitBody(body)}`],
    ["whitespace-only folded lines", `${FROM}Subject: a\r\n${times(" \r\n", headerChars / 3)} b\r\n`, `\r\n${eightBitBody(body)}`],
    ["many header fields", `${FROM}${times("X-Field: value\r\n", headerChars / 16)}`, `\r\n${eightBitBody(body)}`],
    ["many From: fields", `${times(FROM, headerChars / FROM.length)}Sender: ${LOGIN}@${DOMAIN}\r\n`, `\r\n${eightBitBody(body)}`],
    ["many unqualified recipients in To:", `${FROM}To: a${times(",\r\n b", headerChars / 5)}\r\n`, `\r\n${eightBitBody(body)}`],
    ["8-bit Subject folded over many lines", `${FROM}Subject: s\r\n${times(" \u00e9t\u00e9\r\n", headerChars / 7)}`, `\r\n${eightBitBody(body)}`],
    ["8-bit display names in a long To:", `${FROM}To: x@${DOMAIN}${times(",\r\n J\u00f6rg <j@" + DOMAIN + ">", headerChars / 22)}\r\n`, `\r\n${eightBitBody(body)}`],
    ["one long body line of spaces", `${FROM}Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n`, `\r\n--b\r\n\r\n\xe9${times(" ", bytes - 200)}x\r\n--b--\r\n`],
    [
      "many MIME parts",
      `${FROM}Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n`,
      `\r\n${times("--b\r\nContent-Type: text/plain\r\n\r\n\xe9\r\n", bytes / 40)}--b--\r\n`,
    ],
  ];
  return shapes.map(([name, header, body]) => ({ name, raw: Buffer.concat([Buffer.from(header, "utf8"), Buffer.from(body, "latin1")]) }));
}

export interface MessageTransformRow {
  shape: string;
  bytes: number;
  /** Nanoseconds per byte over the rounds. */
  nsPerByte: Summary;
  /** Median per byte over the ordinary messages' median per byte. */
  ratioVsOrdinary: number;
}

/** Nanoseconds per byte to transform `raw`, once per round. */
function perByte(graph: RuleGraph, state: SessionState, messages: Buffer[], rounds: number): number[] {
  const total = messages.reduce((sum, m) => sum + m.length, 0);
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (const raw of messages) transformMessage(graph, state, raw);
    results.push(Number(process.hrtime.bigint() - started) / total);
  }
  return results;
}

/** Each worst-case shape at `bytes` against 200 ordinary messages, per byte. */
export function measureMessageTransforms(bytes: number, rounds: number): MessageTransformRow[] {
  const graph = messageTransformGraph();
  const state = sessionAfterRcpt(graph);
  const ordinary = generateMessages(200, `${LOGIN}@${DOMAIN}`, DOMAIN).map((m) => m.raw);
  perByte(graph, state, ordinary, 1); // warm-up
  const baseline = summarize(perByte(graph, state, ordinary, rounds));
  const rows: MessageTransformRow[] = [{ shape: "ordinary 5-50 KB messages", bytes: ordinary.reduce((sum, m) => sum + m.length, 0), nsPerByte: baseline, ratioVsOrdinary: 1 }];
  for (const { name, raw } of worstCaseMessages(bytes)) {
    const nsPerByte = summarize(perByte(graph, state, [raw], rounds));
    rows.push({ shape: name, bytes: raw.length, nsPerByte, ratioVsOrdinary: ratio(nsPerByte.median, baseline.median) });
  }
  return rows;
}
