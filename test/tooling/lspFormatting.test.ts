// Tests for document formatting in `msac lsp` over stdio: the edits, applied as an editor
// applies them, give exactly what `msac fmt` prints for the same file; a formatted document
// gets no edit, and a document that does not parse is refused (no edit), as `msac fmt` refuses it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { TextDocument } from "vscode-languageserver-textdocument";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFmt } from "../../cli/fmt.js";
import { type Client, startLanguageServer, stopLanguageServer } from "./lspClient.js";
import { captureIo } from "./support.js";

let client: Client;
let folder: string;
const OPTIONS = { tabSize: 2, insertSpaces: true };

/** Writes `text` as NAME, opens it in the server, and returns its URI and the formatting edits. */
async function formatInServer(name: string, text: string): Promise<{ uri: string; edits: any[] }> {
  const file = path.join(folder, name);
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  await client.open(uri, text);
  return { uri, edits: await client.request("textDocument/formatting", { textDocument: { uri }, options: OPTIONS }) };
}

function msacFmt(name: string): { status: number; out: string } {
  const io = captureIo();
  const status = runFmt([path.join(folder, name)], {}, io);
  return { status, out: io.out() };
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "msac-lsp-format-"));
  ({ client } = await startLanguageServer());
}, 120_000);

afterAll(async () => {
  await stopLanguageServer(client);
  fs.rmSync(folder, { recursive: true, force: true });
});

describe("formatting over stdio", () => {
  it("edits the document into what `msac fmt` prints", async () => {
    const text =
      "hostname   msa.example.test # the name\r\n\n\n\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\nsenders {\nalice :alice@example.test,sales@example.test\n}\nadd Date";
    const { uri, edits } = await formatInServer("messy.msa", text);
    const formatted = TextDocument.applyEdits(TextDocument.create(uri, "msa", 1, text), edits);
    const printed = msacFmt("messy.msa");
    expect(printed.status).toBe(0);
    expect(formatted).toBe(printed.out);
    expect(formatted).toContain("senders {\n  alice: alice@example.test, sales@example.test\n}\nadd Date\n");
  });

  it("gives no edit for a document formatted already", async () => {
    const { edits } = await formatInServer("tidy.msa", "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\n");
    expect(edits).toEqual([]);
  });

  it("refuses a document that does not parse, as `msac fmt` does", async () => {
    const text = "hostname   msa.example.test\nlisten 587\nhostnme   x\n";
    const { edits } = await formatInServer("broken.msa", text);
    expect(edits).toEqual([]);
    expect(msacFmt("broken.msa").status).toBe(1);
  });
});
