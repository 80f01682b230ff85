// The decision core after the message stage: the finish stage's delivery plan (dedupe, the
// signatures that sign) and the delivery stage, the one place a delivery outcome becomes a reply.
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { RuleGraph } from "../../graph/graph.js";
import { decide, type SmtpEvent } from "../../runtime/decision/decide.js";
import type { DeliveryEvent } from "../../runtime/decision/deliveryStage.js";
import type { DeliveryPlan } from "../../runtime/decision/finishStage.js";
import type { SessionState } from "../../runtime/decision/session.js";
import { prepareTables } from "../../runtime/decision/tables.js";
import { logStage } from "../../runtime/smtp/sessionLog.js";
import { readMessageData } from "../../runtime/message/readMessageData.js";
import { temporaryFolder } from "../support/temporaryFolder.js";
import { POLICY_FILE, TLS_LINE, decidedBy, lineOf, mail, outcome, policy, rcpt, run, session } from "./policy.js";

/** One key for every signature: the decision core never reads it, the compiler checks that it is a key. */
const KEY = path.join(temporaryFolder("msa-finish-"), "dkim.key");
fs.writeFileSync(KEY, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }));

const LINES = [
  "hostname msa.example.test",
  TLS_LINE,
  "listen 127.0.0.1:2587 starttls",
  'auth users "users.passwd"',
  "require auth",
  "qualify domains example.test",
  `sign dkim domain example.test selector one key "${KEY}"`,
  `sign dkim domain mail.example.test selector two key "${KEY}"`,
  `sign dkim domain other.test selector three key "${KEY}"`,
  "deliver relay smtp://127.0.0.1:2526",
];
const graph = policy(...LINES);

async function planFor(g: RuleGraph, recipients: string[], text: string): Promise<{ plan: DeliveryPlan; state: SessionState }> {
  const state = run(g, session(g, { tls: true, login: "alice" }), [mail("alice"), ...recipients.map((r) => rcpt(r))]).at(-1)!.state;
  const data = await readMessageData(Readable.from([Buffer.from(text, "latin1")]), { maxBytes: null });
  const decision = decide(g, state, { type: "message", ...data, now: new Date("2026-03-04T05:06:07Z"), queueId: "Q1", messageId: "<m@msa.example.test>" });
  expect(outcome(decision)).toBe("accept");
  return { plan: decision.result!, state };
}

describe("FinishStage", () => {
  it("delivers once to a mailbox named twice, and keeps Bob and bob apart (RFC 5321 section 2.4)", async () => {
    const { plan } = await planFor(graph, ["bob@example.org", "bob@EXAMPLE.org", "Bob@example.org"], "From: alice@example.test\r\n\r\nhi\r\n");
    expect(plan.envelope.recipients.map((r) => r.address)).toEqual(["bob@example.org", "Bob@example.org"]);
  });

  it("chooses the signatures whose domain is the From domain or above it, in policy order", async () => {
    const sub = await planFor(graph, ["bob@example.org"], "From: alice@mail.example.test\r\n\r\nhi\r\n");
    expect(sub.plan.signatures.map((s) => s.selector)).toEqual(["one", "two"]);
    const other = await planFor(graph, ["bob@example.org"], "From: someone@elsewhere.example\r\n\r\nhi\r\n");
    expect(other.plan.signatures).toEqual([]);
  });

  it("signs the message as completed: the plan's message has the header edits applied", async () => {
    const { plan } = await planFor(policy(...LINES, "add Date"), ["bob@example.org"], "From: alice@example.test\r\n\r\nhi\r\n");
    expect(plan.message.toString("latin1")).toMatch(/^Date: Wed, 4 Mar 2026 05:06:07 \+0000\r\n/m);
  });
});

