// Tests for `msac fmt`: golden output for every shipped policy and each format
// fixture, idempotence, the formatted policy compiling to the same rule graph,
// and the exit statuses of --check and --write.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runFmt } from "../../cli/fmt.js";
import { compilePolicy } from "../../compiler/compile.js";
import { formatPolicy } from "../../tooling/format/format.js";
import { captureIo, expectGolden, shippedPolicies } from "./support.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

const FIXTURES = fs
  .readdirSync("test/tooling/fixtures/format")
  .filter((f) => f.endsWith(".msa"))
  .sort()
  .map((f) => path.join("test/tooling/fixtures/format", f));
const ALL = [...shippedPolicies(), ...FIXTURES];

function format(file: string, text = fs.readFileSync(file, "utf8")): string {
  const result = formatPolicy(file, text);
  if (!result.ok) throw new Error(`${file} did not format: ${result.reason ?? result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.text;
}

/** The graph without what moves when lines move (spans, lines) or the text changes (its hash). */
function graphShape(file: string, text: string): unknown {
  const graph = compilePolicy(file, text).graph;
  if (!graph) throw new Error(`${file} does not compile`);
  return JSON.parse(JSON.stringify(graph, (key, value) => (key === "span" || key === "line" || key === "sha256" ? undefined : value)));
}

describe.each(ALL)("%s", (file) => {
  it("formats as its golden file", () => {
    expectGolden(`fmt/${path.basename(file)}`, format(file));
  });

  it("is idempotent", () => {
    const once = format(file);
    expect(format(file, once)).toBe(once);
  });

  it("compiles to the same rule graph once formatted", () => {
    const text = fs.readFileSync(file, "utf8");
    if (!compilePolicy(file, text).graph) return expect(compilePolicy(file, format(file)).graph).toBeUndefined();
    expect(graphShape(file, format(file))).toEqual(graphShape(file, text));
  });
});

describe("layout", () => {
  it("keeps comments, indents blocks by two, aligns trailing comments and keeps one blank line", () => {
    const text = "hostname  a.example.test   # name\n\n\n\nsenders {\n\n demo :demo@a.example.test,b@a.example.test # two\n}\nlimit size 1MB\n";
    expect(format("x.msa", text)).toBe("hostname a.example.test  # name\n\nsenders {\n  demo: demo@a.example.test, b@a.example.test  # two\n}\nlimit size 1MB\n");
  });

  it("indents the rules of an `on` block by two, as a `senders` block", () => {
    const text = "on   2525,127.0.0.1:2526 {\nlimit size 50MB\n      allow unauthenticated   # the app server\n}\n";
    expect(format("x.msa", text)).toBe("on 2525, 127.0.0.1:2526 {\n  limit size 50MB\n  allow unauthenticated  # the app server\n}\n");
  });

  it("leaves a policy with syntax errors alone", () => {
    const result = formatPolicy("x.msa", "listen 587\nhostnme x\n");
    expect(result.ok).toBe(false);
  });

  it("is idempotent on any arrangement of spaces, tabs and blank lines around valid rules", () => {
    const rules = [
      "hostname msa.example.test",
      "listen 127.0.0.1:2525 plain",
      "allow unauthenticated",
      "limit size 10MB",
      "# a comment",
      "add Date",
      "senders {",
      "demo: demo@example.test, x@example.test",
      "}",
      "log info",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("", " ", "\t", "   "), fc.constantFrom("\n", "\n\n", "\r\n", "\n\n\n"), fc.constantFrom("", "  # trailing")), {
          minLength: rules.length,
          maxLength: rules.length,
        }),
        (layout) => {
          const text = rules.map((rule, i) => layout[i]![0] + rule + (rule.startsWith("#") || rule.endsWith("{") ? "" : layout[i]![2]) + layout[i]![1]).join("");
          const once = format("p.msa", text);
          expect(format("p.msa", once)).toBe(once);
          expect(graphShape("p.msa", once)).toEqual(graphShape("p.msa", text));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("msac fmt", () => {
  it("--check exits 1 for an unformatted file and 0 for a formatted one", () => {
    const io = captureIo();
    expect(runFmt(["test/tooling/fixtures/format/messy.msa"], { check: true }, io)).toBe(1);
    expect(io.out()).toContain("test/tooling/fixtures/format/messy.msa: not formatted");
    expect(runFmt(["test/tooling/fixtures/format/already-formatted.msa"], { check: true }, captureIo())).toBe(0);
  });

  it("--write rewrites in place, after which --check passes", () => {
    const dir = temporaryFolder("msa-fmt-");
    const file = path.join(dir, "p.msa");
    fs.copyFileSync("test/tooling/fixtures/format/messy.msa", file);
    expect(runFmt([file], { write: true }, captureIo())).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe(format("test/tooling/fixtures/format/messy.msa"));
    expect(runFmt([file], { check: true }, captureIo())).toBe(0);
  });

  it("exits 1 for a file with errors and 2 for a missing file", () => {
    const dir = temporaryFolder("msa-fmt-");
    fs.writeFileSync(path.join(dir, "bad.msa"), "hostnme x\n");
    const io = captureIo();
    expect(runFmt([path.join(dir, "bad.msa")], {}, io)).toBe(1);
    expect(io.err()).toContain("MSA1002");
    expect(runFmt([path.join(dir, "missing.msa")], {}, captureIo())).toBe(2);
  });
});
