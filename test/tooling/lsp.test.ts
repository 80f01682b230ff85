// Tests for `msac lsp`: spawns the built command (node dist/cli/msac.js lsp),
// speaks JSON-RPC over its stdio as an editor would (initialize, didOpen with an
// error, publishDiagnostics, didChange, completion, shutdown, exit), and checks
// completion directly (test/tooling/completion.test.ts holds it to the grammar). The files a
// policy names are tested in lspNamedFiles.test.ts.
import { spawn } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completionsAt } from "../../tooling/lsp/completion.js";
import { Client } from "./lspClient.js";

let client: Client;
const uri = pathToFileURL(path.resolve("policies/editing.msa")).href;

beforeAll(() => {
  // The test drives the built command, as an editor would (dist/ is built once by test/globalSetup.ts).
  client = new Client(spawn(process.execPath, ["dist/cli/msac.js", "lsp"], { stdio: "pipe" }));
}, 120_000);

afterAll(() => {
  if (client && client.child.exitCode === null) client.child.kill();
});

describe("msac lsp over stdio", () => {
  it("initializes with every capability it serves", async () => {
    const result = await client.request("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
    expect(result.capabilities).toEqual({
      textDocumentSync: 2,
      completionProvider: { triggerCharacters: [" "] },
      codeActionProvider: { codeActionKinds: ["quickfix", "source.fixAll"] },
      hoverProvider: true,
      definitionProvider: true,
      documentFormattingProvider: true,
    });
    client.notify("initialized", {});
  });

  it("publishes the checker's diagnostics with their ranges when a document opens", async () => {
    const text = "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\nadd Dat\n";
    client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "msa", version: 1, text } });
    const published = await client.next("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === 1);
    const unknownHeader = published.diagnostics.find((d: any) => d.code === "MSA3005");
    expect(unknownHeader).toMatchObject({ severity: 1, source: "msac", range: { start: { line: 3, character: 4 }, end: { line: 3, character: 7 } } });
    expect(unknownHeader.message).toContain("`Dat`");
  });

  it("publishes again on change, empty once the error is fixed", async () => {
    client.notify("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 3, character: 4 }, end: { line: 3, character: 7 } }, text: "Date" }],
    });
    const published = await client.next("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === 2);
    expect(published.diagnostics.filter((d: any) => d.severity === 1)).toEqual([]);
  });

  it("completes rule verbs at the start of a line and header names after `add`", async () => {
    client.notify("textDocument/didChange", { textDocument: { uri, version: 3 }, contentChanges: [{ text: "hostname msa.example.test\nadd \nre" }] });
    const afterAdd = await client.request("textDocument/completion", { textDocument: { uri }, position: { line: 1, character: 4 } });
    expect(afterAdd.map((i: any) => i.label)).toEqual(["header", "Date", "Message-ID", "From", "Sender", "Received"]);
    const verbs = await client.request("textDocument/completion", { textDocument: { uri }, position: { line: 2, character: 2 } });
    expect(verbs.map((i: any) => i.label)).toContain("require");
  });

  it("sends the related locations of a diagnostic", async () => {
    const text = "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\nlog info\nlog info\n";
    client.notify("textDocument/didChange", { textDocument: { uri, version: 4 }, contentChanges: [{ text }] });
    const published = await client.next("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === 4);
    expect(published.diagnostics).toMatchObject([
      {
        code: "MSA2001",
        range: { start: { line: 4, character: 0 } },
        relatedInformation: [{ location: { uri, range: { start: { line: 3, character: 0 }, end: { line: 3, character: 8 } } }, message: "the first `log` is here" }],
      },
    ]);
  });

  it("does not call the files of an unsaved buffer missing", async () => {
    const untitled = "untitled:Untitled-1";
    const text = 'hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nauth users "users.passwd"\nrequire auth\nadd Dat\n';
    client.notify("textDocument/didOpen", { textDocument: { uri: untitled, languageId: "msa", version: 1, text } });
    const published = await client.next("textDocument/publishDiagnostics", (p) => p.uri === untitled);
    expect(published.diagnostics.map((d: any) => d.code)).toEqual(["MSA3005"]);
  });

  it("shuts down and exits when asked", async () => {
    await client.request("shutdown", null);
    const exited = new Promise<number | null>((resolve) => client.child.on("exit", (code) => resolve(code)));
    client.notify("exit", null);
    expect(await exited).toBe(0);
  });
});

describe("completion", () => {
  it("offers the words that may follow each verb, nothing inside comments", () => {
    expect(completionsAt("require ").map((c) => c.label)).toEqual(["tls", "auth", "helo"]);
    expect(completionsAt("log ").map((c) => c.label)).toEqual(["errors", "info", "debug"]);
    expect(completionsAt("# add ")).toEqual([]);
    expect(completionsAt("frobnicate ")).toEqual([]);
  });
});
