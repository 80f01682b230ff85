// Tests for hover in `msac lsp` over stdio: on a rule's keyword, the rule's summary and its
// section of docs/language.md (the form written picks the section); on `observe`, `for` and
// `with`, their sections; on a diagnostic's range, in the policy or in a users file opened
// beside it, the explanation `msac explain` prints for its code.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runExplain } from "../../cli/explain.js";
import { VERB_SUMMARIES } from "../../compiler/rules/index.js";
import { type Client, startLanguageServer, stopLanguageServer } from "./lspClient.js";
import { captureIo } from "./support.js";

let client: Client;
let folder: string;
const uriOf = (name: string) => pathToFileURL(path.join(folder, name)).href;
const HEAD = "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\n";

function hover(uri: string, line: number, character: number): Promise<{ contents: { kind: string; value: string }; range: any } | null> {
  return client.request("textDocument/hover", { textDocument: { uri }, position: { line, character } });
}

/** The explanation `msac explain CODE` prints: the paragraph after its title line. */
function explanationOf(code: string): string {
  const io = captureIo();
  runExplain(code, io);
  return io.out().split("\n\n")[1]!;
}

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "msac-lsp-hover-"));
  ({ client } = await startLanguageServer());
}, 120_000);

afterAll(async () => {
  await stopLanguageServer(client);
  fs.rmSync(folder, { recursive: true, force: true });
});

describe("hover over stdio", () => {
  it("shows, on a rule's keyword, the rule's summary and the reference's section for the form written", async () => {
    const uri = uriOf("limits.msa");
    await client.open(uri, `${HEAD}limit size 25MB\nlimit recipients 100\n`);
    const onSize = await hover(uri, 3, 2);
    expect(onSize!.contents.kind).toBe("markdown");
    expect(onSize!.contents.value).toContain(`**\`limit\`**: ${VERB_SUMMARIES.get("limit")}`);
    expect(onSize!.contents.value).toContain("#### limit size\n\n```\nlimit size SIZE\n```");
    expect(onSize!.contents.value).toContain("`552 5.3.4`");
    expect(onSize!.contents.value).not.toContain("limit recipients N");
    expect(onSize!.range).toEqual({ start: { line: 3, character: 0 }, end: { line: 3, character: 5 } });

    const onRecipients = await hover(uri, 4, 10);
    expect(onRecipients!.contents.value).toContain("#### limit recipients\n\n```\nlimit recipients N\n```");
    expect(onRecipients!.range).toEqual({ start: { line: 4, character: 6 }, end: { line: 4, character: 16 } });
  });

  it("shows the sections of `observe`, `for` and `with` on those words, and of `group` on its verb", async () => {
    const uri = uriOf("scoped.msa");
    await client.open(uri, `${HEAD}group interns: carol\nobserve refuse header X-Internal for interns with "not here"\n`);
    const line = "observe refuse header X-Internal for interns with";
    const titleAt = async (l: number, character: number) => /^#### (.*)$/m.exec((await hover(uri, l, character))!.contents.value)?.[1];
    expect(await titleAt(4, line.indexOf("observe") + 1)).toBe("observe RULE");
    expect(await titleAt(4, line.indexOf(" for") + 2)).toBe("RULE for LOGINS-OR-GROUPS, group and groups");
    expect(await titleAt(4, line.indexOf(" with") + 2)).toBe('RULE with [CODE] "TEXT"');
    expect(await titleAt(4, line.indexOf("header") + 1)).toBe("refuse header");
    expect(await titleAt(3, 1)).toBe("RULE for LOGINS-OR-GROUPS, group and groups");
  });

  it("shows the section of `on` on a block's head", async () => {
    const uri = uriOf("listeners.msa");
    await client.open(uri, `${HEAD}on 2525 {\n  limit size 5MB\n}\n`);
    const shown = (await hover(uri, 3, 1))!.contents.value;
    expect(/^#### (.*)$/m.exec(shown)?.[1]).toBe("on LISTENER { RULES }: a listener's own rules");
  });

  it("documents every verb of the language from the reference, even written alone", async () => {
    const uri = uriOf("verbs.msa");
    const verbs = [...VERB_SUMMARIES.keys()];
    await client.open(uri, verbs.map((verb) => `${verb}\n`).join(""));
    for (const [line, verb] of verbs.entries()) {
      const shown = (await hover(uri, line, 1))!.contents.value;
      expect(shown, verb).toContain(`**\`${verb}\`**: ${VERB_SUMMARIES.get(verb)}`);
      expect(/^#### (.*)$/m.exec(shown)?.[1]?.split(/[^a-z]+/), verb).toContain(verb);
    }
  });

  it("explains the code of a diagnostic under the cursor as `msac explain` does, and still documents a rule that does not parse yet", async () => {
    const uri = uriOf("typo.msa");
    const diagnostics = await client.open(uri, `${HEAD}add Dat\nlimit size\n`);
    expect(diagnostics.map((d) => d.code)).toEqual(["MSA3005", "MSA1001"]);
    const onTypo = await hover(uri, 3, 5);
    expect(onTypo!.contents.value).toContain("### MSA3005: unknown header for `add`");
    expect(onTypo!.contents.value).toContain(explanationOf("MSA3005"));
    expect(onTypo!.range).toEqual(diagnostics[0].range);

    // `limit size` lacks its size, reported where it is missing: the cursor there, just after `size`,
    // gets the syntax error's explanation and the section of the rule being written.
    expect(diagnostics[1].range.start).toEqual({ line: 4, character: 10 });
    const onUnfinished = await hover(uri, 4, 10);
    expect(onUnfinished!.contents.value).toContain(explanationOf("MSA1001"));
    expect(onUnfinished!.contents.value).toContain("\n\n---\n\n");
    expect(onUnfinished!.contents.value).toContain("#### limit size");
  });

  it("explains a users file line's problem in that file, opened beside its policy", async () => {
    fs.writeFileSync(path.join(folder, "users.passwd"), "bob {SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n");
    await client.open(uriOf("users.msa"), `${HEAD}auth users "users.passwd"\n`);
    client.notify("textDocument/didOpen", { textDocument: { uri: uriOf("users.passwd"), languageId: "plaintext", version: 1, text: "bob {SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n" } });
    await client.next("textDocument/publishDiagnostics", (p) => p.uri === uriOf("users.passwd") && p.diagnostics.length === 1);
    const onLine = await hover(uriOf("users.passwd"), 0, 2);
    expect(onLine!.contents.value).toContain(explanationOf("MSA5002"));
    // Not a policy: no rule is documented there.
    expect(onLine!.contents.value).not.toContain("####");
  });

  it("shows nothing on a value without a diagnostic or in a comment", async () => {
    const uri = uriOf("quiet.msa");
    await client.open(uri, `${HEAD}# add Date\n`);
    expect(await hover(uri, 0, 12)).toBeNull();
    expect(await hover(uri, 3, 4)).toBeNull();
  });
});
