// Golden files for what users read: compare output with the file kept next to
// the fixture, or rewrite the file when the suite runs with UPDATE_GOLDEN=1.
import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import type { Diagnostic } from "../../compiler/diagnostics.js";
import type { CommandIo } from "../../cli/io.js";

export const updating = process.env.UPDATE_GOLDEN === "1";

/** The repository's root: the suite runs from there, so fixture paths stay relative in every golden. */
export const repoRoot = path.resolve(import.meta.dirname, "../..");

/** Asserts that `actual` equals the golden file `file` (relative to the repository), or rewrites it under UPDATE_GOLDEN=1. */
export function expectGolden(file: string, actual: string): void {
  const absolute = path.resolve(repoRoot, file);
  if (updating) {
    fs.mkdirSync(path.dirname(absolute), { recursive: true });
    fs.writeFileSync(absolute, actual);
    return;
  }
  if (!fs.existsSync(absolute)) {
    throw new Error(`golden file ${file} is missing; run \`UPDATE_GOLDEN=1 npx vitest run test/compiler\` and review the new file`);
  }
  expect(actual, `${file} differs; if the change is intended, run with UPDATE_GOLDEN=1 and review the diff`).toBe(fs.readFileSync(absolute, "utf8"));
}

/** The text under a diagnostic's span, as a test asserts it (a newline shows as `⏎`, an empty span as `∅`). */
export function underlined(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  const text = sources.get(d.file) ?? "";
  const under = text.slice(d.span.start, d.span.end);
  return under === "" ? "∅" : under.replace(/\r?\n/g, "⏎");
}

/** Streams that collect what a command writes, for running `msac` commands in-process. */
export function captureIo(): CommandIo & { out(): string; err(): string } {
  let stdout = "";
  let stderr = "";
  const writer = (append: (s: string) => void) =>
    ({
      isTTY: false,
      write(chunk: string | Uint8Array) {
        append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
        return true;
      },
    }) as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  return {
    stdin: process.stdin,
    stdout: writer((s) => (stdout += s)),
    stderr: writer((s) => (stderr += s)),
    out: () => stdout,
    err: () => stderr,
  };
}
