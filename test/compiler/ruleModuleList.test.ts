// compiler/rules/moduleList.ts is generated from the folder: every file of compiler/rules/ that
// exports a RuleModule is in the registry, so a new rule is a new file and a regeneration
// (UPDATE_GOLDEN=1), not a hand edit of a list.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RULE_MODULES } from "../../compiler/rules/index.js";
import { expectGolden, repoRoot } from "./golden.js";

const RULES = path.join(repoRoot, "compiler/rules");

/** Each exported rule module of the folder, by file name. */
function exportedModules(): { name: string; file: string }[] {
  return fs
    .readdirSync(RULES)
    .filter((file) => file.endsWith(".ts"))
    .sort()
    .flatMap((file) =>
      [...fs.readFileSync(path.join(RULES, file), "utf8").matchAll(/^export const (\w+): RuleModule</gm)].map((m) => ({ name: m[1]!, file: file.replace(/\.ts$/, ".js") })),
    );
}

function renderModuleList(): string {
  const modules = exportedModules();
  return [
    "// Generated from the files of compiler/rules/ by test/compiler/ruleModuleList.test.ts: every",
    "// exported RuleModule, by file name. Do not edit; regenerate with UPDATE_GOLDEN=1.",
    ...modules.map((m) => `import { ${m.name} } from "./${m.file}";`),
    "",
    "export const MODULE_LIST = [",
    ...modules.map((m) => `  ${m.name},`),
    "] as const;",
    "",
  ].join("\n");
}

describe("compiler/rules/moduleList.ts", () => {
  it("lists every rule module of the folder", () => {
    expectGolden("compiler/rules/moduleList.ts", renderModuleList());
  });

  it("is the registry the compiler uses", () => {
    expect(RULE_MODULES.length).toBe(exportedModules().length);
    expect(RULE_MODULES.length).toBeGreaterThan(20);
  });
});
