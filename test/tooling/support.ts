// Shared helpers for the tooling tests: commands run in process with captured
// output, and golden files (`UPDATE_GOLDEN=1 npx vitest run test/tooling`
// rewrites them; the diff is the review).
import fs from "node:fs";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { expect } from "vitest";
import type { CommandIo } from "../../cli/io.js";

export const GOLDEN_DIR = path.join("test", "tooling", "golden");

export interface CapturedIo extends CommandIo {
  out(): string;
  err(): string;
}

export function captureIo(stdin = ""): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on("data", (c: Buffer) => chunks.out.push(c));
  stderr.on("data", (c: Buffer) => chunks.err.push(c));
  return {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout,
    stderr,
    out: () => Buffer.concat(chunks.out).toString("utf8"),
    err: () => Buffer.concat(chunks.err).toString("utf8"),
  };
}

/** Compares `actual` with the golden file `name`, or writes it under UPDATE_GOLDEN=1. */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) throw new Error(`no golden file ${file}; run UPDATE_GOLDEN=1 npx vitest run test/tooling and review it`);
  expect(actual).toBe(fs.readFileSync(file, "utf8"));
}

/** Every policy shipped in policies/, so a new policy is covered by the golden tests without editing them. */
export function shippedPolicies(): string[] {
  return fs
    .readdirSync("policies")
    .filter((f) => f.endsWith(".msa"))
    .sort()
    .map((f) => path.join("policies", f));
}

/**
 * Compares `actual` with the block a document shows as a command's output: the ```text fence right
 * after the line `<!-- output of: COMMAND -->`. UPDATE_GOLDEN=1 rewrites the block instead.
 */
export function expectDocBlock(doc: string, command: string, actual: string): void {
  const text = fs.readFileSync(doc, "utf8");
  const marker = `<!-- output of: ${command} -->\n\`\`\`text\n`;
  const start = text.indexOf(marker);
  if (start < 0) throw new Error(`${doc} has no block marked \`<!-- output of: ${command} -->\` followed by a \`\`\`text fence`);
  const from = start + marker.length;
  const end = text.indexOf("```\n", from);
  if (process.env.UPDATE_GOLDEN === "1") {
    fs.writeFileSync(doc, text.slice(0, from) + actual + text.slice(end));
    return;
  }
  expect(actual).toBe(text.slice(from, end));
}
