// The policy language server: the checker's diagnostics as you type and
// completion of verbs and header names, over any JSON-RPC connection
// (`msac lsp` gives it stdio). Every diagnostic comes from compilePolicy, the
// same function `msac check` runs, so the editor and CI never disagree.
import { fileURLToPath } from "node:url";
import lspNode from "vscode-languageserver/node";
import type { Connection, Diagnostic as LspDiagnostic } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { compilePolicy } from "../../compiler/compile.js";
import { completionsAt } from "./completion.js";

const { CompletionItemKind, DiagnosticSeverity, TextDocuments, TextDocumentSyncKind } = lspNode;

/** The file name compilePolicy sees: a path for file: URIs, so relative paths in the policy resolve. */
export function fileOfUri(uri: string): string {
  return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
}

export function diagnosticsFor(document: TextDocument): LspDiagnostic[] {
  const file = fileOfUri(document.uri);
  const result = compilePolicy(file, document.getText());
  return result.diagnostics
    .filter((d) => d.file === file)
    .map((d) => ({
      range: { start: document.positionAt(d.span.start), end: document.positionAt(d.span.end) },
      severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      code: d.code,
      source: "msac",
      message: d.hint ? `${d.message}\nhelp: ${d.hint}` : d.message,
    }));
}

export function startLanguageServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [" "] },
    },
    serverInfo: { name: "msac lsp" },
  }));
  documents.onDidChangeContent(({ document }) => {
    void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics: diagnosticsFor(document) });
  });
  documents.onDidClose(({ document }) => {
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
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
