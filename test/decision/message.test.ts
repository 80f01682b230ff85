// Decision core without sockets, message side: bare line endings, size, header syntax (554 5.6.0), header qualification, the add Date/Message-ID/Sender/Received edits, and the checks and edits by pattern.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { compilePattern } from "../../formats/pattern.js";
import type { RegexPattern, RuleGraph } from "../../graph/graph.js";
import { prepareTables, type DecisionTables } from "../../runtime/decision/tables.js";
import { decide } from "../../runtime/decision/decide.js";
import type { MessagePlan } from "../../runtime/decision/messageStage.js";
import type { SessionState } from "../../runtime/decision/session.js";
import type { Decision } from "../../runtime/decision/verdict.js";
import { applyHeaderEdits } from "../../runtime/message/headerEdits.js";
import { readMessageData } from "../../runtime/message/readMessageData.js";
import { POLICY_FILE, TLS_LINE, decidedBy, lineOf, mail, outcome, policy, rcpt, run, session } from "./policy.js";

const LINES = [
  "hostname msa.example.test",
  TLS_LINE,
  "listen 127.0.0.1:2587 starttls",
  'auth users "users.passwd"',
  "require auth",
  "qualify domains example.test",
  "limit size 2KB",
  "add Date",
  "add Message-ID",
  "add Sender",
  "add Received",
];
const graph = policy(...LINES);
const NOW = new Date("2026-03-04T05:06:07Z");

async function submit(g: RuleGraph, state: SessionState, text: string | Buffer): Promise<{ decision: Decision<MessagePlan>; output: string }> {
  const s = run(g, state, [mail(""), rcpt("bob@example.test")]).at(-1)!.state;
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, "latin1");
  const data = await readMessageData(Readable.from([bytes]), { maxBytes: 2000 });
  const decision = decide(g, s, { type: "message", ...data, now: NOW, queueId: "QUEUEID1", messageId: "<unique.1@msa.example.test>" });
  const output = decision.result ? applyHeaderEdits(data.bytes, decision.result.header, decision.result.edits).toString("latin1") : "";
  return { decision, output };
}

const authed = () => session(graph, { tls: true, login: "alice" });
const body = "\r\nHello\r\n";

describe("MessageStage refusals", () => {
  it.each([
    ["a line without a colon", "From alice@example.test\r\n" + body],
    ["a bare CR inside a field", "Subject: a\rb\r\n" + body],
    ["an 8-bit byte in a field name", "Subj\xe9ct: x\r\n" + body],
    ["a space in a field name", "Bad Name: x\r\n" + body],
    ["a line over 998 bytes", `Subject: ${"x".repeat(995)}\r\n` + body],
  ])("refuses %s with 554 5.6.0", async (_what, text) => {
    const { decision } = await submit(graph, authed(), text);
    expect(outcome(decision)).toBe("554 5.6.0");
    expect(decidedBy(decision)).toMatch(new RegExp(`^${POLICY_FILE}:\\d+$`));
  });
  it("accepts a header line of exactly 998 bytes", async () => {
    const { decision } = await submit(graph, authed(), `Subject: ${"x".repeat(998 - 9)}\r\n` + body);
    expect(outcome(decision)).toBe("accept");
  });
  it.each([
    ["bare LF in the body", "Subject: x\r\n\r\nline\nmore\r\n"],
    ["bare CR in the body", "Subject: x\r\n\r\nline\rmore\r\n"],
    ["bare LF ending the header", "Subject: x\n\r\nbody\r\n"],
  ])("refuses %s with 554 5.6.0 (smuggling defence)", async (_what, text) => {
    const { decision } = await submit(graph, authed(), text);
    expect(outcome(decision)).toBe("554 5.6.0");
    expect(decision.trace.at(-1)).toMatchObject({ node: "RefuseBareLineEndings", outcome: "refuse" });
  });
  it("refuses a message over limit size with 552 5.3.4 from the limit size line", async () => {
    const { decision } = await submit(graph, authed(), "Subject: x\r\n\r\n" + "y".repeat(2100) + "\r\n");
    expect(outcome(decision)).toBe("552 5.3.4");
    expect(decidedBy(decision)).toBe(`${POLICY_FILE}:${lineOf(LINES, "limit size")}`);
  });
});

