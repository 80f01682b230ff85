// `msac check FILE...`: parse and validate, print diagnostics, exit 0 / 1 / 2.
import { compilePolicy } from "../compiler/compile.js";
import { hasErrors, type Diagnostic } from "../compiler/diagnostics.js";
import { renderJson, renderText, type JsonDiagnostic } from "../compiler/render.js";
import { ExitStatus, type CommandIo } from "./io.js";
import { readPolicyText } from "./loadPolicy.js";

export function runCheck(files: string[], options: { format: "text" | "json" }, io: CommandIo): number {
  let unreadable = false;
  const all: Diagnostic[] = [];
  const json: JsonDiagnostic[] = [];
  for (const file of files) {
    const text = readPolicyText(file, io);
    if (text === undefined) {
      unreadable = true;
      continue;
    }
    const result = compilePolicy(file, text);
    all.push(...result.diagnostics);
    if (options.format === "json") json.push(...renderJson(result.diagnostics, result.sources));
    else io.stdout.write(renderText(result.diagnostics, result.sources, !!io.stdout.isTTY));
  }
  if (options.format === "json") io.stdout.write(JSON.stringify(json, null, 2) + "\n");
  else {
    const errors = all.filter((d) => d.severity === "error").length;
    const warnings = all.length - errors;
    if (all.length > 0) io.stdout.write(`${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}\n`);
  }
  if (unreadable) return ExitStatus.usage;
  return hasErrors(all) ? ExitStatus.errors : ExitStatus.ok;
}
