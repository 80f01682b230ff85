import lspNode from "vscode-languageserver/node";
import { compilePolicy } from "../../compiler/compile.js";
import { fixesOf, fixPolicy } from "../../compiler/fixPolicy.js";
import { lspMessage, lspSeverity } from "./documentDiagnostics.js";
import { fileOfUri } from "./editorFiles.js";
const { CodeActionKind } = lspNode;
function overlapsRange(a, b) {
    const before = (x, y) => x.line < y.line || (x.line === y.line && x.character < y.character);
    // Touching counts: a cursor just after a misspelt word still asks for its fix.
    return !before(a.end, b.start) && !before(b.end, a.start);
}
/**
 * The quick fixes for the diagnostics of `document` that touch `params.range`: one per fix the
 * checker offers, each a WorkspaceEdit of that document, and each checked first (a fix whose
 * result would report a new error is not offered). With two or more fixes, a `source.fixAll`
 * action applies them all, as `msac fmt --fix` does (without formatting).
 */
export function codeActionsFor(document, params, host) {
    const file = fileOfUri(document.uri);
    const text = document.getText();
    const result = compilePolicy(file, text, host);
    const rangeOf = (span) => ({ start: document.positionAt(span.start), end: document.positionAt(span.end) });
    const editOf = (fixes) => ({ changes: { [document.uri]: fixes.map((f) => ({ range: rangeOf(f.span), newText: f.text })) } });
    const only = params.context.only;
    const wants = (kind) => !only || only.some((k) => kind === k || kind.startsWith(`${k}.`));
    const actions = [];
    if (wants(CodeActionKind.QuickFix)) {
        for (const d of result.diagnostics) {
            if (d.file !== file || !d.fix || !overlapsRange(rangeOf(d.span), params.range))
                continue;
            if (fixPolicy(file, text, host, [d.fix]).applied.length === 0)
                continue;
            actions.push({
                title: d.fix.title,
                kind: CodeActionKind.QuickFix,
                isPreferred: true,
                diagnostics: [{ range: rangeOf(d.span), severity: lspSeverity(d), code: d.code, source: "msac", message: lspMessage(d) }],
                edit: editOf([d.fix]),
            });
        }
    }
    const all = fixesOf(file, result.diagnostics);
    if (all.length > 1 && wants(CodeActionKind.SourceFixAll)) {
        const outcome = fixPolicy(file, text, host, all);
        if (outcome.applied.length > 1)
            actions.push({ title: `apply ${outcome.applied.length} msac fixes`, kind: CodeActionKind.SourceFixAll, edit: editOf(outcome.applied) });
    }
    return actions;
}
//# sourceMappingURL=codeActions.js.map