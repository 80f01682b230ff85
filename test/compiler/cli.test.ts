// `msac check` and `msac compile` as processes (contract section 2): exit
// statuses, the text and JSON forms of diagnostics, and the compiled graph file.
// dist/ is built by test/globalSetup.ts before the suite runs.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GRAPH_FORMAT, GRAPH_VERSION } from "../../graph/graph.js";
import { loadGraph } from "../../graph/graphJson.js";
import { runCheck } from "../../cli/check.js";
import { compilePolicy } from "../../compiler/compile.js";
import { FOREIGN_SETTINGS, foreignSettingHint } from "../../compiler/foreignSettings.js";
import { captureIo, repoRoot } from "./golden.js";

const msac = path.join(repoRoot, "dist", "cli", "msac.js");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "msac-cli-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [msac, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const fixture = (name: string) => `test/fixtures/diagnostics/${name}`;
const golden = (name: string) => fs.readFileSync(path.join(repoRoot, fixture(name)), "utf8");

describe("msac check", () => {
  it("exits 0 and prints nothing for a clean policy", () => {
    expect(run("check", "policies/dev.msa")).toEqual({ status: 0, stdout: "", stderr: "" });
  });

  it("exits 0 with warnings only, printing them as the golden file shows", () => {
    const result = run("check", fixture("MSA4008-missing-hostname.msa"));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(golden("MSA4008-missing-hostname.txt"));
    expect(result.stdout).toMatch(/^test\/fixtures\/diagnostics\/MSA4008-missing-hostname\.msa:1:1: warning MSA4008: /);
  });

  it("exits 1 on errors, with the FILE:LINE:COL line, the excerpt and the caret", () => {
    const result = run("check", fixture("MSA3005-unknown-header.msa"));
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).toBe(golden("MSA3005-unknown-header.txt"));
    expect(result.stdout.split("\n").slice(0, 4)).toEqual([
      "test/fixtures/diagnostics/MSA3005-unknown-header.msa:5:5: error MSA3005: unknown header `Dat` in `add`",
      "5 | add Dat",
      "  |     ^^^",
      "  = help: did you mean `Date`?",
    ]);
    // Not a terminal: no colour.
    expect(result.stdout).not.toContain("\x1b[");
  });

  it("checks several files in one run and exits 1 when any has errors", () => {
    const result = run("check", "policies/dev.msa", fixture("MSA3005-unknown-header.msa"), fixture("MSA4008-missing-hostname.msa"));
    expect(result.status, result.stderr).toBe(1);
    expect(result.stdout).toContain("error MSA3005");
    expect(result.stdout).toContain("warning MSA4008");
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("1 error, 1 warning");
  });

  it("exits 2 when a file cannot be read, and still checks the others", () => {
    const missing = run("check", "no-such-policy.msa");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("msac: cannot read `no-such-policy.msa`: no such file\n");
    const folder = run("check", "policies");
    expect(folder.status).toBe(2);
    expect(folder.stderr).toContain("it is a folder");
    const mixed = run("check", "no-such-policy.msa", fixture("MSA3005-unknown-header.msa"));
    expect(mixed.status).toBe(2);
    expect(mixed.stdout).toContain("error MSA3005");
  });

  it("exits 2 on usage errors", () => {
    expect(run("check").status).toBe(2);
    expect(run("check", "--format", "xml", "policies/dev.msa").status).toBe(2);
    expect(run("check", "--no-such-option", "policies/dev.msa").status).toBe(2);
    expect(run("no-such-command").status).toBe(2);
  });

  it("prints the diagnostics as a JSON array with --format json", () => {
    const result = run("check", "--format", "json", fixture("MSA2002-conflicting-rules.msa"));
    expect(result.status, result.stderr).toBe(1);
    const diagnostics = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      file: "test/fixtures/diagnostics/MSA2002-conflicting-rules.msa",
      line: 6,
      column: 1,
      endLine: 6,
      endColumn: 16,
      severity: "error",
      code: "MSA2002",
      message: "conflicting `limit size` rules",
    });
    for (const field of ["file", "line", "column", "endLine", "endColumn", "severity", "code", "message"]) {
      expect(diagnostics[0], field).toHaveProperty(field);
    }
    expect(result.stdout).toBe(golden("MSA2002-conflicting-rules.json"));
  });

  it("reports a policy file that cannot be read as a JSON diagnostic with --format json", () => {
    const io = captureIo();
    const status = runCheck(["no-such-policy.msa"], { format: "json" }, io);
    expect(status).toBe(2);
    expect(JSON.parse(io.out())).toEqual([
      {
        file: "no-such-policy.msa",
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity: "error",
        code: "MSA5001",
        message: "policy file `no-such-policy.msa` does not exist",
      },
    ]);
    const folder = captureIo();
    expect(runCheck(["policies", "policies/dev.msa"], { format: "json" }, folder)).toBe(2);
    expect(JSON.parse(folder.out())).toMatchObject([{ file: "policies", code: "MSA5003", message: "policy file `policies` cannot be read: it is a folder" }]);
  });

  it("prints an empty JSON array for a clean policy", () => {
    expect(run("check", "--format", "json", "policies/dev.msa")).toEqual({ status: 0, stdout: "[]\n", stderr: "" });
  });
});

