// Tests for `msac test`: every policy in policies/ passes its own test file with
// full rule coverage (so `npm test` runs the policy tests), failures come with a
// diff, --min-coverage fails under its threshold, and the JSON report for CI.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runPolicyTests } from "../../cli/policyTest.js";
import { parseTestFile } from "../../tooling/policyTests/testFile.js";
import { captureIo, shippedPolicies } from "./support.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

async function msacTest(paths: string[], options: Parameters<typeof runPolicyTests>[1] = {}) {
  const io = captureIo();
  const status = await runPolicyTests(paths, options, io);
  return { status, out: io.out(), err: io.err() };
}

describe("the shipped policies", () => {
  it.each(shippedPolicies())("%s has a test file next to it", (policy) => {
    expect(fs.existsSync(`${policy}.test`)).toBe(true);
  });

  it("pass `msac test policies --min-coverage 100`", async () => {
    const result = await msacTest(["policies"], { coverage: true, minCoverage: "100" });
    expect(result.out).not.toContain("FAIL");
    expect(result.out).toMatch(/\d+ passed, 0 failed/);
    expect(result.status).toBe(0);
    for (const policy of shippedPolicies()) expect(result.out).toMatch(new RegExp(`coverage of ${policy}: (\\d+) of \\1 rules exercised \\(100%\\)`));
  });
});

describe("reports", () => {
  it("lists a failing case with the expected and actual lines and the trace", async () => {
    const result = await msacTest(["test/tooling/fixtures/failing"]);
    expect(result.status).toBe(1);
    expect(result.out).toContain(
      "  FAIL  a refused sender expected to pass\n        test/tooling/fixtures/failing/office-wrong.msa.test:10\n        - 250\n        + 550 5.7.1 Sender address not owned by the authenticated user\n",
    );
    expect(result.out).toContain(">>> rule test/tooling/fixtures/office.msa:11 SubmissionRights -> refuse (demo may not use boss@office.test)");
    expect(result.out).toContain("        - envelope from demo@office.test to carol@example.org\n        + envelope from demo@office.test to bob@example.org\n");
    expect(result.out).toContain("0 passed, 2 failed");
  });

  it("lists the rules no case exercised and fails under --min-coverage", async () => {
    const dir = temporaryFolder("msa-test-");
    const file = path.join(dir, "partial.msa.test");
    fs.writeFileSync(file, `policy ${path.resolve("test/tooling/fixtures/office.msa")}\ncase only EHLO and MAIL\n  EHLO x\n  MAIL FROM:<demo@office.test>\n  expect 530 5.7.0\n`);
    const result = await msacTest([file], { coverage: true, minCoverage: "80" });
    expect(result.status).toBe(1);
    expect(result.out).toContain("  pass  only EHLO and MAIL");
    expect(result.out).toMatch(/coverage of .*office\.msa: 1 of 9 rules exercised \(11\.1%\)/);
    expect(result.out).toMatch(/office\.msa:11 {2}SubmissionRights {2}`senders \{`/);
    expect(result.out).toMatch(/office\.msa:15 {2}LimitRecipients {2}`limit recipients 2`/);
    expect(result.out).toContain("is 11.1%, under --min-coverage 80%");
    const enough = await msacTest([file], { minCoverage: "10" });
    expect(enough.status).toBe(0);
  });

  it("names the senders entries no case used", async () => {
    const dir = temporaryFolder("msa-test-");
    const office = fs.readFileSync("test/tooling/fixtures/office.msa", "utf8").replace(/auth users "[^"]*"/, `auth users "${path.resolve("policies/users.passwd")}"`);
    fs.writeFileSync(
      path.join(dir, "two.msa"),
      office.replace("  demo: demo@office.test, sales@office.test", "  demo: demo@office.test, sales@office.test\n  nobody: nobody@office.test"),
    );
    const file = path.join(dir, "two.msa.test");
    fs.writeFileSync(file, `policy two.msa\ncase demo sends as sales\n  EHLO x\n  #auth demo\n  MAIL FROM:<sales@office.test>\n  expect 250 2.1.0\n`);
    const result = await msacTest([file], { coverage: true });
    expect(result.out).toMatch(/two\.msa:11 {2}SubmissionRights +1 pass\n {4}senders entries no case used: nobody\n/);
  });

  it("writes a JSON report", async () => {
    const result = await msacTest(["test/tooling/fixtures/failing", "test/tooling/fixtures/office.msa.test"], { format: "json", coverage: true });
    const report = JSON.parse(result.out);
    expect(report.passed).toBe(5);
    expect(report.failed).toBe(2);
    expect(report.files[0].cases[0]).toMatchObject({ name: "a refused sender expected to pass", passed: false, failures: [{ line: 10, expected: "250" }] });
    expect(report.coverage[0]).toMatchObject({ policy: "test/tooling/fixtures/office.msa", total: 9, exercised: 9 });
  });

  it("exits 2 for a path that does not exist", async () => {
    const result = await msacTest(["no/such/folder"]);
    expect(result.status).toBe(2);
    expect(result.err).toContain("cannot read `no/such/folder`");
  });
});

