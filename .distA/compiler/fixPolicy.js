// Applying a policy's fix-its safely: every fix the checker offers for the policy
// file itself, applied together (compiler/fixes.ts), then the whole policy checked
// again. A fix set whose result reports an error the original did not is applied
// not at all: a fix must never turn a policy into one that fails to parse or check.
// Used by `msac fmt --fix` (all fixes) and the language server (one quick fix).
import { checkPolicy } from "./check.js";
import { checkFiles } from "./checkFiles.js";
import { compilePolicy, fileSystemHost } from "./compile.js";
import { applyFixes } from "./fixes.js";
import { parsePolicy } from "./parse.js";
/**
 * The errors of a policy, each phase run on whatever parsed. Unlike compilePolicy, the policy-wide
 * lints run even when a line did not parse, so that fixing that line does not count the lints it
 * unblocks as new errors.
 */
function errorsOf(file, text, host) {
    const parsed = parsePolicy(file, text);
    const checked = checkPolicy(file, parsed.value, { complete: true, text });
    const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
    if (host)
        diagnostics.push(...checkFiles(file, checked.value, host).diagnostics);
    return diagnostics.filter((d) => d.severity === "error");
}
/** Errors of `after` that `before` does not report (compared by code and message: spans move when text is edited). */
function newErrorsOf(file, before, after, host) {
    const count = new Map();
    const key = (d) => `${d.file}\u0000${d.code}\u0000${d.message}`;
    for (const d of errorsOf(file, before, host))
        count.set(key(d), (count.get(key(d)) ?? 0) + 1);
    return errorsOf(file, after, host).filter((d) => {
        const left = count.get(key(d)) ?? 0;
        count.set(key(d), left - 1);
        return left <= 0;
    });
}
/** The fixes offered for the policy file itself (a fix inside a named file is not the policy's to apply). */
export function fixesOf(file, diagnostics) {
    return diagnostics.filter((d) => d.file === file && d.fix).map((d) => d.fix);
}
/** Applies `fixes` (by default every fix the policy's diagnostics offer) if the result has no new error. */
export function fixPolicy(file, text, host = fileSystemHost, fixes) {
    const offered = fixes ?? fixesOf(file, compilePolicy(file, text, host).diagnostics);
    const result = applyFixes(text, offered);
    if (result.applied.length === 0)
        return { text, applied: [], skipped: result.skipped, newErrors: [] };
    const newErrors = newErrorsOf(file, text, result.text, host);
    if (newErrors.length > 0)
        return { text, applied: [], skipped: result.skipped, newErrors, refusedText: result.text };
    return { text: result.text, applied: result.applied, skipped: result.skipped, newErrors: [] };
}
//# sourceMappingURL=fixPolicy.js.map