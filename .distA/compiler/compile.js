// The compiler's front door: policy text in, rule graph (or diagnostics) out.
// Runs the phases in order and stops before lowering when any phase found an error.
import { checkPolicy } from "./check.js";
import { checkFiles } from "./checkFiles.js";
import { hasErrors } from "./diagnostics.js";
import { lowerPolicy } from "./lower.js";
import { listNamedFolder, readNamedFile } from "../formats/namedFile.js";
import { parsePolicy } from "./parse.js";
export const fileSystemHost = {
    readFile: (file) => readNamedFile(file),
    listFolder: (folder) => listNamedFolder(folder),
};
/**
 * `host` reads the files the policy names; null skips them (an editor's unsaved buffer has no
 * folder to resolve them against, so every one would look missing).
 */
export function compilePolicy(file, text, host = fileSystemHost) {
    const sources = new Map([[file, text]]);
    const parsed = parsePolicy(file, text);
    const checked = checkPolicy(file, parsed.value, { complete: !hasErrors(parsed.diagnostics), text });
    const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
    if (!hasErrors(parsed.diagnostics) && host) {
        const files = checkFiles(file, checked.value, host);
        for (const [name, fileText] of files.value)
            if (!sources.has(name))
                sources.set(name, fileText);
        for (const d of files.diagnostics)
            diagnostics.push(d);
    }
    // The policy's own diagnostics first, then those in the files it names; each file's in source order.
    const fileRank = (name) => (name === file ? "" : "\u0001" + name);
    diagnostics.sort((a, b) => (a.file === b.file ? a.span.start - b.span.start : fileRank(a.file) < fileRank(b.file) ? -1 : 1));
    const graph = hasErrors(diagnostics) ? undefined : lowerPolicy(file, text, checked.value);
    return { graph, ast: parsed.value, diagnostics, sources };
}
//# sourceMappingURL=compile.js.map