// How the language server names and reads files: file: URIs to paths and back, and a
// compiler host that reads a named file from the editor's buffer when it is open there
// (saved or not) and from the disk otherwise, so a users file is checked as it is typed.
import { fileURLToPath, pathToFileURL } from "node:url";
import { fileSystemHost } from "../../compiler/compile.js";
/** The file name compilePolicy sees: a path for file: URIs, so relative paths in the policy resolve. */
export function fileOfUri(uri) {
    return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
}
export function uriOfFile(file) {
    return pathToFileURL(file).href;
}
/** Reads a named file from the open buffer of its URI when there is one, else from the disk. */
export function editorHost(openText) {
    return {
        readFile: (file) => {
            const text = openText(uriOfFile(file));
            return text === undefined ? fileSystemHost.readFile(file) : { ok: true, text };
        },
        listFolder: fileSystemHost.listFolder,
    };
}
//# sourceMappingURL=editorFiles.js.map