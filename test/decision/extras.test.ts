// Decision core, the rest of RFC 6409 and observe-only rules: grants @domain and *, sender
// mismatch, senders in headers, recipient limits, masquerading, removed fields, message syntax,
// aliases-free paths, `add Received private`, senders tables from files, and observations.
import { describe, expect, it } from "vitest";
import { compileSenderGrants } from "../../runtime/rights/senderGrants.js";
import { prepareTables } from "../../runtime/decision/tables.js";
import type { MessagePlan } from "../../runtime/decision/messageStage.js";
import type { Decision } from "../../runtime/decision/verdict.js";
import { applyHeaderEdits } from "../../runtime/message/headerEdits.js";
import { decide, type SmtpEvent } from "../../runtime/decision/decide.js";
import type { RuleGraph } from "../../graph/graph.js";
import { POLICY_FILE, decidedBy, lineOf, mail, outcome, policy, rcpt, run, session } from "./policy.js";

const BASE = ["hostname msa.example.test", "listen 127.0.0.1:2525 plain", 'auth users "users.passwd"', "require auth", "qualify domains example.test"];
const at = (lines: string[], prefix: string) => `${POLICY_FILE}:${lineOf(lines, prefix)}`;

function message(text: string): SmtpEvent {
  const bytes = Buffer.from(text.replace(/\n/g, "\r\n"));
  return {
    type: "message",
    bytes,
    size: bytes.length,
    tooBig: false,
    bareLineEnding: null,
    now: new Date("2026-01-01T12:00:00Z"),
    queueId: "Q1",
    messageId: "<id@msa.example.test>",
  };
}
/** The message as delivered, when the decision accepted it. */
function delivered(d: Decision<unknown>, text: string): string {
  const plan = d.result as MessagePlan;
  return applyHeaderEdits(Buffer.from(text.replace(/\n/g, "\r\n")), plan.header, plan.edits).toString();
}
function transaction(graph: RuleGraph, login: string, from: string, body: string, to = "bob@example.test") {
  const events = [mail(from), rcpt(to), message(body)];
  return run(graph, session(graph, { login }), events);
}

const RIGHTS = [...BASE, "senders {", "  alice: alice@example.test, @sales.example.test", "  ops: *", "}"];

describe("SubmissionRights grants", () => {
  const g = policy(...RIGHTS);
  it("grants every address at exactly an @domain", () => {
    expect(outcome(run(g, session(g, { login: "alice" }), [mail("anyone@sales.example.test")])[0]!)).toBe("accept");
    expect(outcome(run(g, session(g, { login: "alice" }), [mail("anyone@SALES.example.test")])[0]!)).toBe("accept");
    const [sub] = run(g, session(g, { login: "alice" }), [mail("anyone@eu.sales.example.test")]);
    expect(outcome(sub!)).toBe("550 5.7.1");
    expect(decidedBy(sub!)).toBe(at(RIGHTS, "senders"));
  });
  it("grants everything with *", () => {
    expect(outcome(run(g, session(g, { login: "ops" }), [mail("whoever@elsewhere.example")])[0]!)).toBe("accept");
  });
  it("a login without a line may use only its own address", () => {
    expect(outcome(run(g, session(g, { login: "bob" }), [mail("bob")])[0]!)).toBe("accept");
    expect(outcome(run(g, session(g, { login: "bob" }), [mail("alice@example.test")])[0]!)).toBe("550 5.7.1");
  });
  it("takes a senders file's table from the injected tables, not the inline block", () => {
    const withFile = policy(...RIGHTS);
    const node = withFile.stages.mail.after.find((n) => n.kind === "SubmissionRights")!;
    if (node.kind !== "SubmissionRights") throw new Error("no rights node");
    node.file = "/srv/senders.map";
    const prepared = prepareTables(withFile, (p) => {
      expect(p).toBe("/srv/senders.map");
      return "alice: @other.example\n";
    });
    expect(prepared.problems).toEqual([]);
    const state = session(withFile, { login: "alice" });
    expect(outcome(decide(withFile, state, mail("x@other.example"), prepared.tables))).toBe("accept");
    expect(outcome(decide(withFile, state, mail("alice@example.test"), prepared.tables))).toBe("550 5.7.1");
    // Without tables the inline block decides.
    expect(outcome(decide(withFile, state, mail("alice@example.test")))).toBe("accept");
    const broken = prepareTables(withFile, () => "alice @x\n");
    expect(broken.problems).toHaveLength(1);
    expect(broken.tables.sendersFiles?.size).toBe(0);
    expect(compileSenderGrants([])).toBeTruthy();
  });
});

