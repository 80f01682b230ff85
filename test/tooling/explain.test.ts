// Tests for `msac explain`: every catalogue code has an explanation it prints,
// unknown codes fail with a suggestion, and the catalogue and the compiler agree
// (a code used but not catalogued, or catalogued but never emitted, fails here).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { catalogueByCode, runExplain } from "../../cli/explain.js";
import { Catalogue } from "../../compiler/diagnostics.js";
import { captureIo } from "./support.js";

function explain(code: string) {
  const io = captureIo();
  const status = runExplain(code, io);
  return { status, out: io.out(), err: io.err() };
}

/** Every source file under `dir`, rule modules in subfolders included. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
}

describe("msac explain", () => {
  it.each([...catalogueByCode().keys()])("explains %s", (code) => {
    const entry = catalogueByCode().get(code)!;
    const result = explain(code);
    expect(result.status).toBe(0);
    expect(entry.explanation.length).toBeGreaterThan(20);
    expect(result.out.startsWith(`${code}: ${entry.title} (${entry.severity}, ${entry.phase})\n\n${entry.explanation}\n`)).toBe(true);
  });

  it("accepts the code in lower case and without its prefix", () => {
    expect(explain("msa3005").out).toContain("MSA3005: unknown header for `add`");
    expect(explain("3005").out).toContain("MSA3005: unknown header for `add`");
  });

  it("fails with exit 2 and a did-you-mean for an unknown code", () => {
    const result = explain("MSA3050");
    expect(result.status).toBe(2);
    expect(result.out).toBe("");
    expect(result.err).toContain("no diagnostic `MSA3050`; did you mean `MSA3005`");
    expect(explain("hello").err).not.toContain("did you mean");
  });
});

describe("the catalogue and the compiler agree", () => {
  const code = [...sources("compiler"), ...sources("grammar")].join("\n").replace(/export const Catalogue = \{[\s\S]*?\n\} as const/, "");
  const used = new Set([...code.matchAll(/diagnostic\(\s*"([a-zA-Z]+)"/g)].map((m) => m[1]!));

  it("every code the compiler reports is catalogued", () => {
    expect(used.size).toBeGreaterThan(0);
    for (const kind of used) expect(Object.keys(Catalogue)).toContain(kind);
  });

  it.each(Object.keys(Catalogue))("%s is reported somewhere in compiler/ or grammar/", (kind) => {
    expect(code).toMatch(new RegExp(`["']${kind}["']`));
  });
});