describe("limit hops", () => {
  const received = (n: number) => "Received: from a by b; Tue, 3 Mar 2026 10:00:00 +0000\r\n".repeat(n);
  it("counts the Received fields the client sent: more than the limit is refused by the rule's line, with the count traced", async () => {
    const lines = [...LINES, "limit hops 2"];
    const g = policy(...lines);
    const { decision } = await submit(g, session(g, { tls: true, login: "alice" }), received(3) + "Subject: x\r\n" + body);
    expect(outcome(decision)).toBe("554 5.4.6");
    expect(decidedBy(decision)).toBe(`${POLICY_FILE}:${lineOf(lines, "limit hops")}`);
    expect(decision.trace.at(-1)).toMatchObject({ node: "LimitHops", outcome: "refuse", detail: "3 Received fields, more than 2" });
    expect(outcome((await submit(g, session(g, { tls: true, login: "alice" }), received(2) + "Subject: x\r\n" + body)).decision)).toBe("accept");
  });
});

describe("patterns: refuse header matching, refuse body matching, remove and replace header matching", () => {
  const policyWith = (...rules: string[]) => {
    const lines = [...LINES, ...rules];
    return { lines, g: policy(...lines) };
  };
  const submitTo = async (g: RuleGraph, text: string, tables?: DecisionTables) => {
    const s = run(g, session(g, { tls: true, login: "alice" }), [mail(""), rcpt("bob@example.test")]).at(-1)!.state;
    const data = await readMessageData(Readable.from([Buffer.from(text, "utf8")]), { maxBytes: 2000 });
    const decision = decide(g, s, { type: "message", ...data, now: NOW, queueId: "QUEUEID1", messageId: "<unique.1@msa.example.test>" }, tables);
    return { decision, output: decision.result ? applyHeaderEdits(data.bytes, decision.result.header, decision.result.edits).toString("utf8") : "" };
  };

  it("refuses a field whose unfolded value matches with 550 5.7.1 from the rule's line; other values and other fields pass", async () => {
    const { lines, g } = policyWith("refuse header Subject matching /^\\[spam\\] .*offer/i");
    const refused = await submitTo(g, "Subject: [SPAM] a special\r\n offer\r\n" + body);
    expect(outcome(refused.decision)).toBe("550 5.7.1");
    expect(decidedBy(refused.decision)).toBe(`${POLICY_FILE}:${lineOf(lines, "refuse header")}`);
    expect(refused.decision.trace.at(-1)).toMatchObject({ node: "RefuseHeader", outcome: "refuse", detail: "Subject: value matches /^\\[spam\\] .*offer/i" });
    expect((refused.decision.verdict as { reply: { text: string } }).reply.text).toBe("Message refused: header field Subject value not accepted");
    expect(outcome((await submitTo(g, "Subject: about the [spam] offer\r\n" + body)).decision)).toBe("accept");
    expect(outcome((await submitTo(g, "X-Note: [spam] offer\r\n" + body)).decision)).toBe("accept");
  });

  it("refuses a body that matches in its first N bytes, CRLF read as LF; a match past N passes; observe only logs", async () => {
    const { lines, g } = policyWith("refuse body matching /^casino$/m in first 100B");
    const refused = await submitTo(g, "Subject: x\r\n\r\nhello\r\ncasino\r\nbye\r\n");
    expect(outcome(refused.decision)).toBe("550 5.7.1");
    expect(decidedBy(refused.decision)).toBe(`${POLICY_FILE}:${lineOf(lines, "refuse body")}`);
    expect(refused.decision.trace.at(-1)).toMatchObject({ node: "RefuseBody", outcome: "refuse", detail: "body matches /^casino$/m" });
    expect(outcome((await submitTo(g, `Subject: x\r\n\r\n${"z".repeat(120)}\r\ncasino\r\n`)).decision)).toBe("accept");
    expect(outcome((await submitTo(g, "Subject: casino\r\n\r\nhello\r\n")).decision)).toBe("accept");
    const observed = await submitTo(policyWith("observe refuse body matching /casino/").g, "Subject: x\r\n\r\ncasino\r\n");
    expect(outcome(observed.decision)).toBe("accept");
    expect(observed.decision.observations).toEqual([
      expect.objectContaining({ reply: expect.objectContaining({ code: 550, enhanced: "5.7.1" }), detail: "body matches /casino/" }),
    ]);
  });

  it("removes only the fields whose value matches, and leaves the others byte for byte", async () => {
    const { g } = policyWith("remove header X-Tag matching /^internal/i");
    const { decision, output } = await submitTo(g, "Subject: x\r\nX-Tag: Internal only\r\nX-Tag:  public\r\nx-tag: internal too\r\n" + body);
    expect(outcome(decision)).toBe("accept");
    expect(output).toContain("X-Tag:  public\r\n");
    expect(output).not.toMatch(/internal/i);
    expect(decision.result!.removed).toEqual(["X-Tag", "x-tag"]);
  });

  it("replaces the value of each matching field with the rule's value, $1 from the match; the others stay", async () => {
    const { g } = policyWith('replace header Subject, X-Prio matching /^\\[ext\\] (.*)$/ with "$1 (from outside, $$0)"');
    const { decision, output } = await submitTo(g, "Subject: [ext] Lunch?\r\nX-Prio: high\r\n" + body);
    expect(outcome(decision)).toBe("accept");
    expect(output).toContain("Subject: Lunch? (from outside, $0)\r\n");
    expect(output).toContain("X-Prio: high\r\n");
    expect(decision.trace).toContainEqual(expect.objectContaining({ node: "ReplaceHeader", outcome: "change", detail: "Subject: value replaced" }));
  });

  it("leaves a field as it was when the replaced value could not be folded (a word over 998 octets)", async () => {
    const { g } = policyWith('replace header Subject matching /^(x+)$/ with "$1$1"');
    const { decision, output } = await submitTo(g, `Subject: ${"x".repeat(600)}\r\n` + body);
    expect(outcome(decision)).toBe("accept");
    expect(output).toContain(`Subject: ${"x".repeat(600)}\r\n`);
    expect(decision.trace).toContainEqual(expect.objectContaining({ node: "ReplaceHeader", outcome: "skip" }));
  });

  it("compiles each pattern once per graph in the decision tables, and decides with those", async () => {
    const { g } = policyWith("refuse header Subject matching /never/", "refuse body matching /never/");
    const { tables } = prepareTables(g, () => "");
    const nodes = g.stages.message.nodes.filter((n) => n.kind === "RefuseHeader" || n.kind === "RefuseBody");
    expect(nodes.map((n) => tables.patterns?.has((n as { matching: RegexPattern }).matching))).toEqual([true, true]);
    // The tables' compiled pattern is the one used: one that matches everything refuses what the graph's would not.
    const anything = compilePattern(".?", "");
    if (!anything.ok) throw new Error("compiles");
    const swapped: DecisionTables = { ...tables, patterns: new Map([...tables.patterns!.keys()].map((p) => [p, anything.regex])) };
    expect(outcome((await submitTo(g, "Subject: x\r\n" + body, tables)).decision)).toBe("accept");
    expect(outcome((await submitTo(g, "Subject: x\r\n" + body, swapped)).decision)).toBe("550 5.7.1");
  });

  it("will not prepare a graph whose pattern is not RE2 syntax (a graph msac did not make): the server does not start", () => {
    const { lines, g } = policyWith("refuse body matching /never/");
    const tampered: RuleGraph = JSON.parse(JSON.stringify(g).replace('"source":"never"', '"source":"(?=never)"'));
    expect(() => prepareTables(tampered, () => "")).toThrow(`${POLICY_FILE}:${lineOf(lines, "refuse body")}: pattern /(?=never)/ is not RE2 syntax`);
  });
});

