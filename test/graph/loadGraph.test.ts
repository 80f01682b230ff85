// loadGraph's refusals name the first wrong field of a compiled graph by its JSON path, so that
// whoever edited or damaged the file can find it (issue 14).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import { jsonPath, loadGraph, serializeGraph } from "../../graph/graphJson.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
// The reference policy: it has a `senders` table, so the graph holds a login-keyed record.
const file = "policies/submission.msa";
const policy = fs.readFileSync(path.join(ROOT, file), "utf8");

function tampered(change: (graph: Record<string, any>) => void): string {
  const graph = JSON.parse(serializeGraph(compilePolicy(file, policy).graph!)) as Record<string, any>;
  change(graph);
  return JSON.stringify(graph);
}

function refusal(change: (graph: Record<string, any>) => void): string {
  const result = loadGraph(tampered(change));
  if (result.ok) throw new Error("the tampered graph was accepted");
  return result.message;
}

describe("loadGraph", () => {
  it("accepts the graph the compiler writes", () => {
    expect(loadGraph(tampered(() => {})).ok).toBe(true);
  });

  it("names a field the schema does not know", () => {
    expect(refusal((g) => (g.stages.mail.before[0].observ = true))).toBe(
      "compiled policy has an unknown field `stages.mail.before[0].observ`; compile the policy again with this msac",
    );
  });

  it("says what a union that is not told apart by kind expects", () => {
    expect(refusal((g) => (g.workers = "many"))).toBe('compiled policy has a wrong field `workers`: expected number or "auto"; compile the policy again with this msac');
  });

  it("names a wrong value inside a login-keyed table", () => {
    expect(
      refusal((g) => {
        const rights = (g.stages.mail.after as { kind: string; senders: Record<string, unknown> }[]).find((n) => n.kind === "SubmissionRights")!;
        rights.senders.demo = "demo@example.com";
      }),
    ).toMatch(/^compiled policy has a wrong field `stages\.mail\.after\[\d+\]\.senders\.demo`: invalid input: expected array, received string;/);
  });

  it("refuses numbers the runtime would misuse", () => {
    expect(refusal((g) => (g.listeners[0].port = 70000))).toMatch(/^compiled policy has a wrong field `listeners\[0\]\.port`: too big: expected number to be <=65535;/);
    expect(refusal((g) => (g.limits.sessions.max = -5))).toMatch(/^compiled policy has a wrong field `limits\.sessions\.max`: too small: expected number to be >=0;/);
  });

  it("names the kind of an unknown node in a stage", () => {
    expect(refusal((g) => (g.stages.message.nodes[0].kind = "Teleport"))).toMatch(
      /^compiled policy has a wrong field `stages\.message\.nodes\[0\]\.kind`: invalid discriminator value; expected 'LimitSize' \| /,
    );
  });

  it("writes paths as a reader of the JSON would", () => {
    expect(jsonPath(["stages", "mail", 2, "kind"])).toBe("stages.mail[2].kind");
    expect(jsonPath(["senders", "bob smith", 0])).toBe('senders["bob smith"][0]');
    expect(jsonPath([0, "a"])).toBe("[0].a");
  });
});
