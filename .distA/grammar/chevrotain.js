// chevrotain, loaded from its single-file bundle: the package's entry point
// imports hundreds of lodash-es modules, which costs every `msac` start about
// half a second; the bundle (the same code, shipped in the package) loads in
// tens of milliseconds. Every runtime use of chevrotain goes through this
// module, so tokens and parsers all come from one instance; types still come
// from the package's declarations.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
async function loadChevrotain() {
    // `exports` maps the package to lib/src/api.js; the bundle sits at lib/chevrotain.mjs.
    const entry = createRequire(import.meta.url).resolve("chevrotain");
    const bundle = path.resolve(path.dirname(entry), "..", "chevrotain.mjs");
    if (fs.existsSync(bundle))
        return (await import(pathToFileURL(bundle).href));
    return import("chevrotain");
}
const chevrotain = await loadChevrotain();
export const { CstParser, EOF, Lexer, createSyntaxDiagramsCode, createToken } = chevrotain;
//# sourceMappingURL=chevrotain.js.map