describe("MessageStage edits", () => {
  const complete = "From: Alice <alice@example.test>\r\nDate: Tue, 3 Mar 2026 10:00:00 +0000\r\nMessage-ID: <given@client>\r\nSubject: hi\r\n" + body;

  it("adds Date and Message-ID only when missing", async () => {
    const { output } = await submit(graph, authed(), "From: alice@example.test\r\nSubject: hi\r\n" + body);
    expect(output).toMatch(/\r\nDate: Wed, 4 Mar 2026 05:06:07 \+0000\r\n/);
    expect(output).toContain("\r\nMessage-ID: <unique.1@msa.example.test>\r\n");
    const kept = await submit(graph, authed(), complete);
    expect(kept.output.match(/^Date:/gm)).toHaveLength(1);
    expect(kept.output.match(/^Message-ID:/gm)).toHaveLength(1);
    expect(kept.output).toContain("Message-ID: <given@client>\r\n");
  });

  it("prepends Received with HELO name, client IP, hostname, queue id and protocol", async () => {
    const { output } = await submit(graph, authed(), complete);
    const received = output.slice(0, output.indexOf("\r\nFrom:")).replace(/\r\n[ \t]+/g, " ");
    expect(received.startsWith("Received: from client.example")).toBe(true);
    expect(received).toContain("192.0.2.7");
    expect(received).toContain("by msa.example.test");
    expect(received).toContain("ESMTPSA");
    expect(received).toContain("QUEUEID1");
    expect(received).toContain("4 Mar 2026 05:06:07 +0000");
  });

  it.each([
    [{ tls: false, login: undefined, ehlo: true }, "ESMTP"],
    [{ tls: true, login: undefined, ehlo: true }, "ESMTPS"],
    [{ tls: false, login: "alice", ehlo: true }, "ESMTPA"],
    [{ tls: true, login: "alice", ehlo: true }, "ESMTPSA"],
    [{ tls: false, login: undefined, ehlo: false }, "SMTP"],
  ])("Received protocol for %o is %s (RFC 3848)", async (options, protocol) => {
    // Without `require auth`, so that a session without a login has a transaction to end.
    const open = policy(...LINES.map((line) => (line === "require auth" ? "allow unauthenticated" : line)));
    const { output } = await submit(open, session(open, options), complete);
    expect(output.replace(/\r\n[ \t]+/g, " ").split("\r\n")[0]).toMatch(new RegExp(`with ${protocol}[ ;]`));
  });

  it("add From: the login's own address when the message has none, never a guess without a login", async () => {
    const withFrom = policy(...LINES, "add From", "enforce message syntax");
    const { decision, output } = await submit(withFrom, authed(), "Subject: no author\r\n" + body);
    expect(outcome(decision)).toBe("accept");
    expect(output).toContain("\r\nFrom: alice@example.test\r\n");
    expect(output).not.toMatch(/^Sender:/m);
    const kept = await submit(withFrom, authed(), "From: boss@example.test\r\n" + body);
    expect(kept.output.match(/^From:/gim)).toHaveLength(1);
    // Without a login there is no author to name: enforce message syntax refuses as before.
    const open = policy(...LINES.map((line) => (line === "require auth" ? "allow unauthenticated" : line)), "add From", "enforce message syntax");
    const anonymous = await submit(open, session(open, { tls: true }), "Subject: no author\r\n" + body);
    expect(outcome(anonymous.decision)).toBe("554 5.6.0");
  });

  it("add header: a field of the site's own with {login}, {client} and {queueid}; none without a login when it names one", async () => {
    const lines = [...LINES, 'add header X-Submitted-By "{login} from {client} as {queueid}"', 'add header X-Site "msa"'];
    const { output } = await submit(policy(...lines), authed(), "From: alice@example.test\r\n" + body);
    expect(output).toContain("\r\nX-Submitted-By: alice from 192.0.2.7 as QUEUEID1\r\n");
    expect(output).toContain("\r\nX-Site: msa\r\n");
    const open = policy(...lines.map((line) => (line === "require auth" ? "allow unauthenticated" : line)));
    const anonymous = await submit(open, session(open, { tls: true }), "From: someone@example.org\r\n" + body);
    expect(anonymous.output).not.toContain("X-Submitted-By");
    expect(anonymous.output).toContain("\r\nX-Site: msa\r\n");
  });

  it("adds Sender when no From: address is the login's own address", async () => {
    const { output } = await submit(graph, authed(), "From: Boss <boss@example.test>\r\nSubject: x\r\n" + body);
    expect(output).toContain("\r\nSender: alice@example.test\r\n");
  });
  it("adds no Sender when From: is the login's own address (also unqualified, also among several)", async () => {
    for (const from of ["alice@example.test", "Alice <alice>", "boss@example.test, Alice <alice@EXAMPLE.TEST>"]) {
      const { output } = await submit(graph, authed(), `From: ${from}\r\nSubject: x\r\n` + body);
      expect(output, from).not.toMatch(/^Sender:/m);
    }
  });
  it("never duplicates an existing Sender: and adds none without authentication", async () => {
    const { output } = await submit(graph, authed(), "From: boss@example.test\r\nSender: someone@example.test\r\n" + body);
    expect(output.match(/^Sender:/gim)).toHaveLength(1);
    const anon = await submit(graph, session(graph, { tls: true }), "From: boss@example.test\r\n" + body);
    expect(anon.output).not.toMatch(/^Sender:/m);
  });
  it("uses the login itself when it contains @", async () => {
    const { output } = await submit(graph, session(graph, { tls: true, login: "dave@else.test" }), "From: boss@example.test\r\n" + body);
    expect(output).toContain("\r\nSender: dave@else.test\r\n");
  });

  it("qualifies every address header and its Resent- forms, leaving other headers and the body alone", async () => {
    const names = ["From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc"];
    const header = names.map((n) => `${n}: Someone <${n.toLowerCase()}>, other@host`).join("\r\n");
    const untouched = "X-Note: alice, bob\r\nSubject: to alice\r\n";
    const text = `${header}\r\n${untouched}\r\nbody mentions alice and bob@host\r\n`;
    const { output } = await submit(graph, authed(), text);
    for (const n of names) expect(output).toContain(`\r\n${n}: Someone <${n.toLowerCase()}@example.test>, other@host.example.test\r\n`);
    expect(output).toContain(untouched);
    expect(output.endsWith("\r\n\r\nbody mentions alice and bob@host\r\n")).toBe(true);
  });
  it("trace names the added fields' lines", async () => {
    const { decision } = await submit(graph, authed(), "From: alice@example.test\r\n" + body);
    const step = (node: string) => decision.trace.find((t) => t.node === node);
    expect(step("AddDate")).toMatchObject({ outcome: "change", origin: { line: lineOf(LINES, "add Date") } });
    expect(step("AddMessageID")).toMatchObject({ outcome: "change", origin: { line: lineOf(LINES, "add Message-ID") } });
    expect(step("AddSender")).toMatchObject({ outcome: "skip", origin: { line: lineOf(LINES, "add Sender") } });
    expect(step("AddReceived")).toMatchObject({ outcome: "change", origin: { line: lineOf(LINES, "add Received") } });
  });
  it("a policy without add rules changes nothing", async () => {
    const bare = policy("hostname msa.example.test", "listen 127.0.0.1:2525 plain");
    const text = "From: a@example.test\r\nSubject: x\r\n" + body;
    const { decision, output } = await submit(bare, session(bare), text);
    expect(decision.result?.edits).toEqual([]);
    expect(output).toBe(text);
  });
});