describe("allow sender mismatch", () => {
  const lines = [...RIGHTS, "allow sender mismatch"];
  const g = policy(...lines);
  const body = "From: Boss <boss@example.test>\nSubject: hi\n\nbody\n";
  it("accepts a MAIL FROM the login may not use and adds Sender: with its own address", () => {
    const [m, , d] = transaction(g, "alice", "boss@example.test", body);
    expect(outcome(m!)).toBe("accept");
    expect(m!.trace.find((s) => s.node === "SubmissionRights")).toMatchObject({ outcome: "change" });
    expect(outcome(d!)).toBe("accept");
    expect(delivered(d!, body)).toContain("Sender: alice@example.test\r\n");
    expect(d!.trace.find((s) => s.node === "SenderMismatch")?.origin.line).toBe(lineOf(lines, "senders"));
  });
  it("adds no Sender: when the MAIL FROM is the login's to use, nor a second one", () => {
    const [, , ok] = transaction(g, "alice", "alice@example.test", body);
    expect(delivered(ok!, body)).not.toContain("Sender:");
    const withSender = "From: boss@example.test\nSender: alice@example.test\n\nx\n";
    const [, , d] = transaction(g, "alice", "boss@example.test", withSender);
    expect(delivered(d!, withSender).match(/^Sender:/gm)).toHaveLength(1);
  });
  it("never adds two Sender: fields together with add Sender", () => {
    const both = policy(...lines, "add Sender");
    const [, , d] = transaction(both, "alice", "boss@example.test", body);
    expect(delivered(d!, body).match(/^Sender:/gm)).toHaveLength(1);
  });
  it("refuses when the login has no own address to name", () => {
    const noQualify = policy(
      "hostname msa.example.test",
      "listen 127.0.0.1:2525 plain",
      'auth users "users.passwd"',
      "require auth",
      "senders {",
      "  alice: alice@example.test",
      "}",
      "allow sender mismatch",
    );
    expect(outcome(run(noQualify, session(noQualify, { login: "carol" }), [mail("x@example.test")])[0]!)).toBe("550 5.7.1");
  });
});

describe("enforce senders in headers", () => {
  const lines = [...RIGHTS, "enforce senders in headers"];
  const g = policy(...lines);
  it("refuses From: addresses the login may not use with 550 5.7.1 after DATA, naming the rule", () => {
    const [m, , d] = transaction(g, "alice", "alice@example.test", "From: ceo@example.test\n\nx\n");
    expect(outcome(m!)).toBe("accept");
    expect(outcome(d!)).toBe("550 5.7.1");
    expect(decidedBy(d!)).toBe(at(lines, "enforce senders"));
    expect(d!.trace.at(-1)!.detail).toContain("From: ceo@example.test");
  });
  it("compares qualified header addresses and accepts granted ones", () => {
    expect(outcome(transaction(g, "alice", "alice@example.test", "From: alice\n\nx\n")[2]!)).toBe("accept");
    expect(outcome(transaction(g, "alice", "alice@example.test", "From: x@sales.example.test\nSender: alice@example.test\n\nx\n")[2]!)).toBe("accept");
  });
  it("refuses a Sender: the login may not use", () => {
    expect(outcome(transaction(g, "alice", "alice@example.test", "From: alice@example.test\nSender: mallory@example.test\n\nx\n")[2]!)).toBe("550 5.7.1");
  });
  it("with allow sender mismatch: a foreign From: gets a Sender:, a foreign Sender: is still refused", () => {
    const lax = policy(...lines, "allow sender mismatch");
    const body = "From: ceo@example.test\n\nx\n";
    const [, , d] = transaction(lax, "alice", "alice@example.test", body);
    expect(outcome(d!)).toBe("accept");
    expect(delivered(d!, body)).toContain("Sender: alice@example.test\r\n");
    expect(outcome(transaction(lax, "alice", "alice@example.test", "From: ceo@example.test\nSender: cfo@example.test\n\nx\n")[2]!)).toBe("550 5.7.1");
  });
});

