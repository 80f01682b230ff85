// The graph's order is the evaluation order (docs/rule-graph.md): each stage is one pass over its
// nodes as lower.ts placed them. Permuting a stage changes what the client hears, and the order
// lower.ts chose keeps an unauthenticated client from learning anything about an address. The
// checks no stage can do without are fixed fields: a graph without them does not load.
import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import type { RuleGraph } from "../../graph/graph.js";
import { loadGraph } from "../../graph/graphJson.js";
import { decide } from "../../runtime/decision/decide.js";
import { newSession } from "../../runtime/decision/session.js";
import { applyHeaderEdits } from "../../runtime/message/headerEdits.js";
import { readMessageData } from "../../runtime/message/readMessageData.js";
import { TLS_LINE, mail, policy, rcpt, run, session } from "./policy.js";

const LINES = [
  "hostname msa.example.test",
  TLS_LINE,
  "listen 127.0.0.1:2587 starttls",
  'auth users "users.passwd"',
  "require tls",
  "require auth",
  "allow postmaster",
  "enforce address syntax",
  "qualify domains example.test",
];

/** The stage with the nodes before its fixed unqualified-address refusal in reverse order. */
function reversed(graph: RuleGraph, stage: "mail" | "rcpt"): RuleGraph {
  const nodes = graph.stages[stage];
  return { ...graph, stages: { ...graph.stages, [stage]: { ...nodes, before: [...nodes.before].reverse() } } };
}

const codeOf = (graph: RuleGraph, tls: boolean, event: Parameters<typeof decide>[2]) => {
  let state = newSession(tls ? "tls" : "starttls", "192.0.2.1");
  if (event.type === "rcpt") state = decide(graph, state, { type: "mail", address: "someone@example.org", params: {} }).state;
  const { verdict } = decide(graph, state, event);
  return verdict.kind === "refuse" ? `${verdict.reply.code} ${verdict.reply.enhanced}` : "accept";
};

describe("graph order is evaluation order", () => {
  it("MAIL: require tls decides before the address syntax; reversed, the syntax does", () => {
    const graph = policy(...LINES);
    const mail = { type: "mail", address: "bad@@example.test", params: {} } as const;
    expect(codeOf(graph, false, mail)).toBe("530 5.7.0");
    expect(codeOf(reversed(graph, "mail"), false, mail)).toBe("501 5.1.7");
  });

  it("RCPT under allow postmaster: an unauthenticated client gets 530 for a malformed address, not its syntax error; reversed, it learns the syntax", () => {
    const graph = policy(...LINES);
    const rcpt = { type: "rcpt", address: "bad@@example.test", params: {} } as const;
    expect(codeOf(graph, true, rcpt)).toBe("530 5.7.0");
    expect(codeOf(reversed(graph, "rcpt"), true, rcpt)).toBe("501 5.1.3");
    // postmaster is still let through, in any case and without a domain
    expect(codeOf(graph, true, { type: "rcpt", address: "PostMaster", params: {} })).toBe("accept");
  });
});

describe("the message stage's order", () => {
  // Qualification completes `alice` with mail.example.test, masquerading then turns that host into example.test.
  const lines = [...LINES.filter((l) => !l.startsWith("qualify")), "qualify domains mail.example.test", "masquerade example.test in headers"];

  async function fromField(graph: RuleGraph): Promise<string> {
    const state = run(graph, session(graph, { tls: true, login: "alice" }), [mail("alice"), rcpt("bob@example.org")]).at(-1)!.state;
    const data = await readMessageData(Readable.from([Buffer.from("From: alice\r\n\r\nhi\r\n")]), { maxBytes: null });
    const decision = decide(graph, state, { type: "message", ...data, now: new Date(0), queueId: "Q", messageId: "<m@x>" });
    const plan = decision.result!;
    return /^From: (.*)$/m.exec(applyHeaderEdits(plan.bytes, plan.header, plan.edits).toString("latin1"))![1]!.trim();
  }

  it("qualifies header addresses before masquerading them; reversed, the host name stays", async () => {
    const graph = policy(...lines);
    expect(await fromField(graph)).toBe("alice@example.test");
    const message = graph.stages.message;
    expect(await fromField({ ...graph, stages: { ...graph.stages, message: { ...message, nodes: [...message.nodes].reverse() } } })).toBe("alice@mail.example.test");
  });
});

describe("the fixed checks of each stage", () => {
  it.each([
    ["mail", "refuseUnqualified"],
    ["rcpt", "refuseUnqualified"],
    ["message", "refuseBareLineEndings"],
    ["message", "checkHeaderSyntax"],
  ] as const)("a compiled graph without stages.%s.%s is refused when loaded, naming the field", (stage, field) => {
    const graph = JSON.parse(JSON.stringify(policy(...LINES)));
    delete graph.stages[stage][field];
    const loaded = loadGraph(JSON.stringify(graph));
    expect(loaded.ok).toBe(false);
    expect(JSON.stringify(loaded)).toContain(`stages.${stage}.${field}`);
  });
});
