// The checker's diagnostics of one policy document, as the language server publishes them:
// those in the policy on the document, those inside the files it names (a users file line)
// on those files' URIs and, once more, on the policy line naming the file. A checker's
// `related` span becomes relatedInformation, and a diagnostic about a named file (a key
// that is no key) points at that file too. Everything comes from compilePolicy, the
// function `msac check` runs, so the editor and CI never disagree.
import path from "node:path";
import lspNode from "vscode-languageserver/node";
import { displayPolicyPath } from "../../compiler/checkFiles.js";
import { compilePolicy } from "../../compiler/compile.js";
import { LineMap } from "../../compiler/sourceText.js";
import { fileOfUri, uriOfFile } from "./editorFiles.js";
import { ruleAt, valuesAt } from "./syntaxAt.js";
const { DiagnosticSeverity } = lspNode;
/** The message as published: the checker's message with its help line. */
export function lspMessage(d, message = d.message) {
    return d.hint ? `${message}\nhelp: ${d.hint}` : message;
}
export function lspSeverity(d) {
    return d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning;
}
/**
 * Checks `document` as a policy; `host` reads the files it names, null skips them (a buffer
 * never saved, `untitled:`, has no folder to resolve them against, so each would look missing).
 */
export function checkDocument(document, host) {
    const file = fileOfUri(document.uri);
    const text = document.getText();
    const result = compilePolicy(file, text, host);
    const maps = new Map();
    const uriOf = (name) => (name === file ? document.uri : uriOfFile(path.resolve(name)));
    const rangeIn = (name, span) => {
        if (name === file)
            return { start: document.positionAt(span.start), end: document.positionAt(span.end) };
        let map = maps.get(name);
        if (!map)
            maps.set(name, (map = new LineMap(result.sources.get(name) ?? "")));
        const at = (offset) => {
            const { line, column } = map.position(offset);
            return { line: line - 1, character: column - 1 };
        };
        return { start: at(span.start), end: at(span.end) };
    };
    const toLsp = (d, range, message, related = d.related ?? []) => ({
        range,
        severity: lspSeverity(d),
        code: d.code,
        source: "msac",
        message: lspMessage(d, message),
        ...(related.length > 0 ? { relatedInformation: related.map((r) => ({ location: { uri: uriOf(r.file), range: rangeIn(r.file, r.span) }, message: r.message })) } : {}),
    });
    // The file a diagnostic's span names, when that span is a quoted path the compiler read.
    const fileNamedAt = (span) => {
        if (text[span.start] !== '"')
            return undefined;
        const rule = ruleAt(result.ast, span.start);
        const quoted = rule && valuesAt(rule, span.start).find((v) => v.span.start === span.start && v.span.end === span.end);
        const shown = quoted && displayPolicyPath(file, quoted.value);
        return shown && shown !== file && result.sources.has(shown) ? { value: quoted.value, shown } : undefined;
    };
    const published = { result, document: [], others: new Map(), named: new Set() };
    for (const name of result.sources.keys())
        if (name !== file)
            published.named.add(uriOf(name));
    for (const d of result.diagnostics) {
        if (d.file === file) {
            // A diagnostic on a file's path (a certificate that is no certificate) also points at the file.
            const named = fileNamedAt(d.span);
            const related = d.related ?? [];
            const aboutFile = named && !related.some((r) => r.file === named.shown) ? [{ file: named.shown, span: { start: 0, end: 0 }, message: `the file \`${named.value}\`` }] : [];
            published.document.push(toLsp(d, rangeIn(file, d.span), d.message, [...related, ...aboutFile]));
            continue;
        }
        // A problem inside a named file: published on that file, and shown on the policy line that names it.
        const uri = uriOf(d.file);
        const list = published.others.get(uri) ?? [];
        list.push(toLsp(d, rangeIn(d.file, d.span), d.message));
        published.others.set(uri, list);
        const naming = d.related?.find((r) => r.file === file);
        if (naming) {
            const line = rangeIn(d.file, d.span).start.line + 1;
            published.document.push(toLsp(d, rangeIn(file, naming.span), `\`${path.basename(d.file)}\` line ${line}: ${d.message}`, [{ file: d.file, span: d.span, message: d.message }]));
        }
    }
    return published;
}
//# sourceMappingURL=documentDiagnostics.js.map