describe("limit recipients to", () => {
  const lines = [...BASE, "limit recipients to @example.test, partner.example for alice, bob"];
  const g = policy(...lines);
  it("refuses targets outside the list for the listed logins with 550 5.7.1 at RCPT", () => {
    const [, inside, partner, outside] = run(g, session(g, { login: "alice" }), [mail("alice"), rcpt("carol@example.test"), rcpt("x@partner.example"), rcpt("x@gmail.example")]);
    expect(outcome(inside!)).toBe("accept");
    expect(outcome(partner!)).toBe("accept");
    expect(outcome(outside!)).toBe("550 5.7.1");
    expect(decidedBy(outside!)).toBe(at(lines, "limit recipients"));
  });
  it("does not apply to other logins", () => {
    const [, r] = run(g, session(g, { login: "carol" }), [mail("carol"), rcpt("x@gmail.example")]);
    expect(outcome(r!)).toBe("accept");
    expect(r!.trace.find((s) => s.node === "RecipientsTo")?.outcome).toBe("skip");
  });
});

describe("masquerade", () => {
  const lines = [...BASE, "masquerade example.test except mail.example.test"];
  const g = policy(...lines);
  it("rewrites MAIL FROM after the rights check and keeps excepted hosts", () => {
    const [m] = run(g, session(g, { login: "alice@host7.example.test" }), [mail("alice@host7.example.test")]);
    expect(outcome(m!)).toBe("accept");
    expect(m!.result).toBe("alice@example.test");
    expect(m!.state.transaction?.mailFrom).toBe("alice@example.test");
    expect(run(g, session(g, { login: "alice" }), [mail("x@mail.example.test")])[0]!.result).toBe("x@mail.example.test");
  });
  it("rewrites From: with its qualification in one edit", () => {
    const body = "From: Alice <alice@host7>\nTo: bob\n\nx\n";
    const [, , d] = transaction(g, "alice", "alice", body);
    const plan = d!.result as MessagePlan;
    const fromIndex = plan.header.fields.findIndex((f) => f.name === "From");
    expect(plan.edits.filter((e) => e.kind === "replace" && e.index === fromIndex)).toHaveLength(1);
    expect(delivered(d!, body)).toContain("From: Alice <alice@example.test>\r\n");
    expect(delivered(d!, body)).toContain("To: bob@example.test\r\n");
  });
});

describe("remove header", () => {
  const lines = [...BASE, "remove header Bcc, X-Originating-IP"];
  const g = policy(...lines);
  it("removes the fields (even when qualification would rewrite them) and reports their names only", () => {
    const body = "From: alice@example.test\nBcc: secret\nX-Originating-IP: [192.0.2.9]\nSubject: s\n\nx\n";
    const [, , d] = transaction(g, "alice", "alice", body);
    expect(outcome(d!)).toBe("accept");
    const out = delivered(d!, body);
    expect(out).not.toMatch(/^Bcc:/m);
    expect(out).not.toContain("X-Originating-IP");
    expect(out).toContain("Subject: s\r\n");
    expect((d!.result as MessagePlan).removed).toEqual(["Bcc", "X-Originating-IP"]);
  });
});

describe("enforce message syntax", () => {
  const lines = [...BASE, "enforce message syntax"];
  const g = policy(...lines);
  it("refuses a message without From: with 554 5.6.0 and the reason", () => {
    const [, , d] = transaction(g, "alice", "alice", "Subject: s\n\nx\n");
    expect(outcome(d!)).toBe("554 5.6.0");
    expect(decidedBy(d!)).toBe(at(lines, "enforce message syntax"));
    if (d!.verdict.kind === "refuse") expect(d!.verdict.reply.text).toContain("From");
  });
  it("refuses two Subject: fields and accepts a proper message", () => {
    expect(outcome(transaction(g, "alice", "alice", "From: a@example.test\nSubject: 1\nSubject: 2\n\nx\n")[2]!)).toBe("554 5.6.0");
    expect(outcome(transaction(g, "alice", "alice", "From: a@example.test\nSubject: 1\n\nx\n")[2]!)).toBe("accept");
  });
});

