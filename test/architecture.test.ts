// The folders' dependency rules, read from every import of every source file: the compiler and
// the runtime meet only in graph/ (the rule graph) and formats/ (side files and address syntax),
// which depend on neither, and no two folders import each other, even through a third.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const FOLDERS = ["grammar", "compiler", "runtime", "tooling", "cli", "graph", "formats"] as const;
type Folder = (typeof FOLDERS)[number];

/** Which folders each folder must never import. */
const FORBIDDEN: Record<Folder, readonly Folder[]> = {
  grammar: ["compiler", "runtime", "tooling", "cli"],
  compiler: ["runtime", "tooling", "cli"],
  runtime: ["compiler", "grammar", "tooling", "cli"],
  tooling: ["cli"],
  cli: [],
  graph: ["grammar", "compiler", "runtime", "tooling", "cli", "formats"],
  formats: ["grammar", "compiler", "runtime", "tooling", "cli", "graph"],
};

function sourceFiles(folder: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => path.join(folder, file));
}

interface FolderImport {
  from: Folder;
  to: string;
  file: string;
  specifier: string;
}

/** Every relative import (static, type-only, re-export or dynamic) that leaves its folder. */
function crossFolderImports(): FolderImport[] {
  const found: FolderImport[] = [];
  for (const folder of FOLDERS) {
    for (const file of sourceFiles(folder)) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
        const specifier = imported.fileName;
        if (!specifier.startsWith(".")) continue;
        const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier)).split(path.sep)[0]!;
        if (target !== folder) found.push({ from: folder, to: target, file, specifier });
      }
    }
  }
  return found;
}

/** A cycle in the folder graph as `a -> b -> a`, or null. */
function folderCycle(edges: ReadonlyMap<string, ReadonlySet<string>>): string | null {
  const state = new Map<string, "open" | "done">();
  const trail: string[] = [];
  const visit = (node: string): string | null => {
    if (state.get(node) === "done") return null;
    if (state.get(node) === "open") return [...trail.slice(trail.indexOf(node)), node].join(" -> ");
    state.set(node, "open");
    trail.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe("folder dependencies", () => {
  const imports = crossFolderImports();

  it("reads the imports of every folder", () => {
    for (const folder of FOLDERS) expect(sourceFiles(folder).length, folder).toBeGreaterThan(0);
    expect(imports.some((i) => i.from === "runtime" && i.to === "graph")).toBe(true);
    expect(imports.some((i) => i.from === "compiler" && i.to === "formats")).toBe(true);
  });

  it.each(FOLDERS)("%s imports none of the folders it must not", (folder) => {
    const wrong = imports.filter((i) => i.from === folder && (FORBIDDEN[folder] as readonly string[]).includes(i.to)).map((i) => `${i.file} imports ${i.specifier}`);
    expect(wrong).toEqual([]);
  });

  it("has no cycle between folders", () => {
    const edges = new Map<string, Set<string>>();
    for (const { from, to } of imports) {
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
    expect(folderCycle(edges)).toBeNull();
  });

  it("finds a cycle when there is one", () => {
    expect(
      folderCycle(
        new Map([
          ["a", new Set(["b"])],
          ["b", new Set(["c"])],
          ["c", new Set(["a"])],
        ]),
      ),
    ).toBe("a -> b -> c -> a");
  });
});
