// Reading and compiling a policy file for a command, with diagnostics printed
// the same way by every command that compiles.
import { compilePolicy } from "../compiler/compile.js";
import { diagnostic, hasErrors } from "../compiler/diagnostics.js";
import { readNamedFile } from "../formats/namedFile.js";
import { renderText } from "../compiler/render.js";
import { ExitStatus } from "./io.js";
/** The policy's text, or why it cannot be read as a diagnostic (MSA5001 or MSA5003) anchored at its start. */
export function policyText(file) {
    const read = readNamedFile(file);
    if (read.ok)
        return read;
    const why = read.missing ? "no such file" : read.reason;
    const start = { start: 0, end: 0 };
    const problem = read.missing
        ? diagnostic("fileNotFound", file, start, `policy file \`${file}\` does not exist`)
        : diagnostic("fileUnreadable", file, start, `policy file \`${file}\` cannot be read: ${why}`);
    return { ok: false, problem, why };
}
export function readPolicyText(file, io) {
    const read = policyText(file);
    if (read.ok)
        return read.text;
    io.stderr.write(`msac: cannot read \`${file}\`: ${read.why}\n`);
    return undefined;
}
/** Compiles `file`, printing its diagnostics as text; fails with the contract's exit status. */
export function compileForCommand(file, io) {
    const text = readPolicyText(file, io);
    if (text === undefined)
        return { ok: false, status: ExitStatus.usage };
    const result = compilePolicy(file, text);
    io.stderr.write(renderText(result.diagnostics, result.sources, !!io.stderr.isTTY));
    if (hasErrors(result.diagnostics))
        return { ok: false, status: ExitStatus.errors };
    return { ok: true, result };
}
//# sourceMappingURL=loadPolicy.js.map