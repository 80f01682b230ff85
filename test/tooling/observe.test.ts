// Observe-only rules in the tooling: `msac simulate` shows `-> observe` and goes on, `msac test`
// checks `expect would-refuse CODE ENH` and counts observe outcomes in coverage, `msac print`
// keeps the `observe` prefix; aliases expand in simulated deliveries.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import { coverageOf, runTestFile } from "../../tooling/policyTests/run.js";
import { parseTestFile } from "../../tooling/policyTests/testFile.js";
import { printPolicy } from "../../tooling/print/print.js";
import { renderSimulation } from "../../tooling/simulate/render.js";
import { parseScript } from "../../tooling/simulate/script.js";
import { simulate } from "../../tooling/simulate/session.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-observe-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dir, "users.passwd"), "alice:$2y$04$XBry38Mga1WHP0VBs0cQdOCOhshu7m.qhlFw7ll9oN9xc6kxXcIi.\n");
fs.writeFileSync(path.join(dir, "aliases"), "sales: alice, carol@example.org\n");
const POLICY =
  [
    "hostname msa.example.test",
    "listen 127.0.0.1:2525 plain",
    'auth users "users.passwd"',
    "qualify domains example.test",
    "observe require auth",
    "observe limit recipients to @example.test",
    'aliases "aliases"',
    'deliver spool "spool"',
  ].join("\n") + "\n";
const policyFile = path.join(dir, "observe.msa");
fs.writeFileSync(policyFile, POLICY);
const graph = compilePolicy(policyFile, POLICY).graph!;

const SESSION = [
  "EHLO client.example",
  "MAIL FROM:<x@example.test>",
  "RCPT TO:<y@elsewhere.example>",
  "RCPT TO:<sales>",
  "DATA",
  "From: x@example.test",
  "",
  "hi",
  ".",
  "QUIT",
].join("\n");

describe("observe in msac simulate", () => {
  it("shows -> observe and takes the mail", async () => {
    const sim = await simulate(graph, parseScript(SESSION).steps);
    const text = renderSimulation(sim, "decisions");
    expect(text).toContain(`>>> rule ${policyFile}:5 RequireAuth -> observe`);
    expect(text).toContain(`>>> rule ${policyFile}:6 RecipientsTo -> observe (an unauthenticated session may not send to y@elsewhere.example)`);
    expect(text).toMatch(/S: 250 2\.0\.0 Ok: queued/);
    expect(sim.exchanges[1]!.observations.map((o) => o.reply.code)).toEqual([530]);
  });
  it("expands aliases in the simulated delivery", async () => {
    const sim = await simulate(graph, parseScript(SESSION).steps);
    const data = sim.exchanges.find((e) => e.delivered)!;
    expect(data.delivered!.recipients).toEqual(["y@elsewhere.example", "alice@example.test", "carol@example.org"]);
    expect(renderSimulation(sim, "decisions")).toContain("Aliases -> change (sales@example.test -> alice@example.test, carol@example.org)");
  });
});

describe("observe in msac test", () => {
  it("parses expect would-refuse", () => {
    const parsed = parseTestFile("t.msa.test", "case c\n  MAIL FROM:<a@b>\n  expect would-refuse 550 5.7.1\n");
    expect(parsed.problems).toEqual([]);
    expect(parsed.cases[0]!.items[0]!.expectations[0]).toMatchObject({ kind: "wouldRefuse", code: 550, enhanced: "5.7.1" });
  });
  it("passes a right would-refuse, fails a wrong one, and counts observe outcomes", async () => {
    const testFile = path.join(dir, "observe.msa.test");
    fs.writeFileSync(
      testFile,
      [
        "case observed",
        "  EHLO client.example",
        "  MAIL FROM:<x@example.test>",
        "  expect 250",
        "  expect would-refuse 530 5.7.0",
        "  RCPT TO:<y@elsewhere.example>",
        "  expect would-refuse 550 5.7.1",
        "  RCPT TO:<y@example.test>",
        "  expect would-refuse 550",
      ].join("\n") + "\n",
    );
    const result = await runTestFile(testFile);
    expect(result.problems).toEqual([]);
    const failures = result.cases[0]!.failures;
    expect(failures).toHaveLength(1);
    expect(failures[0]!.line).toBe(9);
    // Only require auth (530) would have refused that recipient, which the limit admits.
    expect(failures[0]!.actual).toEqual([`would refuse 530 5.7.0 (${policyFile}:5)`]);
    const coverage = coverageOf(policyFile, graph, POLICY, result.trace);
    expect(coverage.rules.find((r) => r.line === 6)!.outcomes).toMatchObject({ observe: 1, pass: 1 });
    expect(coverage.rules.find((r) => r.line === 5)!.outcomes.observe).toBeGreaterThan(0);
  });
});

describe("observe in msac print", () => {
  it("prints the observe prefix", () => {
    expect(printPolicy(graph, { hostnameWritten: true })).toContain("observe require auth");
  });
});
