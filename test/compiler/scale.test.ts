// A policy with a 10,000-line `senders` table (bench/generatePolicy.ts) compiles
// clean, and every entry reaches the graph's lookup table.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generatePolicy } from "../../bench/generatePolicy.js";
import type { CompilerHost } from "../../compiler/checkFiles.js";
import { compilePolicy } from "../../compiler/compile.js";
import { repoRoot } from "./golden.js";

const fixtures = path.join(repoRoot, "test/fixtures/diagnostics");
const demoHash = fs
  .readFileSync(path.join(fixtures, "users.passwd"), "utf8")
  .split("\n")
  .find((l) => l.startsWith("demo:"))!
  .slice("demo:".length);
/** The generated policy's users file: every login of its `senders` table, with demo's hash. */
function usersOf(policy: string): string {
  return [...policy.matchAll(/^ {2}(\S+): /gm)].map((m) => `${m[1]}:${demoHash}\n`).join("") || `demo:${demoHash}\n`;
}
/** Reads the generated policy's users file (every login it lists) and the fixtures' certificate. */
function hostFor(policy: string): CompilerHost {
  return {
    readFile(file) {
      if (file.endsWith("users.passwd")) return { ok: true, text: usersOf(policy) };
      return { ok: true, text: fs.readFileSync(path.join(fixtures, file.endsWith(".pem") ? "test.pem" : "test.key"), "utf8") };
    },
  };
}

describe("a large senders table", () => {
  it("compiles 10,000 entries with no diagnostics", () => {
    const text = generatePolicy(10_000);
    expect(text.split("\n").filter((l) => /^ {2}\S+: /.test(l))).toHaveLength(10_000);
    const result = compilePolicy("generated.msa", text, hostFor(text));
    expect(result.diagnostics).toEqual([]);
    const rights = result.graph!.stages.mail.after.find((n) => n.kind === "SubmissionRights");
    expect(rights && rights.kind === "SubmissionRights" && Object.keys(rights.senders)).toHaveLength(10_000);
    expect(rights && rights.kind === "SubmissionRights" && rights.senders.user3).toEqual(["user3@corp.example", "team3@corp.example"]);
    expect(rights && rights.kind === "SubmissionRights" && rights.senders["user4@corp.example"]).toEqual(["user4@corp.example", "team4@corp.example"]);
  });

  it("generates the same text for the same count", () => {
    expect(generatePolicy(3)).toBe(generatePolicy(3));
    expect(generatePolicy(0)).toContain("senders {\n}");
  });
});

/**
 * How much longer a policy 4 times the size takes to check: about 4 when checking is linear,
 * 16 when it is quadratic. The two sizes are timed in turn, five times each, and the fastest
 * run of each is compared: a busy machine only ever adds time, so the fastest runs are the
 * fairest, and the bound is generous, so that a linear check cannot fail it.
 */
function growthFactor(policyOfSize: (n: number) => string, n: number): number {
  const time = (text: string) => {
    const started = process.hrtime.bigint();
    compilePolicy("generated.msa", text, hostFor(text));
    return Number(process.hrtime.bigint() - started);
  };
  const small = policyOfSize(n);
  const large = policyOfSize(4 * n);
  let fastestSmall = Infinity;
  let fastestLarge = Infinity;
  for (let run = 0; run < 5; run++) {
    fastestSmall = Math.min(fastestSmall, time(small));
    fastestLarge = Math.min(fastestLarge, time(large));
  }
  return fastestLarge / fastestSmall;
}

const loopback = "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\n";
const numbered = (n: number, item: (i: number) => string, separator: string) => Array.from({ length: n }, (_, i) => item(i)).join(separator);

describe("checking time grows linearly with the policy", () => {
  it("for a long `qualify domains` list", () => {
    const policy = (n: number) => `${loopback}qualify domains ${numbered(n, (i) => `d${i}.example.test`, " ")}\n`;
    expect(compilePolicy("generated.msa", policy(3), hostFor(policy(3))).diagnostics).toEqual([]);
    expect(growthFactor(policy, 8_000)).toBeLessThan(10);
  });

  it("for one `senders` login with many addresses", () => {
    const policy = (n: number) =>
      `${loopback.replace("allow unauthenticated", 'auth users "users.passwd"\nrequire auth')}qualify domains example.test\n` +
      `senders {\n  demo: ${numbered(n, (i) => `a${i}@example.test`, ", ")}\n}\n`;
    expect(growthFactor(policy, 4_000)).toBeLessThan(10);
  });

  it("for many lines that are not rules", () => {
    const policy = (n: number) => loopback + "frobnicate x\n".repeat(n);
    expect(compilePolicy("generated.msa", policy(2), hostFor(policy(2))).diagnostics.map((d) => d.code)).toEqual(["MSA1002", "MSA1002"]);
    expect(growthFactor(policy, 2_000)).toBeLessThan(10);
  });
});

describe("a policy with more diagnostics than a call can take arguments", () => {
  it("is checked by `msac check` without overflowing the stack", () => {
    // 150,000 diagnostics: more than one push(...spread) call can pass (about 120,000 in Node 20).
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "msac-scale-"));
    const file = path.join(folder, "repeated.msa");
    fs.writeFileSync(file, loopback + "add Date\n".repeat(150_001));
    const result = spawnSync(process.execPath, [path.join(repoRoot, "dist/cli/msac.js"), "check", file], { encoding: "utf8", maxBuffer: 1 << 30 });
    fs.rmSync(folder, { recursive: true });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(1);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("150000 errors, 0 warnings");
  }, 120_000);
});