describe("msac check for a CI", () => {
  it("--deny-warnings exits 1 for a policy with warnings only, 0 for a clean one", () => {
    const warned = path.join(scratch, "warned.msa");
    // `add Sender` without `auth users` never applies: MSA4005, a warning.
    fs.writeFileSync(warned, "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\nadd Sender\n");
    expect(run("check", warned).status).toBe(0);
    const denied = run("check", "--deny-warnings", warned);
    expect(denied.status).toBe(1);
    expect(denied.stdout).toContain("warning MSA4005");
    expect(run("check", "--deny-warnings", "policies/dev.msa").status).toBe(0);
  });

  it("points a Postfix or Exim setting typed as a rule at the msa rule, whose example compiles", () => {
    const postfix = path.join(scratch, "postfix.msa");
    fs.writeFileSync(postfix, "message_size_limit = 10240000\n");
    // The value translates (10240000 bytes are 10000KiB): the hint names that rule, and the fix writes it.
    expect(run("check", postfix).stdout).toContain("= help: `message_size_limit` is Postfix's and Exim's setting; in msa: `limit size 10000KiB`");
    expect(foreignSettingHint("message_size_limit")).toBe("`message_size_limit` is Postfix's and Exim's setting; in msa: `limit size 10MB`");
    // Names of Object.prototype are not settings (the property test once found `__proto__` crashing the hint).
    for (const word of ["__proto__", "constructor", "toString"]) expect(foreignSettingHint(word), word).toBeUndefined();
    for (const [name, { rules }] of Object.entries(FOREIGN_SETTINGS)) {
      for (const rule of rules.filter((r) => !/\b[A-Z]{3,}\b|\.\.\./.test(r))) {
        const diagnostics = compilePolicy("p.msa", `${rule}\n`).diagnostics.filter((d) => /^MSA1/.test(d.code));
        expect(
          diagnostics.map((d) => d.message),
          `${name}: ${rule}`,
        ).toEqual([]);
      }
    }
  });
});

describe("msac graph", () => {
  it("draws a policy as Mermaid by default and as DOT on request; a broken policy exits 1 with its diagnostics", () => {
    const mermaid = run("graph", "policies/dev.msa");
    expect(mermaid.status).toBe(0);
    expect(mermaid.stdout).toMatch(/^flowchart TD\n {2}subgraph auth \["AUTH"\]/);
    const dot = run("graph", "policies/dev.msa", "--format", "dot");
    expect(dot.stdout).toMatch(/^digraph "policies\/dev\.msa" \{/);
    const broken = path.join(scratch, "broken.msa");
    fs.writeFileSync(broken, "hostname\n");
    const refused = run("graph", broken);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("error MSA");
  });
});

describe("msac compile", () => {
  it("writes the rule graph as versioned JSON with -o", () => {
    const out = path.join(scratch, "dev.json");
    const result = run("compile", "policies/dev.msa", "-o", out);
    expect(result).toEqual({ status: 0, stdout: "", stderr: "" });
    const json = JSON.parse(fs.readFileSync(out, "utf8")) as Record<string, unknown>;
    expect(json.format).toBe(GRAPH_FORMAT);
    expect(json.version).toBe(GRAPH_VERSION);
    // Relative paths are kept resolved, so the graph can be served from any folder (contract section 2).
    expect((json.tls as { certificate: string }).certificate).toBe(path.join(repoRoot, "policies", "certs", "dev.pem"));
    expect(loadGraph(fs.readFileSync(out, "utf8")).ok).toBe(true);
  });

  it("writes the graph to standard output without -o", () => {
    const result = run("compile", "policies/submission.msa");
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ format: GRAPH_FORMAT, version: GRAPH_VERSION });
  });

  it("exits 1 and writes nothing when the policy has errors", () => {
    const out = path.join(scratch, "broken.json");
    const result = run("compile", fixture("MSA3005-unknown-header.msa"), "-o", out);
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain("error MSA3005: unknown header `Dat` in `add`");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("compiles a policy with warnings, printing them on standard error", () => {
    const out = path.join(scratch, "warned.json");
    const result = run("compile", fixture("MSA4008-missing-hostname.msa"), "-o", out);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("warning MSA4008");
    expect(JSON.parse(fs.readFileSync(out, "utf8")).format).toBe(GRAPH_FORMAT);
  });

  it("exits 2 when the policy cannot be read or the usage is wrong", () => {
    expect(run("compile", "no-such-policy.msa", "-o", path.join(scratch, "x.json")).status).toBe(2);
    expect(run("compile").status).toBe(2);
  });
});
