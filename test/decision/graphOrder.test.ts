// The graph's order is the evaluation order (docs/rule-graph.md): each stage is one pass over its
// nodes as lower.ts placed them. Permuting a stage changes what the client hears, and the order
// lower.ts chose keeps an unauthenticated client from learning anything about an address.
import { describe, expect, it } from "vitest";
import type { RuleGraph } from "../../graph/graph.js";
import { decide } from "../../runtime/decision/decide.js";
import { newSession } from "../../runtime/decision/session.js";
import { TLS_LINE, policy } from "./policy.js";

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

function reversed(graph: RuleGraph, stage: "mail" | "rcpt"): RuleGraph {
  return { ...graph, stages: { ...graph.stages, [stage]: [...graph.stages[stage]].reverse() } };
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
