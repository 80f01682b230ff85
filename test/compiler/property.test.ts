// Property tests: random text, mutated real policies and random lines through
// the whole compiler (with a fake CompilerHost). The compiler must never throw,
// must finish quickly, and every problem must be a catalogue diagnostic whose
// span lies inside the file it points into.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CompilerHost } from "../../compiler/checkFiles.js";
import { resolvePolicyPath } from "../../compiler/checkFiles.js";
import { compilePolicy } from "../../compiler/compile.js";
import { Catalogue, type CatalogueEntry } from "../../compiler/diagnostics.js";
import { loadGraph, serializeGraph } from "../../graph/graphJson.js";
import { repoRoot } from "./golden.js";

const POLICY = "policy.msa";
const entries = new Map(Object.values(Catalogue as Record<string, CatalogueEntry>).map((e) => [e.code, e]));
const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), "utf8");

const seeds = [
  ...fs
    .readdirSync(path.join(repoRoot, "policies"))
    .filter((f) => f.endsWith(".msa"))
    .map((f) => read(`policies/${f}`)),
  ...["MSA2003-duplicate-login.msa", "MSA4001-submission-without-auth.msa", "MSA5002-users-file-line.msa"].map((f) => read(`test/fixtures/diagnostics/${f}`)),
];
const certificate = read("test/fixtures/diagnostics/test.pem");
const key = read("test/fixtures/diagnostics/test.key");
const users = read("test/fixtures/diagnostics/users.passwd");
const badUsers = read("test/fixtures/diagnostics/MSA5002-users-file-line.passwd");

/** The words and marks a policy is made of, for mutations and random lines that get past the lexer. */
const VOCABULARY = [
  "hostname",
  "tls",
  "listen",
  "auth",
  "require",
  "qualify",
  "enforce",
  "allow",
  "senders",
  "limit",
  "add",
  "log",
  "deliver",
  "certificate",
  "key",
  "starttls",
  "plain",
  "users",
  "domains",
  "address",
  "syntax",
  "postmaster",
  "unauthenticated",
  "size",
  "recipients",
  "relay",
  "spool",
  "{",
  "}",
  ":",
  ",",
  '"',
  "#",
  "\n",
  "\r\n",
  "\r",
  " ",
  "\t",
  '"certs/dev.pem"',
  '"users.passwd"',
  '"spool"',
  "587",
  "0",
  "70000",
  "127.0.0.1:2525",
  "[::1]:25",
  "*:25",
  "10MB",
  "0MB",
  "5GiB",
  "30s",
  "Date",
  "Message-ID",
  "Sender",
  "Received",
  "example.test",
  "a..b",
  "xn--bcher-kva.example",
  "bücher.example",
  "alice",
  "alice@example.test",
  "@",
  "smtp://127.0.0.1:2526",
  "smtps://",
  "http://x",
  "errors",
  "debug",
  "\u00a0",
  "\u200b",
  "\ufeff",
  "\u0000",
  "€",
  "😀",
  "\ud800",
];
const token = fc.constantFrom(...VOCABULARY);

type Mutation =
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "swap"; at: number; other: number }
  | { kind: "line"; at: number; op: "delete" | "duplicate" | "swap" };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(token, fc.string({ maxLength: 4 }), fc.string({ unit: "binary", maxLength: 3 })) }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant("line" as const), at: fc.nat(), op: fc.constantFrom("delete" as const, "duplicate" as const, "swap" as const) }),
);

function mutate(text: string, m: Mutation): string {
  if (text.length === 0) return m.kind === "insert" ? m.text : text;
  const at = m.at % (text.length + 1);
  switch (m.kind) {
    case "delete":
      return text.slice(0, at) + text.slice(at + m.length);
    case "insert":
      return text.slice(0, at) + m.text + text.slice(at);
    case "swap": {
      const chars = [...text];
      const i = m.at % chars.length;
      const j = m.other % chars.length;
      [chars[i], chars[j]] = [chars[j], chars[i]];
      return chars.join("");
    }
    case "line": {
      const lines = text.split("\n");
      const i = m.at % lines.length;
      if (m.op === "delete") lines.splice(i, 1);
      else if (m.op === "duplicate") lines.splice(i, 0, lines[i]);
      else {
        const j = (i + 1) % lines.length;
        [lines[i], lines[j]] = [lines[j], lines[i]];
      }
      return lines.join("\n");
    }
  }
}