describe("FinishStage with aliases", () => {
  // The checker refuses an aliases file with a loop; one edited after the check (or served with
  // `msac serve --compiled`) reaches the server as it is.
  const aliasesFile = path.join(path.dirname(KEY), "aliases");
  fs.writeFileSync(aliasesFile, "staff: bob@example.org\n");
  const lines = [...LINES, `aliases "${aliasesFile}"`];
  const withAliases = policy(...lines);
  const tables = prepareTables(withAliases, () => "staff: bob@example.org, carol@example.org\nloop1: loop2\nloop2: loop1\n").tables;

  async function messageTo(recipients: string[]) {
    const state = run(withAliases, session(withAliases, { tls: true, login: "alice" }), [mail("alice"), ...recipients.map((r) => rcpt(r))]).at(-1)!.state;
    const data = await readMessageData(Readable.from([Buffer.from("From: alice@example.test\r\n\r\nhi\r\n")]), { maxBytes: null });
    return decide(withAliases, state, { type: "message", ...data, now: new Date(0), queueId: "Q1", messageId: "<m@msa.example.test>" }, tables);
  }

  it("expands recipients through the table, each final address once", async () => {
    const decision = await messageTo(["staff@example.test", "carol@example.org"]);
    expect(decision.result!.envelope.recipients.map((r) => r.address)).toEqual(["bob@example.org", "carol@example.org"]);
    expect(decision.result!.expansions.map((e) => e.recipient)).toEqual(["staff@example.test"]);
  });

  it("refuses with 550 5.4.6 when a loop leaves no recipient, naming the aliases line, logged at stage aliases", async () => {
    const decision = await messageTo(["loop1@example.test"]);
    expect(outcome(decision)).toBe("550 5.4.6");
    expect(decidedBy(decision)).toBe(`${POLICY_FILE}:${lines.length}`);
    expect(logStage({ type: "message" } as SmtpEvent, decision)).toBe("aliases");
    // Beside a recipient that does go somewhere, the loop is dropped and the message goes on.
    const mixed = await messageTo(["loop1@example.test", "dave@example.org"]);
    expect(mixed.result!.envelope.recipients.map((r) => r.address)).toEqual(["dave@example.org"]);
  });
});

describe("DeliveryStage", () => {
  const deliver = async (outcomeOf: (plan: DeliveryPlan) => DeliveryEvent["outcome"]) => {
    const { plan, state } = await planFor(graph, ["bob@example.org"], "From: alice@mail.example.test\r\n\r\nhi\r\n");
    return decide(graph, state, { type: "delivery", plan, queueId: "Q1", outcome: outcomeOf(plan) });
  };

  it("answers 250 2.0.0 with the queue id once the message is taken (RFC 6409 section 4)", async () => {
    const decision = await deliver(() => ({ kind: "accepted", id: "Q1", detail: "250 ok" }));
    expect(decision.result).toEqual({ code: 250, enhanced: "2.0.0", text: "Ok: queued as Q1" });
  });

  it("passes a next hop's refusal on, a temporary one as 451, naming the deliver line", async () => {
    const permanent = await deliver(() => ({ kind: "permanent", code: 554, enhanced: "5.6.0", text: "127.0.0.1:2526 said: no" }));
    expect(outcome(permanent)).toBe("554 5.6.0");
    expect(decidedBy(permanent)).toBe(`${POLICY_FILE}:${lineOf(LINES, "deliver")}`);
    const temporary = await deliver(() => ({ kind: "temporary", code: 421, enhanced: "4.4.2", text: "127.0.0.1:2526 went away" }));
    expect(outcome(temporary)).toBe("451 4.4.2");
  });

  it("refuses with 451 4.3.0 a message that could not be signed, naming the signature that failed", async () => {
    const second = await deliver(() => ({ kind: "notSigned", reason: "engine failure", signature: { domain: "MAIL.example.test", selector: "TWO" } }));
    expect(outcome(second)).toBe("451 4.3.0");
    expect(decidedBy(second)).toBe(`${POLICY_FILE}:${lineOf(LINES, "sign dkim domain mail.example.test")}`);
    // A failure of the message as a whole (no From to sign) names the first signature that would have signed.
    const whole = await deliver(() => ({ kind: "notSigned", reason: "the message has no From field to sign" }));
    expect(decidedBy(whole)).toBe(`${POLICY_FILE}:${lineOf(LINES, "sign dkim domain example.test")}`);
  });
});
