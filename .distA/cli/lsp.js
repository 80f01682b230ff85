// `msac lsp`: the policy language server (tooling/lsp/) on standard input and
// output, for editors. Runs until the client sends `exit` or closes stdin.
import lspNode from "vscode-languageserver/node";
import { startLanguageServer } from "../tooling/lsp/server.js";
export function runLsp() {
    const { createConnection, StreamMessageReader, StreamMessageWriter } = lspNode;
    startLanguageServer(createConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout)));
}
//# sourceMappingURL=lsp.js.map