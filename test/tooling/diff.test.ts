// Tests for `msac diff OLD NEW`: the documented example prints what docs/analysis.md shows, the
// classes it reports really change outcome when replayed with `msac simulate` on each policy,
// nothing changes between a policy and itself, a listener that goes away is a change, and bad
// input gets a clear error.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runDiff } from "../../cli/diff.js";
import { runSimulate } from "../../cli/simulate.js";
import { captureIo, expectDocBlock, shippedPolicies } from "./support.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

const OFFICE = "policies/office.msa";
const REVISED = "test/fixtures/analyze/office-revised.msa";
const CERTS = path.resolve("policies/certs");
const USERS = path.resolve("policies/users.passwd");

function diff(oldFile: string, newFile: string, options: Parameters<typeof runDiff>[2] = {}) {
  const io = captureIo();
  const status = runDiff(oldFile, newFile, options, io);
  return { status, out: io.out(), err: io.err() };
}

interface JsonGroup {
  direction: string;
  before: { kind: string; rule?: string | null; code?: number };
  after: { kind: string; rule?: string | null; code?: number; why?: string };
  classes: { listener: string; tls: boolean; login: string | null; mailFrom: string; rcpt: string }[];
}

function diffJson(oldFile: string, newFile: string) {
  const result = diff(oldFile, newFile, { json: true });
  return { ...result, parsed: JSON.parse(result.out) as { changed: number; groups: JsonGroup[] } };
}

/** A policy written to a temporary folder, naming the shipped certificate and users file. */
function tempPolicy(name: string, lines: string[]): string {
  const dir = temporaryFolder("msa-diff-");
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join("\n").replaceAll("CERTS", CERTS).replaceAll("USERS", USERS) + "\n");
  return file;
}

async function simulateClass(file: string, session: JsonGroup["classes"][number], starttls: boolean) {
  const io = captureIo();
  await runSimulate(
    file,
    { listener: session.listener, tls: session.tls && starttls, ...(session.login ? { auth: session.login } : {}), mailFrom: session.mailFrom, rcpt: [session.rcpt] },
    io,
  );
  return io.out();
}

describe("msac diff", () => {
  it("docs/analysis.md shows what it prints for office.msa and its revision, which changes outcomes (exit 1)", () => {
    const { status, out, err } = diff(OFFICE, REVISED);
    expect(err).toBe("");
    expect(status).toBe(1);
    expectDocBlock("docs/analysis.md", `msac diff ${OFFICE} ${REVISED}`, out);
  });

  it("reports, for each change, the rule with FILE:LINE, and every class replays as reported on both policies", async () => {
    const { parsed } = diffJson(OFFICE, REVISED);
    expect(parsed.groups.map((g) => [g.direction, g.before.kind, g.after.rule])).toEqual([
      ["now refused", "accepted", `${REVISED}:21`],
      ["now refused", "accepted", `${REVISED}:18`],
    ]);
    expect(parsed.changed).toBe(parsed.groups.reduce((n, g) => n + g.classes.length, 0));
    // The competitor's recipients, for every login that could send before; senders beyond demo's grants.
    expect(new Set(parsed.groups[0]!.classes.map((c) => c.rcpt))).toEqual(new Set(["anyone@competitor.example"]));
    expect(parsed.groups[1]!.classes.some((c) => c.login === "demo" && c.mailFrom === "info@office.example")).toBe(false);
    for (const group of parsed.groups) {
      const session = group.classes.find((c) => c.mailFrom !== "")!;
      const before = await simulateClass(OFFICE, session, true);
      const after = await simulateClass(REVISED, session, true);
      const command = group.after.rule === `${REVISED}:21` ? `RCPT TO:<${session.rcpt}>` : `MAIL FROM:<${session.mailFrom}>`;
      expect(before).toContain(`RCPT TO:<${session.rcpt}>: accepted, 250`);
      expect(after).toContain(`${command}: refused, 550 5.7.1`);
    }
  });

  it.each(shippedPolicies())("finds no change between %s and itself (exit 0)", (file) => {
    const { status, out } = diff(file, file);
    expect(status).toBe(0);
    expect(out.trimEnd().split("\n").at(-1)).toBe("no session class changes outcome");
  });

  it("reports the sessions of a listener that is gone as no longer possible", () => {
    const common = ['tls certificate "CERTS/dev.pem" key "CERTS/dev.key"', 'auth users "USERS"', "require tls", "require auth", "qualify domains lst.test"];
    const before = tempPolicy("before.msa", ["hostname msa.lst.test", "listen 587 starttls", "listen 465 tls", ...common]);
    const after = tempPolicy("after.msa", ["hostname msa.lst.test", "listen 465 tls", ...common]);
    const { status, parsed } = diffJson(before, after);
    expect(status).toBe(1);
    const gone = parsed.groups.filter((g) => g.after.kind === "impossible");
    expect(gone.length).toBeGreaterThan(0);
    expect(gone.every((g) => g.classes.every((c) => c.listener === "587"))).toBe(true);
    expect(gone[0]!.after.why).toBe("the policy has no listener 587");
    expect(parsed.groups.flatMap((g) => g.classes).every((c) => c.listener === "587")).toBe(true);
    const text = diff(before, after).out;
    expect(text).toContain("  now:    no such session: the policy has no listener 587\n");
    expect(text).toMatch(/^accepted before, no such session now: \d+ session classes$/m);
    expect(text).toMatch(/^refused before, no such session now: \d+ session classes$/m);
  });

  it("says when it ran only part of the classes", () => {
    const { out } = diff(OFFICE, REVISED, { maxSessions: "50" });
    expect(out.split("\n")[0]).toMatch(/, only the first 50 run \(the bound; raise it with --max-sessions\)$/);
  });

  it("refuses a bound that is not a whole number, an unreadable policy (exit 2) and a policy with errors (exit 1)", () => {
    expect(diff(OFFICE, REVISED, { maxSessions: "0" })).toMatchObject({ status: 2, out: "", err: "msac: --max-sessions takes a whole number of at least 1, not `0`\n" });
    const missing = diff(OFFICE, "test/fixtures/analyze/no-such.msa");
    expect(missing.status).toBe(2);
    expect(missing.err).toContain("cannot read");
    const broken = tempPolicy("broken.msa", ["hostname msa.broken.test", "listen 587 starttls"]);
    const result = diff(OFFICE, broken);
    expect(result.status).toBe(1);
    expect(result.err).toContain("error MSA4001");
    expect(result.out).toBe("");
  });
});
