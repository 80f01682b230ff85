// The compiler's front door: policy text in, rule graph (or diagnostics) out.
// Runs the phases in order and stops before lowering when any phase found an error.
import fs from "node:fs";
import type { PolicyAst } from "../grammar/ast.js";
import { checkPolicy } from "./check.js";
import { checkFiles, type CompilerHost } from "./checkFiles.js";
import { hasErrors, type Diagnostic } from "./diagnostics.js";
import type { RuleGraph } from "./graph.js";
import { lowerPolicy } from "./lower.js";
import { parsePolicy } from "./parse.js";

export interface CompileResult {
  /** Present when there are no errors (warnings allowed). */
  graph?: RuleGraph;
  ast: PolicyAst;
  diagnostics: Diagnostic[];
  /** Every file's text by name, for rendering diagnostics that point into them. */
  sources: Map<string, string>;
}

export const fileSystemHost: CompilerHost = {
  readFile(file) {
    try {
      return { ok: true, text: fs.readFileSync(file, "utf8") };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { ok: false, missing: code === "ENOENT" || code === "ENOTDIR", reason: code === "EISDIR" ? "it is a folder" : (error as Error).message };
    }
  },
};

export function compilePolicy(file: string, text: string, host: CompilerHost = fileSystemHost): CompileResult {
  const sources = new Map([[file, text]]);
  const parsed = parsePolicy(file, text);
  const checked = checkPolicy(file, parsed.value);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
  if (!hasErrors(parsed.diagnostics)) {
    const fileDiagnostics = checkFiles(file, checked.value, {
      readFile(path) {
        const result = host.readFile(path);
        if (result.ok) sources.set(path, result.text);
        return result;
      },
    });
    diagnostics.push(...fileDiagnostics);
  }
  diagnostics.sort((a, b) => (a.file === b.file ? a.span.start - b.span.start : a.file === file ? -1 : b.file === file ? 1 : 0));
  const graph = hasErrors(diagnostics) ? undefined : lowerPolicy(file, text, checked.value);
  return { graph, ast: parsed.value, diagnostics, sources };
}
