// Tests for go to definition in `msac lsp` over stdio, in a temporary folder holding a policy
// and its users file: a quoted path goes to the file it names (relative to the policy's
// folder); a login in `senders`, `group` or after `for` goes to its line in the users file;
// a group after `for` goes to its declaration. Nothing is offered where nothing is defined.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, startLanguageServer, stopLanguageServer } from "./lspClient.js";

let client: Client;
let folder: string;
const uriOf = (name: string) => pathToFileURL(path.join(folder, name)).href;
const POLICY = [
  "hostname msa.example.test",
  "listen 127.0.0.1:2525 plain",
  'auth users "conf/users.passwd"',
  "require auth",
  "qualify domains example.test",
  "group interns: carol, dave",
  "senders {",
  "  alice: alice@example.test",
  "  bob: bob@example.test",
  "}",
  "limit size 10MB for interns",
  "limit size 2MB for bob",
  'deliver spool "spool"',
  "",
].join("\n");
const lineOf = (text: string) => POLICY.split("\n").indexOf(text);

/** The definition of what is at `word` (its first occurrence on `line`, one character in). */
function definitionOf(uri: string, line: string, word: string): Promise<any> {
  return client.request("textDocument/definition", { textDocument: { uri }, position: { line: lineOf(line), character: line.indexOf(word) + 1 } });
}

const at = (line: number, start: number, end: number) => ({ start: { line, character: start }, end: { line, character: end } });

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "msac-lsp-definition-"));
  fs.mkdirSync(path.join(folder, "conf"));
  fs.mkdirSync(path.join(folder, "spool"));
  const hash = bcrypt.hashSync("a-password", 4);
  // dave has no line: a login the users file does not list has nowhere to go.
  fs.writeFileSync(path.join(folder, "conf", "users.passwd"), `# the team\nalice:${hash}\nbob:${hash}\ncarol:${hash}\n`);
  ({ client } = await startLanguageServer());
  await client.open(uriOf("policy.msa"), POLICY);
}, 120_000);

afterAll(async () => {
  await stopLanguageServer(client);
  fs.rmSync(folder, { recursive: true, force: true });
});

describe("go to definition over stdio", () => {
  const policy = () => uriOf("policy.msa");
  const users = () => uriOf("conf/users.passwd");

  it("goes from a quoted path to the file, resolved against the policy's folder, and nowhere for a folder", async () => {
    expect(await definitionOf(policy(), 'auth users "conf/users.passwd"', "conf")).toEqual({ uri: users(), range: at(0, 0, 0) });
    expect(await definitionOf(policy(), 'deliver spool "spool"', '"spool"')).toBeNull();
  });

  it("goes from a login in `senders`, in `group` and after `for` to its line in the users file", async () => {
    expect(await definitionOf(policy(), "  alice: alice@example.test", "alice")).toEqual({ uri: users(), range: at(1, 0, 5) });
    expect(await definitionOf(policy(), "group interns: carol, dave", "carol")).toEqual({ uri: users(), range: at(3, 0, 5) });
    expect(await definitionOf(policy(), "limit size 2MB for bob", "bob")).toEqual({ uri: users(), range: at(2, 0, 3) });
  });

  it("goes from a group after `for` to its declaration", async () => {
    expect(await definitionOf(policy(), "limit size 10MB for interns", "interns")).toEqual({ uri: policy(), range: at(lineOf("group interns: carol, dave"), 6, 13) });
  });

  it("offers nothing for a login the users file lacks, an address, a keyword, or in a buffer never saved", async () => {
    expect(await definitionOf(policy(), "group interns: carol, dave", "dave")).toBeNull();
    expect(await definitionOf(policy(), "  alice: alice@example.test", "alice@")).toBeNull();
    expect(await definitionOf(policy(), "require auth", "auth")).toBeNull();
    const untitled = "untitled:Untitled-2";
    await client.open(untitled, POLICY);
    expect(await definitionOf(untitled, 'auth users "conf/users.passwd"', "conf")).toBeNull();
  });
});