describe("the test file format", () => {
  it("reads cases, steps, messages with folded lines and expectations", () => {
    const parsed = parseTestFile(
      "x.msa.test",
      [
        "# comment",
        "case one",
        "  EHLO a",
        "  #auth demo",
        "  DATA",
        "  Subject: folded",
        "    continued",
        "",
        "  body",
        "  .",
        "  expect 250 2.0.0",
        "  expect envelope from <> to a@b.test, c@d.test",
        "  expect header Subject: folded continued",
        "  expect no header Bcc",
      ].join("\n"),
    );
    expect(parsed.problems).toEqual([]);
    const items = parsed.cases[0]!.items;
    expect(items.map((i) => i.step.kind)).toEqual(["command", "auth", "data"]);
    const data = items[2]!;
    expect(data.step.kind === "data" && data.step.message).toEqual(["Subject: folded", "  continued", "", "body"]);
    expect(data.expectations.map((e) => e.kind)).toEqual(["reply", "envelope", "header", "header"]);
    expect(data.expectations[1]).toMatchObject({ from: "", to: ["a@b.test", "c@d.test"] });
  });

  it("reports mistakes with their lines", () => {
    const parsed = parseTestFile("x.msa.test", "  EHLO a\ncase c\n  expect 250\n  EHLO b\n  expect something\nbogus\n");
    expect(parsed.problems.map((p) => p.line)).toEqual([1, 3, 5, 6]);
  });
});

describe("misspelt words in a test file", () => {
  const office = path.resolve("test/tooling/fixtures/office.msa");
  const misspelt = [
    `policy ${office}`,
    "case a misspelt directive and keyword",
    "  #tsl",
    "  EHLO laptop.example",
    "  #atuh demo",
    "  MAIL FROM:<demo@office.test>",
    "  expcet 250",
    "  # a comment, with a space after `#`",
    "csae another",
    "",
  ].join("\n");

  it("are errors with the nearest known word, not comments or SMTP commands", () => {
    expect(parseTestFile("x.msa.test", misspelt).problems).toEqual([
      { line: 3, message: "unknown directive `#tsl`; did you mean `#tls`? (a comment starts with `# `)" },
      { line: 5, message: "unknown directive `#atuh`; did you mean `#auth`? (a comment starts with `# `)" },
      { line: 7, message: "unknown keyword `expcet`; did you mean `expect`?" },
      { line: 9, message: "unknown keyword `csae`; did you mean `case`?" },
    ]);
  });

  it("make `msac test` fail instead of passing the case", async () => {
    const folder = temporaryFolder("msac-test-typos-");
    fs.writeFileSync(path.join(folder, "typos.msa.test"), misspelt.replace("\ncsae another\n", "\n"));
    const result = await msacTest([folder]);
    expect(result.status).not.toBe(0);
    expect(result.out).toContain("typos.msa.test:3: unknown directive `#tsl`; did you mean `#tls`?");
    expect(result.out).toContain("typos.msa.test:7: unknown keyword `expcet`; did you mean `expect`?");
  });
});
