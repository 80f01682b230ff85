// Snapshots of the compiled rule graph of every policy in policies/ (paths made
// relative to the repository, nothing else dropped), and the versioned JSON
// round trip: what `msac compile` writes, the loader reads back.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import { GRAPH_FORMAT, GRAPH_VERSION } from "../../graph/graph.js";
import { loadGraph, serializeGraph } from "../../graph/graphJson.js";
import { expectGolden, repoRoot, updating } from "./golden.js";

const policies = fs
  .readdirSync(path.join(repoRoot, "policies"))
  .filter((f) => f.endsWith(".msa"))
  .sort();

/** The graph as JSON with every absolute path under the repository made relative to it. */
function normalised(json: string): string {
  const value = JSON.parse(json, (_key, v: unknown) => (typeof v === "string" && v.startsWith(repoRoot + path.sep) ? path.relative(repoRoot, v).split(path.sep).join("/") : v));
  return JSON.stringify(value, null, 2) + "\n";
}

function compileRepoPolicy(name: string) {
  const file = `policies/${name}`;
  return compilePolicy(file, fs.readFileSync(path.join(repoRoot, file), "utf8"));
}

describe("compiled graphs of policies/", () => {
  it("finds the policies", () => {
    expect(policies).toEqual(expect.arrayContaining(["dev.msa", "submission.msa", "office.msa", "corporate.msa"]));
  });

  it.each(policies)("%s", (name) => {
    const result = compileRepoPolicy(name);
    expect(result.diagnostics).toEqual([]);
    const json = normalised(serializeGraph(result.graph!));
    expect(json).not.toContain(repoRoot);
    // the schema that `msac serve --compiled` checks accepts every graph the compiler writes
    expect(loadGraph(serializeGraph(result.graph!))).toMatchObject({ ok: true });
    expectGolden(`test/fixtures/graphs/${name.replace(/\.msa$/, ".json")}`, json);
  });
});

describe("the graph on disk", () => {
  const graph = compileRepoPolicy("dev.msa").graph!;

  it("round-trips through serializeGraph and loadGraph", () => {
    const loaded = loadGraph(serializeGraph(graph));
    expect(loaded).toEqual({ ok: true, graph: JSON.parse(serializeGraph(graph)) });
  });

  it("carries format, version and the policy's hash at the top", () => {
    const json = JSON.parse(serializeGraph(graph)) as Record<string, unknown>;
    expect(Object.keys(json).slice(0, 3)).toEqual(["format", "version", "source"]);
    expect(json.format).toBe(GRAPH_FORMAT);
    expect(json.version).toBe(GRAPH_VERSION);
    expect((json.source as { sha256: string }).sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses an unknown version with a message that says what to do", () => {
    const newer = { ...JSON.parse(serializeGraph(graph)), version: GRAPH_VERSION + 1 };
    const result = loadGraph(JSON.stringify(newer));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe(
      `compiled policy version ${GRAPH_VERSION + 1} is not supported (this msac reads version ${GRAPH_VERSION}); compile the policy again with this msac`,
    );
  });

  it("refuses text that is not a compiled policy", () => {
    expect(loadGraph("not json")).toMatchObject({ ok: false, message: expect.stringMatching(/^not a compiled policy: /) });
    expect(loadGraph("null")).toMatchObject({ ok: false, message: "not a compiled policy: the `format` field is not `msa-rule-graph`" });
    expect(loadGraph(JSON.stringify({ format: "something-else", version: 1 }))).toMatchObject({ ok: false });
    const incomplete = { format: GRAPH_FORMAT, version: GRAPH_VERSION };
    expect(loadGraph(JSON.stringify(incomplete))).toMatchObject({ ok: false, message: expect.stringContaining("missing `source`") });
  });
});

describe("docs/rule-graph.md", () => {
  it("shows the graph its example policy really compiles to", () => {
    const doc = fs.readFileSync(path.join(repoRoot, "docs/rule-graph.md"), "utf8");
    const policy = /```msa\n([\s\S]*?)```/.exec(doc)?.[1];
    const shown = /```json\n(\{\n[\s\S]*?\n\}\n)```/.exec(doc)?.[1];
    expect(policy && shown).toBeTruthy();
    const fixtures = path.join(repoRoot, "test/fixtures/diagnostics");
    const result = compilePolicy("/srv/msa/example.msa", policy!, {
      readFile(file) {
        const name = file.endsWith(".pem") ? "test.pem" : file.endsWith(".key") ? "test.key" : "users.passwd";
        const text = fs.readFileSync(path.join(fixtures, name), "utf8");
        // The example's `senders` names alice, so the users file has her too.
        return {
          ok: true,
          text:
            name === "users.passwd"
              ? text +
                text
                  .replace(/^demo:/m, "alice:")
                  .split("\n")
                  .find((l) => l.startsWith("alice:")) +
                "\n"
              : text,
        };
      },
    });
    expect(result.diagnostics).toEqual([]);
    const actual = serializeGraph(result.graph!);
    if (updating)
      fs.writeFileSync(
        path.join(repoRoot, "docs/rule-graph.md"),
        doc.replace(shown!, () => actual),
      );
    else expect(actual, "regenerate the example in docs/rule-graph.md with UPDATE_GOLDEN=1").toBe(shown);
  });
});
