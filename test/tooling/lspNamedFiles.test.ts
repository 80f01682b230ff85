// Tests for the diagnostics of the files a policy names, through `msac lsp` over stdio: a
// problem inside a users file is published on that file pointing back at the policy line
// naming it, and on that line pointing into the file; a policy diagnostic about a file (a
// certificate that is none) points at the file; editing the file in the editor, or on disk,
// checks the policy again and clears what was fixed; two policies naming one file keep their own.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Client, startLanguageServer, stopLanguageServer } from "./lspClient.js";

let client: Client;
let folder: string;
const uriOf = (name: string) => pathToFileURL(path.join(folder, name)).href;
const ALICE = `alice:${bcrypt.hashSync("alice-password", 4)}\n`;
const BROKEN_USERS = `${ALICE}bob {SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n`;
const POLICY = 'hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nauth users "users.passwd"\nrequire auth\n';
/** Where `"users.passwd"` is written in POLICY. */
const USERS_NAMED = { start: { line: 2, character: 11 }, end: { line: 2, character: 25 } };

const publishedOn = async (uri: string) => (await client.next("textDocument/publishDiagnostics", (p) => p.uri === uri)).diagnostics;

beforeAll(async () => {
  ({ client } = await startLanguageServer());
}, 120_000);

beforeEach(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "msac-lsp-named-"));
  return () => fs.rmSync(folder, { recursive: true, force: true });
});

afterAll(() => stopLanguageServer(client));

describe("diagnostics of named files over stdio", () => {
  it("publishes a users file problem on the file, pointing at the policy line, and on that line, pointing into the file", async () => {
    fs.writeFileSync(path.join(folder, "users.passwd"), BROKEN_USERS);
    const onPolicy = await client.open(uriOf("policy.msa"), POLICY);
    const onUsers = await publishedOn(uriOf("users.passwd"));
    expect(onUsers).toMatchObject([
      {
        code: "MSA5002",
        severity: 1,
        range: { start: { line: 1, character: 0 } },
        relatedInformation: [{ location: { uri: uriOf("policy.msa"), range: USERS_NAMED }, message: "the users file is named here" }],
      },
    ]);
    expect(onPolicy).toMatchObject([{ code: "MSA5002", range: USERS_NAMED, relatedInformation: [{ location: { uri: uriOf("users.passwd"), range: onUsers[0].range } }] }]);
    expect(onPolicy[0].message).toMatch(/^`users.passwd` line 2: /);
  });

  it("points a diagnostic about a certificate or key that is none at that file", async () => {
    fs.writeFileSync(path.join(folder, "cert.pem"), "not a certificate\n");
    fs.writeFileSync(path.join(folder, "key.pem"), "not a key\n");
    const text = 'hostname msa.example.test\ntls certificate "cert.pem" key "key.pem"\nlisten 127.0.0.1:2587 starttls\n';
    const onPolicy = (await client.open(uriOf("policy.msa"), text)).filter((d) => d.code === "MSA5004");
    const start = { line: 0, character: 0 };
    expect(onPolicy).toMatchObject([
      {
        message: "`cert.pem` is not a PEM certificate",
        range: { start: { line: 1, character: 16 }, end: { line: 1, character: 26 } },
        relatedInformation: [{ location: { uri: uriOf("cert.pem"), range: { start, end: start } }, message: "the file `cert.pem`" }],
      },
      {
        message: "`key.pem` is not a PEM private key",
        relatedInformation: [{ location: { uri: uriOf("key.pem"), range: { start, end: start } }, message: "the file `key.pem`" }],
      },
    ]);
  });

  it("clears a users file's diagnostics once it is fixed in the editor, and shows them again when it is closed unsaved", async () => {
    fs.writeFileSync(path.join(folder, "users.passwd"), BROKEN_USERS);
    await client.open(uriOf("policy.msa"), POLICY);
    expect(await publishedOn(uriOf("users.passwd"))).toHaveLength(1);

    // Opened beside the policy, the users file is not checked as a policy: its only diagnostics are the policy's.
    client.notify("textDocument/didOpen", { textDocument: { uri: uriOf("users.passwd"), languageId: "plaintext", version: 1, text: BROKEN_USERS } });
    expect(await publishedOn(uriOf("users.passwd"))).toMatchObject([{ code: "MSA5002" }]);
    expect(await publishedOn(uriOf("policy.msa"))).toMatchObject([{ code: "MSA5002" }]);
    client.notify("textDocument/didChange", {
      textDocument: { uri: uriOf("users.passwd"), version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, text: "" }],
    });
    expect(await publishedOn(uriOf("policy.msa"))).toEqual([]);
    expect(await publishedOn(uriOf("users.passwd"))).toEqual([]);

    client.notify("textDocument/didClose", { textDocument: { uri: uriOf("users.passwd") } });
    expect(await publishedOn(uriOf("users.passwd"))).toMatchObject([{ code: "MSA5002" }]);
  });

  it("checks the policy again when the client reports a named file changed on disk, and clears what was fixed", async () => {
    fs.writeFileSync(path.join(folder, "users.passwd"), BROKEN_USERS);
    await client.open(uriOf("policy.msa"), POLICY);
    expect(await publishedOn(uriOf("users.passwd"))).toHaveLength(1);
    fs.writeFileSync(path.join(folder, "users.passwd"), ALICE);
    client.notify("workspace/didChangeWatchedFiles", { changes: [{ uri: uriOf("users.passwd"), type: 2 }] });
    expect(await publishedOn(uriOf("policy.msa"))).toEqual([]);
    expect(await publishedOn(uriOf("users.passwd"))).toEqual([]);
  });

  it("keeps a users file's diagnostics while another policy naming it is still open", async () => {
    fs.writeFileSync(path.join(folder, "users.passwd"), BROKEN_USERS);
    await client.open(uriOf("first.msa"), POLICY);
    const fromFirst = await publishedOn(uriOf("users.passwd"));
    await client.open(uriOf("second.msa"), POLICY);
    const fromBoth = await publishedOn(uriOf("users.passwd"));
    // One problem, pointing at both policies' lines.
    expect(fromBoth).toHaveLength(1);
    expect(fromBoth[0].relatedInformation.map((r: any) => r.location.uri)).toEqual([uriOf("first.msa"), uriOf("second.msa")]);

    client.notify("textDocument/didClose", { textDocument: { uri: uriOf("first.msa") } });
    expect(await publishedOn(uriOf("first.msa"))).toEqual([]);
    const afterClose = await publishedOn(uriOf("users.passwd"));
    expect(afterClose).toMatchObject([{ code: "MSA5002", range: fromFirst[0].range }]);
    expect(afterClose[0].relatedInformation.map((r: any) => r.location.uri)).toEqual([uriOf("second.msa")]);

    client.notify("textDocument/didClose", { textDocument: { uri: uriOf("second.msa") } });
    expect(await publishedOn(uriOf("second.msa"))).toEqual([]);
    expect(await publishedOn(uriOf("users.passwd"))).toEqual([]);
  });
});
