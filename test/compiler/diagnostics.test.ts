// Golden tests for every diagnostic code: one fixture per code in
// test/fixtures/diagnostics/<CODE>-<slug>.msa, with the text `msac check` prints
// (.txt) and its `--format json` output (.json) kept next to it. Also checks that
// the catalogue, the fixtures and docs/diagnostics.md agree.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCheck } from "../../cli/check.js";
import { compilePolicy } from "../../compiler/compile.js";
import { Catalogue, type CatalogueEntry } from "../../compiler/diagnostics.js";
import { catalogueEntries, catalogueEntry, renderDiagnosticsDoc } from "../../compiler/diagnosticsDoc.js";
import { captureIo, expectGolden, repoRoot } from "./golden.js";

const FIXTURES = "test/fixtures/diagnostics";
const fixtures = fs
  .readdirSync(path.join(repoRoot, FIXTURES))
  .filter((f) => f.endsWith(".msa"))
  .sort();

function slug(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** Catalogue key by code, to name fixtures after the entry. */
const keyOfCode = new Map(Object.entries(Catalogue as Record<string, CatalogueEntry>).map(([key, e]) => [e.code, key]));

function check(file: string, format: "text" | "json") {
  const io = captureIo();
  const status = runCheck([file], { format }, io);
  return { status, stdout: io.out(), stderr: io.err() };
}

describe("one fixture per diagnostic code", () => {
  it.each(fixtures)("%s", (name) => {
    const file = `${FIXTURES}/${name}`;
    const code = name.split("-")[0];
    expect(keyOfCode.has(code), `fixture ${name} is named after no catalogue code`).toBe(true);
    expect(name, "a fixture is named <CODE>-<slug of its catalogue key>.msa").toBe(`${code}-${slug(keyOfCode.get(code)!)}.msa`);

    const text = check(file, "text");
    const json = check(file, "json");
    expect(text.stderr).toBe("");
    expectGolden(file.replace(/\.msa$/, ".txt"), text.stdout);
    expectGolden(file.replace(/\.msa$/, ".json"), json.stdout);

    const reported = JSON.parse(json.stdout) as { code: string; severity: string; file: string }[];
    expect(
      reported.map((d) => d.code),
      `${name} must report ${code}`,
    ).toContain(code);
    // The exit status follows the severities (contract section 2).
    expect(text.status).toBe(reported.some((d) => d.severity === "error") ? 1 : 0);
    // Goldens must not depend on the machine: every file is shown relative to the repository.
    for (const d of reported) expect(path.isAbsolute(d.file), d.file).toBe(false);
  });
});

describe("the catalogue", () => {
  const entries = catalogueEntries();

  it("has unique codes in the range of their phase", () => {
    const ranges = { syntax: "1", names: "2", values: "3", policy: "4", files: "5" };
    expect(new Set(entries.map((e) => e.code)).size).toBe(entries.length);
    for (const e of entries) {
      expect(e.code).toMatch(/^MSA\d{4}$/);
      expect(e.code[3], e.code).toBe(ranges[e.phase]);
    }
  });

  it("has every code emitted by some fixture", () => {
    const emitted = new Set<string>();
    for (const name of fixtures) {
      const file = `${FIXTURES}/${name}`;
      for (const d of compilePolicy(file, fs.readFileSync(path.join(repoRoot, file), "utf8")).diagnostics) emitted.add(d.code);
    }
    const never = entries.map((e) => e.code).filter((c) => !emitted.has(c));
    expect(never, "catalogue codes that no fixture emits").toEqual([]);
  });

  it("documents every code that a fixture emits in docs/diagnostics.md", () => {
    const doc = fs.readFileSync(path.join(repoRoot, "docs/diagnostics.md"), "utf8");
    const documented = new Set([...doc.matchAll(/^### (MSA\d{4}):/gm)].map((m) => m[1]));
    for (const dir of ["diagnostics", "recovery"]) {
      for (const name of fs.readdirSync(path.join(repoRoot, "test/fixtures", dir)).filter((f) => f.endsWith(".msa"))) {
        const file = `test/fixtures/${dir}/${name}`;
        for (const d of compilePolicy(file, fs.readFileSync(path.join(repoRoot, file), "utf8")).diagnostics) {
          expect(documented.has(d.code), `${d.code} (from ${file}) is not in docs/diagnostics.md`).toBe(true);
        }
      }
    }
  });

  it("words every explanation and title in the project's style", () => {
    for (const e of entries) {
      expect(e.title, e.code).toMatch(/^([a-z`]|[A-Z]{2,}\b)/);
      expect(e.title, e.code).not.toMatch(/\.$/);
      expect(e.explanation.trim(), e.code).toMatch(/\.$/);
      expect(e.example.length, e.code).toBeGreaterThan(0);
    }
  });

  it("finds an entry by code, in any case", () => {
    expect(catalogueEntry("msa4001")?.title).toBe(Catalogue.submissionWithoutAuth.title);
    expect(catalogueEntry("MSA9999")).toBeUndefined();
  });

  it("is what docs/diagnostics.md says", () => {
    expectGolden("docs/diagnostics.md", renderDiagnosticsDoc());
  });
});

describe("diagnostic messages", () => {
  it("follow the style: lowercase start, no final period, one line", () => {
    for (const name of fixtures) {
      const file = `${FIXTURES}/${name}`;
      for (const d of compilePolicy(file, fs.readFileSync(path.join(repoRoot, file), "utf8")).diagnostics) {
        expect(d.message, file).toMatch(/^[a-z`]/);
        expect(d.message, file).not.toMatch(/[.\n]$|\n/);
        if (d.hint) expect(d.hint, file).not.toMatch(/\n/);
      }
    }
  });
});
