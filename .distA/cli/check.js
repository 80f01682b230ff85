// `msac check FILE...`: parse and validate, print diagnostics, exit 0 / 1 / 2
// (with --deny-warnings, a warning is 1 too).
import { compilePolicy } from "../compiler/compile.js";
import { hasErrors } from "../compiler/diagnostics.js";
import { renderJson, renderText } from "../compiler/render.js";
import { ExitStatus } from "./io.js";
import { policyText } from "./loadPolicy.js";
/** `denyWarnings`: a warning fails the check as an error does (exit 1), for CI. */
export function runCheck(files, options, io) {
    let unreadable = false;
    const all = [];
    const json = [];
    for (const file of files) {
        const read = policyText(file);
        if (!read.ok) {
            unreadable = true;
            // A JSON reader sees every problem in the array, an unreadable policy included.
            if (options.format === "json")
                json.push(renderJson([read.problem], new Map())[0]);
            io.stderr.write(`msac: cannot read \`${file}\`: ${read.why}\n`);
            continue;
        }
        const result = compilePolicy(file, read.text);
        // One push per diagnostic: spreading a million of them into push() overflows the call stack.
        for (const d of result.diagnostics)
            all.push(d);
        if (options.format === "json")
            for (const d of renderJson(result.diagnostics, result.sources))
                json.push(d);
        else
            io.stdout.write(renderText(result.diagnostics, result.sources, !!io.stdout.isTTY));
    }
    if (options.format === "json")
        io.stdout.write(JSON.stringify(json, null, 2) + "\n");
    else {
        const errors = all.filter((d) => d.severity === "error").length;
        const warnings = all.length - errors;
        if (all.length > 0)
            io.stdout.write(`${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}\n`);
    }
    if (unreadable)
        return ExitStatus.usage;
    return hasErrors(all) || (options.denyWarnings && all.length > 0) ? ExitStatus.errors : ExitStatus.ok;
}
//# sourceMappingURL=check.js.map