// Tests for `msac analyze`: seeded broken policies are each found, and the `msac simulate`
// command printed for a finding, run through the simulate command, really shows the session
// accepted (or refused, for a rule set that refuses everything); the shipped policies are clean;
// the bound on session classes is said; bad input gets a clear error.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runAnalyze } from "../../cli/analyze.js";
import { runSimulate, type SimulateOptions } from "../../cli/simulate.js";
import { compilePolicy } from "../../compiler/compile.js";
import { analyzeGraph } from "../../tooling/analyze/analyze.js";
import { captureIo, expectDocBlock, shippedPolicies } from "./support.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

const SEEDED = "test/fixtures/analyze";
const CERTS = path.resolve("policies/certs");
const USERS = path.resolve("policies/users.passwd");

interface JsonFinding {
  rule: string | null;
  missing?: string;
  explanation: string;
  simulate?: string;
}
interface JsonProperty {
  id: string;
  status: "proved" | "refuted" | "unproved";
  severity: "error" | "warning";
  findings: JsonFinding[];
}

async function analyze(file: string, options: Parameters<typeof runAnalyze>[1] = {}) {
  const io = captureIo();
  const status = runAnalyze(file, options, io);
  return { status, out: io.out(), err: io.err() };
}

async function analyzeJson(file: string) {
  const result = await analyze(file, { json: true });
  const parsed = JSON.parse(result.out) as { properties: JsonProperty[]; errors: number; warnings: number };
  const property = (id: string) => parsed.properties.find((p) => p.id === id)!;
  return { ...result, parsed, property };
}

/** The words of a command line as a POSIX shell splits them (plain words and single quotes, as printed). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)) words.push(match[1] !== undefined ? match[1].replace(/'\\''/g, "'") : match[2]!);
  return words;
}

/** Runs a printed `msac simulate FILE ...` command through the simulate command, as msac would. */
async function replay(command: string) {
  const [msac, verb, file, ...args] = shellWords(command);
  expect([msac, verb]).toEqual(["msac", "simulate"]);
  const options: SimulateOptions = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag === "--tls") options.tls = true;
    else if (flag === "--listener") options.listener = args[++i];
    else if (flag === "--auth") options.auth = args[++i];
    else if (flag === "--mail-from") options.mailFrom = args[++i];
    else if (flag === "--rcpt") options.rcpt = [...(options.rcpt ?? []), args[++i]!];
    else throw new Error(`unexpected ${flag} in ${command}`);
  }
  const io = captureIo();
  const status = await runSimulate(file!, options, io);
  return { status, out: io.out(), options };
}

/** A policy written to a temporary folder, naming the shipped certificate and users file. */
function tempPolicy(name: string, lines: string[]): string {
  const dir = temporaryFolder("msa-analyze-");
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join("\n").replaceAll("CERTS", CERTS).replaceAll("USERS", USERS) + "\n");
  return file;
}

