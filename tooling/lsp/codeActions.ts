// The checker's fix-its as code actions: a quick fix per fix in the requested range, and
// `source.fixAll` for all of them, the same edits as `msac fmt --fix`. A fix whose result
// would report a new error (compiler/fixPolicy.ts) is not offered.
import type { CodeAction, CodeActionParams, Range } from "vscode-languageserver/node";
import lspNode from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { CompilerHost } from "../../compiler/checkFiles.js";
import { compilePolicy } from "../../compiler/compile.js";
import type { Diagnostic, Fix } from "../../compiler/diagnostics.js";
import { fixesOf, fixPolicy } from "../../compiler/fixPolicy.js";
import { lspMessage, lspSeverity } from "./documentDiagnostics.js";
import { fileOfUri } from "./editorFiles.js";

const { CodeActionKind } = lspNode;

function overlapsRange(a: Range, b: Range): boolean {
  const before = (x: Range["start"], y: Range["start"]) => x.line < y.line || (x.line === y.line && x.character < y.character);
  // Touching counts: a cursor just after a misspelt word still asks for its fix.
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/**
 * The quick fixes for the diagnostics of `document` that touch `params.range`: one per fix the
 * checker offers, each a WorkspaceEdit of that document, and each checked first (a fix whose
 * result would report a new error is not offered). With two or more fixes, a `source.fixAll`
 * action applies them all, as `msac fmt --fix` does (without formatting).
 */
export function codeActionsFor(document: TextDocument, params: Pick<CodeActionParams, "range" | "context">, host: CompilerHost | null): CodeAction[] {
  const file = fileOfUri(document.uri);
  const text = document.getText();
  const result = compilePolicy(file, text, host);
  const rangeOf = (span: Diagnostic["span"]): Range => ({ start: document.positionAt(span.start), end: document.positionAt(span.end) });
  const editOf = (fixes: readonly Fix[]) => ({ changes: { [document.uri]: fixes.map((f) => ({ range: rangeOf(f.span), newText: f.text })) } });
  const only = params.context.only;
  const wants = (kind: string) => !only || only.some((k) => kind === k || kind.startsWith(`${k}.`));
  const actions: CodeAction[] = [];
  if (wants(CodeActionKind.QuickFix)) {
    for (const d of result.diagnostics) {
      if (d.file !== file || !d.fix || !overlapsRange(rangeOf(d.span), params.range)) continue;
      if (fixPolicy(file, text, host, [d.fix]).applied.length === 0) continue;
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
    if (outcome.applied.length > 1) actions.push({ title: `apply ${outcome.applied.length} msac fixes`, kind: CodeActionKind.SourceFixAll, edit: editOf(outcome.applied) });
  }
  return actions;
}
