// What ships must run without devDependencies: the container recipe in docs/deployment.md runs
// `npm prune --omit=dev`. Every package the product's own code imports must be a dependency.
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url).pathname;
const PRODUCT_FOLDERS = ["cli", "compiler", "grammar", "runtime", "tooling", "graph", "formats"];
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .map((file) => join(root, folder, file));
}

/** The package an import specifier names (`@scope/name/sub` -> `@scope/name`), or null for a relative or built-in one. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier)) return null;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

describe("packaging", () => {
  it("lists every package that the product's folders import under dependencies", () => {
    const imported = new Map<string, string>();
    for (const file of PRODUCT_FOLDERS.flatMap(sourceFiles)) {
      for (const match of readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)\s(?!type\s)[^;]*?from\s+"([^"]+)"/gm)) {
        const name = packageOf(match[1]!);
        if (name) imported.set(name, file.slice(root.length));
      }
    }
    expect(imported.size).toBeGreaterThan(5);
    const missing = [...imported].filter(([name]) => !(name in manifest.dependencies)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });

  it("has the container recipe (deploy/Containerfile) copy every folder of the product's code", () => {
    const recipe = readFileSync(join(root, "deploy", "Containerfile"), "utf8");
    const copied = [...recipe.matchAll(/^COPY (\S+) \1$/gm)].map((m) => m[1]);
    expect(PRODUCT_FOLDERS.filter((folder) => !copied.includes(folder))).toEqual([]);
  });
});
