// `msac fmt FILE...`: print policies in canonical layout (tooling/format/), or
// with --check report the files that are not (exit 1, for CI), or with --write
// rewrite them in place. With --fix, the fix-its the checker offers are applied
// first (compiler/fixPolicy.ts: all or none, never one that adds an error) and
// the file is rewritten; with --check too, nothing is written and the command
// says whether fixing and formatting would change the file. A file that does not
// parse is reported and left unformatted.
import fs from "node:fs";
import { fixPolicy } from "../compiler/fixPolicy.js";
import { renderText } from "../compiler/render.js";
import { formatPolicy } from "../tooling/format/format.js";
import { ExitStatus } from "./io.js";
import { readPolicyText } from "./loadPolicy.js";
const fixes = (n) => `${n} ${n === 1 ? "fix" : "fixes"}`;
/** Applies the fixes of one file, saying what happened; undefined when they were refused. */
function applyFixesOf(file, text, options, io) {
    const outcome = fixPolicy(file, text);
    if (outcome.newErrors.length > 0) {
        io.stderr.write(`${file}: no fix applied: the fixed policy would report ${outcome.newErrors.length === 1 ? "an error" : "errors"} it does not now\n`);
        io.stderr.write(renderText(outcome.newErrors, new Map([[file, outcome.refusedText ?? text]]), !!io.stderr.isTTY));
        return undefined;
    }
    const left = outcome.skipped.length > 0 ? ` (${fixes(outcome.skipped.length)} left: ${outcome.skipped.length === 1 ? "it overlaps" : "they overlap"} another; run again)` : "";
    if (options.check) {
        if (outcome.applied.length > 0)
            io.stdout.write(`${file}: ${fixes(outcome.applied.length)} to apply (run \`msac fmt --fix ${file}\`)${left}\n`);
    }
    else
        io.stdout.write(`${file}: ${outcome.applied.length === 0 ? "no fixes" : fixes(outcome.applied.length)} applied${left}\n`);
    return outcome;
}
export function runFmt(files, options, io) {
    if (options.check && options.write) {
        io.stderr.write("msac: give --check or --write, not both\n");
        return ExitStatus.usage;
    }
    let status = ExitStatus.ok;
    const fail = () => {
        if (status === ExitStatus.ok)
            status = ExitStatus.errors;
    };
    for (const file of files) {
        const text = readPolicyText(file, io);
        if (text === undefined) {
            status = ExitStatus.usage;
            continue;
        }
        let fixed = text;
        if (options.fix) {
            const outcome = applyFixesOf(file, text, options, io);
            if (!outcome) {
                fail();
                continue;
            }
            fixed = outcome.text;
        }
        const result = formatPolicy(file, fixed);
        if (!result.ok) {
            io.stderr.write(result.reason ? `${file}: ${result.reason}\n` : renderText(result.diagnostics, new Map([[file, fixed]]), !!io.stderr.isTTY));
            // The fixes hold even when another line keeps the file from being formatted.
            if (options.fix && !options.check && fixed !== text)
                fs.writeFileSync(file, fixed);
            fail();
            continue;
        }
        if (options.check) {
            if (result.text !== fixed)
                io.stdout.write(`${file}: not formatted (run \`msac fmt ${options.fix ? "--fix" : "--write"} ${file}\`)\n`);
            if (result.text !== text)
                fail();
        }
        else if (options.write || options.fix) {
            if (result.text !== text)
                fs.writeFileSync(file, result.text);
        }
        else {
            io.stdout.write(result.text);
        }
    }
    return status;
}
//# sourceMappingURL=fmt.js.map