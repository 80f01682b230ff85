// docs/rules.md is generated from the rule modules: the file kept must be what
// the modules say, and every module must be named after its verb's production.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RULE_MODULES } from "../../compiler/rules/index.js";
import { renderRulesDoc } from "../../compiler/rulesDoc.js";
import { expectGolden, repoRoot } from "./golden.js";

describe("docs/rules.md", () => {
  it("is up to date with the rule modules", () => {
    expectGolden("docs/rules.md", renderRulesDoc());
  });

  it("names a module file that exists for every rule", () => {
    // The last column of the table.
    const files = [...renderRulesDoc().matchAll(/ \| `(compiler\/rules\/\w+\.ts)` \|$/gm)].map((m) => m[1]!);
    expect(files).toHaveLength(RULE_MODULES.length);
    for (const file of files) expect(fs.existsSync(path.join(repoRoot, file)), file).toBe(true);
  });
});