describe("seeded broken policies", () => {
  it("finds the open relay and the command shows an unauthenticated recipient elsewhere accepted", async () => {
    const { status, property } = await analyzeJson(`${SEEDED}/open-relay.msa`);
    expect(status).toBe(1);
    const relay = property("a");
    expect(relay).toMatchObject({ status: "refuted", severity: "error" });
    expect(relay.findings).toHaveLength(1);
    expect(relay.findings[0]).toMatchObject({ rule: null, missing: "require auth" });
    const shown = await replay(relay.findings[0]!.simulate!);
    expect(shown.options.auth).toBeUndefined();
    expect(shown.out).toMatch(/^RCPT TO:<anyone@elsewhere\.example>: accepted, 250 2\.1\.5/m);
  });

  it("finds AUTH in clear text and the command shows AUTH accepted before TLS", async () => {
    const { status, property } = await analyzeJson(`${SEEDED}/cleartext-auth.msa`);
    expect(status).toBe(1);
    const clear = property("c");
    expect(clear).toMatchObject({ status: "refuted", severity: "error" });
    expect(clear.findings[0]).toMatchObject({ rule: `${SEEDED}/cleartext-auth.msa:5`, missing: "require tls" });
    const shown = await replay(clear.findings[0]!.simulate!);
    expect(shown.options.tls).toBeUndefined();
    expect(shown.out).toMatch(/^#auth demo: accepted, 235 2\.7\.0/m);
    // The other properties hold for this policy: only the missing `require tls` is wrong.
    for (const id of ["a", "b", "d", "e"]) expect(property(id).status).toBe("proved");
  });

  it("finds the rule set that refuses every recipient, names both rules, and the command shows the refusal", async () => {
    const { status, out, property } = await analyzeJson(`${SEEDED}/refuse-everything.msa`);
    expect(status).toBe(1);
    const closed = property("e");
    expect(closed).toMatchObject({ status: "refuted", severity: "error" });
    expect(closed.findings[0]!.rule).toBe(`${SEEDED}/refuse-everything.msa:13`);
    expect(closed.findings[0]!.explanation).toBe(`every RCPT TO of every login is refused, by this rule and ${SEEDED}/refuse-everything.msa:14 (RecipientsTo)`);
    const shown = await replay(closed.findings[0]!.simulate!);
    expect(shown.out).toMatch(/^MAIL FROM:<\S+>: accepted, 250/m);
    expect(shown.out).toMatch(/^RCPT TO:<\S+>: refused, 550 5\.7\.1/m);
    expect(out).not.toContain('"status": "unproved"');
  });

  it("finds a login that can send as anyone under `allow sender mismatch`, and the command shows it accepted", async () => {
    const { status, property } = await analyzeJson(`${SEEDED}/send-as-anyone.msa`);
    // A warning: RFC 6409 section 6.1 asks for the check (SHOULD), it does not forbid its absence.
    expect(status).toBe(0);
    const rights = property("b");
    expect(rights).toMatchObject({ status: "refuted", severity: "warning" });
    expect(rights.findings[0]!.rule).toBe(`${SEEDED}/send-as-anyone.msa:10`);
    const shown = await replay(rights.findings[0]!.simulate!);
    expect(shown.options.auth).toBe("demo");
    expect(shown.options.mailFrom).not.toBe("demo@mismatch.test");
    expect(shown.out).toContain(`MAIL FROM:<${shown.options.mailFrom}>: accepted, 250 2.1.0`);
    expect(shown.out).toMatch(/^RCPT TO:<\S+>: accepted, 250 2\.1\.5/m);
    expect((await analyze(`${SEEDED}/send-as-anyone.msa`, { denyWarnings: true })).status).toBe(1);
  });

  it("finds rules that can never fire: a `for` group not in the users file, an `except` the same one before it has decided", async () => {
    const { status, property } = await analyzeJson(`${SEEDED}/dead-rules.msa`);
    expect(status).toBe(0);
    const dead = property("d");
    expect(dead).toMatchObject({ status: "refuted", severity: "warning" });
    expect(dead.findings.map((f) => [f.rule, f.explanation])).toEqual([
      [`${SEEDED}/dead-rules.msa:15`, "never applies: `for interns` names no login of the users file"],
      [`${SEEDED}/dead-rules.msa:17`, "`limit recipients except` never refuses: every session it judges passes it"],
    ]);
  });

  it("names the observed rule that lets a relay, clear-text AUTH or another's address happen", async () => {
    const file = tempPolicy("observed.msa", [
      "hostname msa.observed.test",
      'tls certificate "CERTS/dev.pem" key "CERTS/dev.key"',
      "listen 587 starttls",
      'auth users "USERS"',
      "observe require tls",
      "observe require auth",
      "qualify domains observed.test",
      "observe senders {",
      "  demo: demo@observed.test",
      "}",
    ]);
    const { property } = await analyzeJson(file);
    expect(property("a").findings.map((f) => f.rule)).toEqual([`${file}:6`]);
    expect(property("c").findings.map((f) => f.rule)).toEqual([`${file}:5`]);
    expect(property("b").findings.map((f) => [f.rule, f.explanation])).toEqual([[`${file}:8`, "`observe senders` only logs a MAIL FROM the login may not use"]]);
    const relay = await replay(property("a").findings[0]!.simulate!);
    const recipient = relay.options.rcpt![0]!;
    expect(recipient).not.toMatch(/@(msa\.)?observed\.test$/);
    expect(relay.out).toContain(`RCPT TO:<${recipient}>: accepted, 250`);
  });

  it("calls a rule after a rule set that refuses everything never consulted", async () => {
    const file = tempPolicy("shadowed.msa", [
      "hostname msa.shadow.test",
      'tls certificate "CERTS/dev.pem" key "CERTS/dev.key"',
      'auth users "USERS"',
      "require tls",
      "require auth",
      "qualify domains shadow.test",
      "limit recipients to @a.test",
      "limit recipients except @a.test",
      "limit recipients except @b.test",
    ]);
    const { property } = await analyzeJson(file);
    expect(property("d").findings).toEqual([
      { rule: `${file}:9`, explanation: "`limit recipients except` never refuses: an earlier rule refuses every session before it is consulted" },
    ]);
    expect(property("e").findings.map((f) => f.rule)).toEqual([`${file}:7`]);
  });

  it("prints each refutation with its rule, an example and the command", async () => {
    const { out } = await analyze(`${SEEDED}/cleartext-auth.msa`);
    expect(out).toContain("error: (c) AUTH can happen in clear text\n");
    expect(out).toContain(`  ${SEEDED}/cleartext-auth.msa:5: missing \`require tls\`: AUTH is accepted before TLS on 587 (starttls)`);
    expect(out).toMatch(/^ {4}\d+ session classes, e\.g\. 587 without TLS, login demo, /m);
    expect(out).toContain(`    msac simulate ${SEEDED}/cleartext-auth.msa --listener 587 --auth demo `);
    expect(out.trimEnd().split("\n").at(-1)).toBe("1 error, 0 warnings");
  });
});

describe("on blocks", () => {
  it("names the block's `allow unauthenticated` as the open relay of its listener", async () => {
    const file = tempPolicy("app-port.msa", [
      "hostname msa.example.com",
      'tls certificate "CERTS/dev.pem" key "CERTS/dev.key"',
      "listen 587 starttls",
      "listen 127.0.0.1:2525 plain",
      'auth users "USERS"',
      "require auth",
      "on 587 {",
      "  require tls",
      "}",
      "on 2525 {",
      "  allow unauthenticated",
      "}",
    ]);
    const { status, property } = await analyzeJson(file);
    expect(status).toBe(1);
    expect(property("a").findings).toMatchObject([{ rule: `${file}:11` }]);
    expect(property("a").findings[0]!.simulate).toContain("--listener 127.0.0.1:2525");
  });

  it("judges submission rights listener by listener: a grant in one listener's block is no grant on another", async () => {
    const file = tempPolicy("rights-by-listener.msa", [
      "hostname msa.example.com",
      'tls certificate "CERTS/dev.pem" key "CERTS/dev.key"',
      "listen 587 starttls",
      "listen 465 tls",
      'auth users "USERS"',
      "require tls",
      "require auth",
      "on 465 {",
      "  senders {",
      "    demo: *",
      "  }",
      "}",
    ]);
    const { property } = await analyzeJson(file);
    const rights = property("b");
    expect(rights.status).toBe("refuted");
    expect(rights.findings.map((f) => f.simulate?.match(/--listener (\S+)/)?.[1])).toEqual(["587"]);
  });
});

describe("shipped policies", () => {
  it.each(shippedPolicies())("%s: no error-level property is refuted, every class is run, in well under a second", async (file) => {
    const { status, parsed, property } = await analyzeJson(file);
    expect(status).toBe(0);
    expect(parsed.errors).toBe(0);
    for (const id of ["a", "c", "d", "e"]) expect(property(id).status, id).toBe("proved");
    const graph = compilePolicy(file, fs.readFileSync(file, "utf8")).graph!;
    const started = performance.now();
    const analysis = analyzeGraph(graph);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(analysis.sessions.capped).toBe(false);
  });

  it("proves submission rights where a senders rule gives them, and warns where there is none", async () => {
    expect((await analyzeJson("policies/corporate.msa")).property("b").status).toBe("proved");
    expect((await analyzeJson("policies/submission.msa")).property("b").status).toBe("proved");
    const office = (await analyzeJson("policies/office.msa")).property("b");
    expect(office).toMatchObject({ status: "refuted", severity: "warning" });
    expect(office.findings[0]).toMatchObject({ rule: null, missing: "senders" });
    const shown = await replay(office.findings[0]!.simulate!);
    expect(shown.out).toContain(`MAIL FROM:<${shown.options.mailFrom}>: accepted, 250 2.1.0`);
  });

  it.each([
    ["an address", "demo: demo@grants.test, shared@grants.test"],
    ["a whole domain", "demo: @grants.test"],
    ["every address", "demo: *"],
  ])("proves submission rights with %s granted", async (_kind, grant) => {
    const file = tempPolicy("grants.msa", [
      "hostname msa.grants.test",
      'tls certificate "CERTS/dev.pem" key "CERTS/dev.key"',
      'auth users "USERS"',
      "require tls",
      "require auth",
      "qualify domains grants.test",
      "senders {",
      `  ${grant}`,
      "}",
    ]);
    const { status, property } = await analyzeJson(file);
    expect(status).toBe(0);
    for (const id of ["a", "b", "c", "d", "e"]) expect(property(id).status, id).toBe("proved");
  });

  it("docs/analysis.md shows what `msac analyze policies/office.msa` prints", async () => {
    const { out, status } = await analyze("policies/office.msa");
    expect(status).toBe(0);
    expectDocBlock("docs/analysis.md", "msac analyze policies/office.msa", out);
  });
});

describe("the bound on session classes", () => {
  it("says when it ran only part of the classes, and proves nothing it did not run", async () => {
    const { status, out } = await analyze("policies/office.msa", { maxSessions: "10" });
    expect(status).toBe(0);
    expect(out.split("\n")[0]).toMatch(/^policies\/office\.msa: \d+ session classes \(.*\), only the first 10 run \(the bound; raise it with --max-sessions\)$/);
    expect(out).toContain("unproved: (a) no unauthenticated client can relay to a non-local domain (not every session class was run)");
    expect(out).not.toMatch(/^proved: /m);
    expect((await analyze("policies/office.msa", { maxSessions: "10", denyWarnings: true })).status).toBe(1);
  });

  it("caps a policy whose classes multiply past the bound and stays quick", async () => {
    const senders = Array.from({ length: 300 }, (_, i) => `  user${i}: user${i}@big.test, team${i}@big.test`);
    const file = tempPolicy("big.msa", [
      "hostname msa.big.test",
      'tls certificate "CERTS/dev.pem" key "CERTS/dev.key"',
      'auth users "USERS"',
      "require tls",
      "require auth",
      "qualify domains big.test",
      "senders {",
      ...senders,
      "}",
    ]);
    const graph = compilePolicy(file, fs.readFileSync(file, "utf8")).graph!;
    const started = performance.now();
    const analysis = analyzeGraph(graph);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(analysis.sessions).toMatchObject({ ran: 100_000, capped: true, bound: 100_000 });
    expect(analysis.sessions.total).toBeGreaterThan(100_000_000);
  });
});

describe("bad input", () => {
  it("refuses a bound that is not a whole number", async () => {
    const { status, err, out } = await analyze("policies/office.msa", { maxSessions: "lots" });
    expect(status).toBe(2);
    expect(err).toBe("msac: --max-sessions takes a whole number of at least 1, not `lots`\n");
    expect(out).toBe("");
  });

  it("says a missing policy cannot be read (exit 2) and analyses no policy with errors (exit 1)", async () => {
    const missing = await analyze(`${SEEDED}/no-such.msa`);
    expect(missing.status).toBe(2);
    expect(missing.err).toContain("cannot read");
    const broken = tempPolicy("broken.msa", ["hostname msa.broken.test", "listen 587 starttls"]);
    const result = await analyze(broken);
    expect(result.status).toBe(1);
    expect(result.err).toContain("error MSA4001");
    expect(result.out).toBe("");
  });
});
