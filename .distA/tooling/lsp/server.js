// The policy language server over any JSON-RPC connection (`msac lsp` gives it stdio): the
// checker's diagnostics as you type, on the policy and on the files it names
// (documentDiagnostics.ts); fix-its as code actions (codeActions.ts); completion
// (completion.ts); hover (hover.ts); go to definition (definition.ts); formatting
// (formatting.ts). This file only wires them to the protocol and keeps each policy's last
// check, which hover and definition read. A named file open in the editor is read from its
// buffer, and editing it checks again every open policy that names it; a change on disk the
// client reports (workspace/didChangeWatchedFiles) checks every open policy again.
import lspNode from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { codeActionsFor } from "./codeActions.js";
import { completionsAt } from "./completion.js";
import { definitionAt } from "./definition.js";
import { checkDocument } from "./documentDiagnostics.js";
import { editorHost } from "./editorFiles.js";
import { formattingEdits } from "./formatting.js";
import { hoverAt } from "./hover.js";
import { NamedFileDiagnostics } from "./namedFileDiagnostics.js";
const { CodeActionKind, CompletionItemKind, TextDocuments, TextDocumentSyncKind } = lspNode;
/** A document the server checks as a policy; a users file or key opened beside it is not one. */
function isPolicy(document) {
    return document.languageId === "msa" || document.uri.endsWith(".msa");
}
export function startLanguageServer(connection) {
    const documents = new TextDocuments(TextDocument);
    // Each open policy's last check, by URI.
    const checks = new Map();
    const namedFiles = new NamedFileDiagnostics();
    const host = editorHost((uri) => documents.get(uri)?.getText());
    // A buffer never saved (`untitled:`) has no folder, so the files it names cannot be found: they are not read.
    const hostFor = (uri) => (uri.startsWith("file:") ? host : null);
    const policy = (uri) => {
        const document = documents.get(uri);
        return document && isPolicy(document) ? document : undefined;
    };
    const publishNamed = (changed) => {
        for (const [uri, diagnostics] of changed)
            void connection.sendDiagnostics({ uri, diagnostics });
    };
    const check = (document) => {
        const checked = checkDocument(document, hostFor(document.uri));
        checks.set(document.uri, checked);
        void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics: checked.document });
        publishNamed(namedFiles.update(document.uri, checked.others));
    };
    const checkPoliciesNaming = (uri) => {
        for (const [policyUri, checked] of checks) {
            const document = checked.named.has(uri) ? policy(policyUri) : undefined;
            if (document)
                check(document);
        }
    };
    connection.onInitialize(() => ({
        capabilities: {
            textDocumentSync: TextDocumentSyncKind.Incremental,
            completionProvider: { triggerCharacters: [" "] },
            codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll] },
            hoverProvider: true,
            definitionProvider: true,
            documentFormattingProvider: true,
        },
        serverInfo: { name: "msac lsp" },
    }));
    documents.onDidChangeContent(({ document }) => {
        if (isPolicy(document))
            check(document);
        checkPoliciesNaming(document.uri);
    });
    documents.onDidClose(({ document }) => {
        if (checks.delete(document.uri)) {
            void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
            publishNamed(namedFiles.update(document.uri, new Map()));
        }
        // A named file closed unsaved is the disk's text again.
        checkPoliciesNaming(document.uri);
    });
    // A file changed on disk (the client watches the workspace): it may be one a policy names, or one it
    // missed before (a users file just created), so every open policy is checked again.
    connection.onDidChangeWatchedFiles(() => {
        for (const uri of checks.keys()) {
            const document = policy(uri);
            if (document)
                check(document);
        }
    });
    connection.onCodeAction((params) => {
        const document = policy(params.textDocument.uri);
        return document ? codeActionsFor(document, params, hostFor(document.uri)) : [];
    });
    connection.onCompletion(({ textDocument, position }) => {
        const document = policy(textDocument.uri);
        if (!document)
            return [];
        const line = document.getText({ start: { line: position.line, character: 0 }, end: position });
        return completionsAt(line).map((c) => ({
            label: c.label,
            detail: c.detail,
            kind: c.kind === "header" ? CompletionItemKind.Field : c.kind === "value" ? CompletionItemKind.Value : CompletionItemKind.Keyword,
        }));
    });
    connection.onHover(({ textDocument, position }) => {
        const document = documents.get(textDocument.uri);
        if (!document)
            return null;
        const checked = checks.get(textDocument.uri);
        return hoverAt(document, checked?.result.ast, checked?.document ?? namedFiles.on(textDocument.uri), position);
    });
    connection.onDefinition(({ textDocument, position }) => {
        const document = policy(textDocument.uri);
        const checked = checks.get(textDocument.uri);
        return document && checked ? definitionAt(document, checked.result.ast, document.offsetAt(position), hostFor(document.uri)) : null;
    });
    connection.onDocumentFormatting(({ textDocument }) => {
        const document = policy(textDocument.uri);
        return document ? formattingEdits(document) : [];
    });
    documents.listen(connection);
    connection.listen();
}
//# sourceMappingURL=server.js.map