// Tests for the quick fixes of `msac lsp`: spawns the built command and asks, as an
// editor does, for `textDocument/codeAction` in a range; each fix-it the checker
// offers there comes back as a QuickFix whose WorkspaceEdit, applied to the
// document, removes the diagnostic. A fix that would add an error is not offered.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { TextDocument } from "vscode-languageserver-textdocument";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import { Client } from "./lspClient.js";

let client: Client;
let folder: string;
let version = 0;
const uriOf = (name: string) => pathToFileURL(path.join(folder, name)).href;
const HEAD = "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\n";

/** Opens `text` as a new document and waits for its diagnostics. */
async function open(name: string, text: string): Promise<{ uri: string; diagnostics: any[] }> {
  const uri = uriOf(name);
  version++;
  client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "msa", version, text } });
  const published = await client.next("textDocument/publishDiagnostics", (p) => p.uri === uri);
  return { uri, diagnostics: published.diagnostics };
}

function codeActions(uri: string, line: number, character = 0, endCharacter = character, only?: string[]): Promise<any[]> {
  return client.request("textDocument/codeAction", {
    textDocument: { uri },
    range: { start: { line, character }, end: { line, character: endCharacter } },
    context: { diagnostics: [], ...(only ? { only } : {}) },
  });
}

/** What the editor does with an action: apply its edits to the text. */
function applyEdit(uri: string, text: string, action: any): string {
  return TextDocument.applyEdits(TextDocument.create(uri, "msa", 1, text), action.edit.changes[uri]);
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "msac-lsp-fix-"));
  client = new Client(spawn(process.execPath, ["dist/cli/msac.js", "lsp"], { stdio: "pipe" }));
  const result = await client.request("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  expect(result.capabilities.codeActionProvider).toEqual({ codeActionKinds: ["quickfix", "source.fixAll"] });
  client.notify("initialized", {});
}, 120_000);

afterAll(() => {
  if (client && client.child.exitCode === null) client.child.kill();
  fs.rmSync(folder, { recursive: true, force: true });
});

describe("quick fixes over stdio", () => {
  it("offers the spelling of an unknown verb as a preferred quick fix whose edit replaces the word", async () => {
    const text = `${HEAD}enforse address syntax\n`;
    const { uri, diagnostics } = await open("verb.msa", text);
    expect(diagnostics.map((d: any) => d.code)).toEqual(["MSA1002"]);
    const actions = await codeActions(uri, 3, 2);
    expect(actions).toEqual([
      {
        title: "replace `enforse` with `enforce`",
        kind: "quickfix",
        isPreferred: true,
        diagnostics: [expect.objectContaining({ code: "MSA1002", range: { start: { line: 3, character: 0 }, end: { line: 3, character: 7 } } })],
        edit: { changes: { [uri]: [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 7 } }, newText: "enforce" }] } },
      },
    ]);
    const fixed = applyEdit(uri, text, actions[0]);
    expect(fixed).toBe(`${HEAD}enforce address syntax\n`);
    expect(compilePolicy("p.msa", fixed).diagnostics).toEqual([]);
  });

  it("offers only the fixes of the diagnostics in the requested range", async () => {
    const text = `${HEAD}limit size 25mb\ntls protocols TLS1.3\nlog erors\n`;
    const { uri } = await open("values.msa", text);
    expect((await codeActions(uri, 3, 12, 12, ["quickfix"])).map((a) => a.title)).toEqual(["replace `25mb` with `25MB`"]);
    expect((await codeActions(uri, 4, 16, 16, ["quickfix"])).map((a) => a.title)).toEqual(["replace `TLS1.3` with `TLSv1.3`"]);
    expect((await codeActions(uri, 0, 0, 0, ["quickfix"])).map((a) => a.title)).toEqual([]);
    // A selection over several lines gets each line's fix.
    const all = await client.request("textDocument/codeAction", {
      textDocument: { uri },
      range: { start: { line: 3, character: 0 }, end: { line: 5, character: 9 } },
      context: { diagnostics: [], only: ["quickfix"] },
    });
    expect(all.map((a: any) => a.title)).toEqual(["replace `25mb` with `25MB`", "replace `TLS1.3` with `TLSv1.3`", "replace `erors` with `errors`"]);
  });

  it("deletes the whole line of a duplicate rule", async () => {
    const text = `${HEAD}log info\nlog info   # again\nadd Date\n`;
    const { uri } = await open("duplicate.msa", text);
    const [action] = await codeActions(uri, 4, 0);
    expect(action).toMatchObject({ title: "remove this second `log`", kind: "quickfix" });
    expect(action.edit.changes[uri]).toEqual([{ range: { start: { line: 4, character: 0 }, end: { line: 5, character: 0 } }, newText: "" }]);
    expect(applyEdit(uri, text, action)).toBe(`${HEAD}log info\nadd Date\n`);
  });

  it("replaces a Postfix setting with the msa rule its value translates to, keeping the comment", async () => {
    const text = `${HEAD}smtpd_recipient_limit = 100   # from main.cf\n`;
    const { uri, diagnostics } = await open("postfix.msa", text);
    expect(diagnostics[0].message).toContain("in msa: `limit recipients 100`");
    const [action] = await codeActions(uri, 3, 5);
    expect(action.title).toBe("replace with `limit recipients 100`");
    expect(applyEdit(uri, text, action)).toBe(`${HEAD}limit recipients 100   # from main.cf\n`);
  });

  it("removes `observe` from a rule that refuses nothing", async () => {
    const text = `${HEAD}observe add Date\n`;
    const { uri } = await open("observe.msa", text);
    const [action] = await codeActions(uri, 3, 0, 7);
    expect(action.title).toBe("remove `observe`");
    expect(applyEdit(uri, text, action)).toBe(`${HEAD}add Date\n`);
  });

  it("does not offer a fix whose result would report a new error", async () => {
    // `hostnme` is `hostname`, but the policy already has one: the fix would make two conflicting rules.
    const text = `${HEAD}hostnme other.example.test\n`;
    const { uri, diagnostics } = await open("conflict.msa", text);
    expect(diagnostics.map((d: any) => d.code)).toEqual(["MSA1002"]);
    expect(await codeActions(uri, 3, 0)).toEqual([]);
  });

  it("applies every fix at once as a source.fixAll action", async () => {
    const text = `${HEAD}limit size 25mb\nlog erors\nlog erors\n`;
    const { uri } = await open("all.msa", text);
    const actions = await codeActions(uri, 0, 0, 0, ["source.fixAll"]);
    expect(actions.map((a) => [a.kind, a.title])).toEqual([["source.fixAll", "apply 3 msac fixes"]]);
    expect(applyEdit(uri, text, actions[0])).toBe(`${HEAD}limit size 25MB\nlog errors\n`);
  });
});
