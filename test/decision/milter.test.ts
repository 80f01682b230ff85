// The decision core on milter answers (no socket): a refusal at RCPT takes back that recipient
// only and names the `milter` line; `on failure` decides about a milter that could not be asked;
// a discard before the message makes the message taken and thrown away.
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import { decide } from "../../runtime/decision/decide.js";
import { newSession, type SessionState } from "../../runtime/decision/session.js";

const graphOf = (milterLine: string) => {
  const text = ["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "allow unauthenticated", milterLine, ""].join("\n");
  const graph = compilePolicy("/srv/milter.msa", text).graph;
  if (!graph) throw new Error("policy does not compile");
  return graph;
};

const inTransaction: SessionState = {
  ...newSession("plain", "127.0.0.1"),
  transaction: {
    mailFrom: "alice@example.test",
    smtputf8: false,
    declaredSize: null,
    dsn: {},
    recipients: [
      { address: "bob@example.org", dsn: {} },
      { address: "carol@example.org", dsn: {} },
    ],
  },
};

describe("milter answers in the decision core", () => {
  const graph = graphOf("milter inet:127.0.0.1:11332");

  it("refuses the recipient a milter rejected, keeping the others, with the milter's line", () => {
    const decision = decide(graph, inTransaction, { type: "milter", stage: "rcpt", milter: 0, answer: { kind: "reject" } });
    expect(decision.verdict).toMatchObject({ kind: "refuse", reply: { code: 550, enhanced: "5.7.1" }, origin: { line: 4 } });
    expect(decision.state.transaction?.recipients.map((r) => r.address)).toEqual(["bob@example.org"]);
  });

  it("passes on the milter's own reply code", () => {
    const answer = { kind: "reply", code: 554, enhanced: "5.7.1", text: "Gtube pattern" } as const;
    expect(decide(graph, inTransaction, { type: "milter", stage: "mail", milter: 0, answer }).verdict).toMatchObject({
      reply: { code: 554, enhanced: "5.7.1", text: "Gtube pattern" },
    });
  });

  it("meets a milter that could not be asked with its `on failure`", () => {
    const failed = { kind: "failed", reason: "no answer within 30000 ms" } as const;
    const tempfail = decide(graph, inTransaction, { type: "milter", stage: "mail", milter: 0, answer: failed });
    expect(tempfail.verdict).toMatchObject({ kind: "refuse", reply: { code: 451, enhanced: "4.7.1" } });
    expect(tempfail.state.transaction).toBeNull();
    const accepting = graphOf("milter inet:127.0.0.1:11332 on failure accept");
    expect(decide(accepting, inTransaction, { type: "milter", stage: "mail", milter: 0, answer: failed }).verdict).toEqual({ kind: "accept" });
  });

  it("remembers a discard before the message", () => {
    const decision = decide(graph, inTransaction, { type: "milter", stage: "rcpt", milter: 0, answer: { kind: "discard" } });
    expect(decision.verdict).toEqual({ kind: "accept" });
    expect(decision.state.transaction?.discardedBy).toMatchObject({ line: 4 });
  });
});
