// The policy language server: the checker's diagnostics as you type, their
// fix-its as quick-fix code actions, and completion of verbs and header names,
// over any JSON-RPC connection (`msac lsp` gives it stdio). Every diagnostic and
// fix comes from compilePolicy, the same function `msac check` and `msac fmt
// --fix` run, so the editor and CI never disagree; a fix whose result would
// report a new error (compiler/fixPolicy.ts) is not offered.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import lspNode from "vscode-languageserver/node";
import type { CodeAction, CodeActionParams, Connection, Diagnostic as LspDiagnostic, Range } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { compilePolicy, fileSystemHost } from "../../compiler/compile.js";
import type { Diagnostic, Fix } from "../../compiler/diagnostics.js";
import { fixesOf, fixPolicy } from "../../compiler/fixPolicy.js";
import { LineMap } from "../../compiler/sourceText.js";
import { completionsAt } from "./completion.js";

const { CodeActionKind, CompletionItemKind, DiagnosticSeverity, TextDocuments, TextDocumentSyncKind } = lspNode;

/** The file name compilePolicy sees: a path for file: URIs, so relative paths in the policy resolve. */
export function fileOfUri(uri: string): string {
  return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
}

/** What one check of a document publishes: its own diagnostics, and those inside the files it names, by URI. */
export interface PublishedDiagnostics {
  document: LspDiagnostic[];
  others: Map<string, LspDiagnostic[]>;
}

/** The same diagnostic as the server publishes it: code, message with its help line, and range. */
function toLspMessage(d: Diagnostic, message = d.message): string {
  return d.hint ? `${message}\nhelp: ${d.hint}` : message;
}

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
export function codeActionsFor(document: TextDocument, params: Pick<CodeActionParams, "range" | "context">): CodeAction[] {
  const file = fileOfUri(document.uri);
  const host = document.uri.startsWith("file:") ? fileSystemHost : null;
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
        diagnostics: [
          {
            range: rangeOf(d.span),
            severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
            code: d.code,
            source: "msac",
            message: toLspMessage(d),
          },
        ],
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

export function checkDocument(document: TextDocument): PublishedDiagnostics {
  const file = fileOfUri(document.uri);
  // A buffer never saved (`untitled:`) has no folder, so the files it names cannot be found: they are not checked.
  const saved = document.uri.startsWith("file:");
  const result = compilePolicy(file, document.getText(), saved ? undefined : null);
  const maps = new Map<string, LineMap>();
  const uriOf = (name: string) => (name === file ? document.uri : pathToFileURL(path.resolve(name)).href);
  const rangeIn = (name: string, span: Diagnostic["span"]): Range => {
    if (name === file) return { start: document.positionAt(span.start), end: document.positionAt(span.end) };
    let map = maps.get(name);
    if (!map) maps.set(name, (map = new LineMap(result.sources.get(name) ?? "")));
    const at = (offset: number) => {
      const { line, column } = map!.position(offset);
      return { line: line - 1, character: column - 1 };
    };
    return { start: at(span.start), end: at(span.end) };
  };
  const toLsp = (d: Diagnostic, range: Range, message: string, related = d.related ?? []): LspDiagnostic => ({
    range,
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "msac",
    message: toLspMessage(d, message),
    ...(related.length > 0 ? { relatedInformation: related.map((r) => ({ location: { uri: uriOf(r.file), range: rangeIn(r.file, r.span) }, message: r.message })) } : {}),
  });

  const published: PublishedDiagnostics = { document: [], others: new Map() };
  for (const d of result.diagnostics) {
    if (d.file === file) {
      published.document.push(toLsp(d, rangeIn(file, d.span), d.message));
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
      published.document.push(
        toLsp(d, rangeIn(file, naming.span), `\`${path.basename(d.file)}\` line ${line}: ${d.message}`, [{ file: d.file, span: d.span, message: d.message }]),
      );
    }
  }
  return published;
}

export function startLanguageServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  // The named files each document last published diagnostics on, to clear them once they are fixed.
  const othersOf = new Map<string, Set<string>>();
  const publishOthers = (uri: string, others: Map<string, LspDiagnostic[]>) => {
    for (const stale of othersOf.get(uri) ?? []) {
      if (!others.has(stale)) void connection.sendDiagnostics({ uri: stale, diagnostics: [] });
    }
    for (const [other, diagnostics] of others) void connection.sendDiagnostics({ uri: other, diagnostics });
    othersOf.set(uri, new Set(others.keys()));
  };
  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [" "] },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll] },
    },
    serverInfo: { name: "msac lsp" },
  }));
  documents.onDidChangeContent(({ document }) => {
    const published = checkDocument(document);
    void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics: published.document });
    publishOthers(document.uri, published.others);
  });
  documents.onDidClose(({ document }) => {
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    publishOthers(document.uri, new Map());
  });
  connection.onCodeAction((params) => {
    const document = documents.get(params.textDocument.uri);
    return document ? codeActionsFor(document, params) : [];
  });
  connection.onCompletion(({ textDocument, position }) => {
    const document = documents.get(textDocument.uri);
    if (!document) return [];
    const line = document.getText({ start: { line: position.line, character: 0 }, end: position });
    return completionsAt(line).map((c) => ({
      label: c.label,
      detail: c.detail,
      kind: c.kind === "header" ? CompletionItemKind.Field : c.kind === "value" ? CompletionItemKind.Value : CompletionItemKind.Keyword,
    }));
  });
  documents.listen(connection);
  connection.listen();
}