const mutatedPolicy = fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 8 })).map(([seed, mutations]) => mutations.reduce(mutate, seed));
const randomLines = fc
  .array(
    fc.array(token, { maxLength: 8 }).map((words) => words.join(" ")),
    { maxLength: 30 },
  )
  .map((lines) => lines.join("\n"));
const randomText = fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: "binary", maxLength: 200 }));

/** How the fake file system answers: files missing, unreadable, random text, or the real fixtures. */
type HostMode = "missing" | "unreadable" | "random" | "real" | "badUsers";
function fakeHost(mode: HostMode, random: string, policyText: string): CompilerHost {
  return {
    readFile(file) {
      // A policy may name itself; the file system would give back the same text.
      if (file === resolvePolicyPath(POLICY, POLICY)) return { ok: true, text: policyText };
      switch (mode) {
        case "missing":
          return { ok: false, missing: true, reason: "no such file" };
        case "unreadable":
          return { ok: false, missing: false, reason: "permission denied" };
        case "random":
          return { ok: true, text: random };
        case "real":
          return { ok: true, text: file.endsWith(".pem") ? certificate : file.endsWith(".key") ? key : users };
        case "badUsers":
          return { ok: true, text: badUsers };
      }
    },
  };
}
const host = fc.tuple(fc.constantFrom<HostMode>("missing", "unreadable", "random", "real", "badUsers"), fc.string({ maxLength: 200 }));

function assertWellFormed(text: string, [mode, random]: [HostMode, string]): void {
  const started = performance.now();
  const result = compilePolicy(POLICY, text, fakeHost(mode, random, text));
  const elapsed = performance.now() - started;
  expect(elapsed, "compiling a small policy must be quick").toBeLessThan(2000);
  for (const d of result.diagnostics) {
    const entry = entries.get(d.code);
    expect(entry, `unknown code ${d.code}`).toBeDefined();
    expect(d.severity).toBe(entry!.severity);
    const source = result.sources.get(d.file);
    expect(source, `no source for ${d.file}`).toBeDefined();
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.start).toBeLessThanOrEqual(d.span.end);
    expect(d.span.end).toBeLessThanOrEqual(source!.length);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.message).not.toMatch(/[\r\n]/);
    for (const r of d.related ?? []) {
      const relatedSource = result.sources.get(r.file);
      expect(relatedSource).toBeDefined();
      expect(r.span.end).toBeLessThanOrEqual(relatedSource!.length);
    }
  }
  const errors = result.diagnostics.some((d) => d.severity === "error");
  expect(result.graph === undefined).toBe(errors);
  if (result.graph) expect(loadGraph(serializeGraph(result.graph)).ok).toBe(true);
}

describe("the compiler on arbitrary input", () => {
  it("handles mutated real policies", () => {
    fc.assert(
      fc.property(mutatedPolicy, host, (text, h) => assertWellFormed(text, h)),
      { numRuns: 600 },
    );
  });

  it("handles random lines of policy words", () => {
    fc.assert(
      fc.property(randomLines, host, (text, h) => assertWellFormed(text, h)),
      { numRuns: 400 },
    );
  });

  it("handles random text", () => {
    fc.assert(
      fc.property(randomText, host, (text, h) => assertWellFormed(text, h)),
      { numRuns: 400 },
    );
  });

  it("compiles the unmutated seeds without errors when the files are real", () => {
    for (const seed of seeds.slice(0, 4)) {
      const result = compilePolicy(POLICY, seed, fakeHost("real", "", seed));
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    }
  });
});
