// Reading and compiling a policy file for a command, with diagnostics printed
// the same way by every command that compiles.
import fs from "node:fs";
import { compilePolicy, type CompileResult } from "../compiler/compile.js";
import { hasErrors } from "../compiler/diagnostics.js";
import { renderText } from "../compiler/render.js";
import { ExitStatus, type CommandIo } from "./io.js";

export type LoadedPolicy = { ok: true; result: CompileResult } | { ok: false; status: number };

export function readPolicyText(file: string, io: CommandIo): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : (error as Error).message;
    io.stderr.write(`msac: cannot read \`${file}\`: ${why}\n`);
    return undefined;
  }
}

/** Compiles `file`, printing its diagnostics as text; fails with the contract's exit status. */
export function compileForCommand(file: string, io: CommandIo): LoadedPolicy {
  const text = readPolicyText(file, io);
  if (text === undefined) return { ok: false, status: ExitStatus.usage };
  const result = compilePolicy(file, text);
  io.stderr.write(renderText(result.diagnostics, result.sources, !!io.stderr.isTTY));
  if (hasErrors(result.diagnostics)) return { ok: false, status: ExitStatus.errors };
  return { ok: true, result };
}
