// `msac graph`: the rule graph as Mermaid and DOT. Nodes appear in evaluation order with the policy
// line behind each; the picture of the reference policy in docs/rule-graph.md is what the code draws.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import { graphPicture } from "../../tooling/picture/graphPicture.js";
import { repoRoot, updating } from "../compiler/golden.js";

function graphOf(name: string) {
  const file = `policies/${name}`;
  const result = compilePolicy(file, fs.readFileSync(path.join(repoRoot, file), "utf8"));
  if (!result.graph) throw new Error(`${file} does not compile`);
  return result.graph;
}

describe("msac graph", () => {
  it("draws every node of a stage in evaluation order, each with its policy line, stage after stage", () => {
    const graph = graphOf("dev.msa");
    const mermaid = graphPicture(graph, "mermaid");
    const labels = [...mermaid.matchAll(/^ {4}(\w+)\["([^"]*)"\]$/gm)].map((m) => [m[1], m[2]]);
    const mail = labels.filter(([id]) => id!.startsWith("mail")).map(([, label]) => label!.split(" ")[0]);
    expect(mail).toEqual(["RequireTls", "RequireAuth", "QualifyEnvelope", "EnforceAddressSyntax", "RefuseUnqualified", "LimitSize"]);
    expect(mermaid).toContain('["RequireTls policies/dev.msa:11"]');
    expect(mermaid).toContain('["RefuseUnqualified (default: unqualified addresses are refused (RFC 6409 section 4.2))"]');
    // One chain through the session: the last check of MAIL leads to the first of RCPT.
    expect(mermaid).toContain(`  mail${mail.length - 1} --> rcpt0`);
    expect(mermaid).toMatch(/\["Spool policies\/dev\.msa:\d+"\]/);
  });

  it("says whom a rule for some logins or listeners judges", () => {
    const text = [
      "hostname msa.example.test",
      "listen 127.0.0.1:2525 plain",
      "listen 127.0.0.1:2526 plain",
      "allow unauthenticated",
      "limit size 10MB",
      "limit size 1MB for bob",
      "on 2526 {",
      "  limit size 50MB",
      "}",
      "",
    ].join("\n");
    const mermaid = graphPicture(compilePolicy("scoped.msa", text, null).graph!, "mermaid");
    expect(mermaid).toContain('["LimitSize scoped.msa:5"]');
    expect(mermaid).toContain('["LimitSize scoped.msa:6 for bob"]');
    expect(mermaid).toContain('["LimitSize scoped.msa:8 on 127.0.0.1:2526"]');
  });

  it("writes the same picture as Graphviz DOT", () => {
    const dot = graphPicture(graphOf("dev.msa"), "dot");
    expect(dot).toMatch(/^digraph "policies\/dev\.msa" \{\n/);
    expect(dot).toContain('    mail0 [label="RequireTls policies/dev.msa:11"];');
    expect(dot).toContain("  subgraph cluster_message {");
    expect(dot.trimEnd().endsWith("}")).toBe(true);
  });

  it("matches the picture of the reference policy in docs/rule-graph.md", () => {
    const doc = fs.readFileSync(path.join(repoRoot, "docs/rule-graph.md"), "utf8");
    const shown = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1];
    const actual = graphPicture(graphOf("submission.msa"), "mermaid");
    if (updating && shown)
      fs.writeFileSync(
        path.join(repoRoot, "docs/rule-graph.md"),
        doc.replace(shown, () => actual),
      );
    else expect(shown, "docs/rule-graph.md has a mermaid picture; regenerate it with UPDATE_GOLDEN=1").toBe(actual);
  });
});