describe("add Received private", () => {
  it("leaves the client IP out for authenticated sessions only", () => {
    const g = policy(...BASE.filter((l) => l !== "require auth"), "add Received private");
    const body = "From: a@example.test\n\nx\n";
    const authed = delivered(transaction(g, "alice", "alice", body)[2]!, body);
    expect(authed).toMatch(/^Received: /);
    expect(authed).not.toContain("192.0.2.7");
    const anonymous = run(g, session(g), [mail("x@example.test"), rcpt("bob@example.test"), message(body)]);
    expect(delivered(anonymous[2]!, body)).toContain("192.0.2.7");
    const open = policy(...BASE, "add Received");
    expect(delivered(transaction(open, "alice", "alice", body)[2]!, body)).toContain("192.0.2.7");
  });
});

describe("observe RULE", () => {
  it("records what require tls and require auth would refuse, and goes on", () => {
    const lines = ["hostname msa.example.test", "listen 127.0.0.1:2525 plain", 'auth users "users.passwd"', "qualify domains example.test", "observe require auth"];
    const g = policy(...lines);
    const [m, r] = run(g, session(g), [mail("x@example.test"), rcpt("bob@example.test")]);
    expect(outcome(m!)).toBe("accept");
    expect(m!.observations).toEqual([expect.objectContaining({ reply: expect.objectContaining({ code: 530, enhanced: "5.7.0" }) })]);
    expect(m!.observations![0]!.origin.line).toBe(lineOf(lines, "observe require auth"));
    expect(m!.trace.find((s) => s.node === "RequireAuth")?.outcome).toBe("observe");
    expect(outcome(r!)).toBe("accept");
  });
  it("observes submission rights, recipient limits, sizes, syntax and message syntax", () => {
    const lines = [
      ...BASE,
      "observe enforce address syntax",
      "observe senders {",
      "  alice: alice@example.test",
      "}",
      "observe limit recipients 1",
      "observe limit recipients to @example.test",
      "observe limit size 100B",
      "observe enforce message syntax",
    ];
    const g = policy(...lines);
    const big = "Subject: " + "x".repeat(200) + "\n\nx\n";
    const [m, r1, r2, d] = run(g, session(g, { login: "alice" }), [mail("boss@example.test", { SIZE: "500" }), rcpt("a@elsewhere.example"), rcpt("b@example.test"), message(big)]);
    for (const x of [m, r1, r2, d]) expect(outcome(x!)).toBe("accept");
    expect(m!.observations!.map((o) => `${o.reply.code} ${o.reply.enhanced}`)).toEqual(["550 5.7.1", "552 5.3.4"]);
    expect(r1!.observations!.map((o) => `${o.reply.code} ${o.reply.enhanced}`)).toEqual(["550 5.7.1"]);
    expect(r2!.observations!.map((o) => `${o.reply.code} ${o.reply.enhanced}`)).toEqual(["452 4.5.3"]);
    expect(d!.observations!.map((o) => `${o.reply.code} ${o.reply.enhanced}`)).toEqual(["552 5.3.4", "554 5.6.0"]);
    const [bad] = run(g, session(g, { login: "alice" }), [mail("not an address@@")]);
    expect(bad!.observations?.[0]?.reply.code).toBe(501);
  });
  it("an observe rule does not hide a refusal by a rule that is not observed", () => {
    const lines = [...BASE.filter((l) => l !== "require auth"), "observe require auth", "enforce address syntax"];
    const g = policy(...lines);
    const [m] = run(g, session(g), [mail("a@@b")]);
    expect(outcome(m!)).toBe("501 5.1.7");
    expect(m!.observations).toHaveLength(1);
  });
  it("has no observations when nothing was observed", () => {
    const g = policy(...BASE);
    expect(run(g, session(g, { login: "alice" }), [mail("alice")])[0]!.observations).toBeUndefined();
  });
});
