// Fix-its (issue 15 item 11): the edit a diagnostic carries when the right edit is
// certain, as `msac check` prints it (a `= fix:` line, a `fix` object in JSON) and
// as `msac fmt --fix` applies it, through the built command on real files in a
// temporary folder (dist/ is built by test/globalSetup.ts). The language server's
// quick fixes are in test/tooling/lspCodeActions.test.ts.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import type { Diagnostic } from "../../compiler/diagnostics.js";
import { applyFixes, deleteLinesFix, deleteWordsFix } from "../../compiler/fixes.js";
import { FOREIGN_SETTINGS, foreignSetting } from "../../compiler/foreignSettings.js";
import { repoRoot } from "./golden.js";

const msac = path.join(repoRoot, "dist", "cli", "msac.js");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "msac-fix-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [msac, ...args], { cwd: scratch, encoding: "utf8", timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let count = 0;
/** A policy file in the scratch folder, by its name there. */
function policy(text: string): string {
  const name = `p${++count}.msa`;
  fs.writeFileSync(path.join(scratch, name), text);
  return name;
}
const read = (name: string) => fs.readFileSync(path.join(scratch, name), "utf8");

const HEAD = "hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\n";

/** Each diagnostic's fix as a test reads it: what it replaces, with what. */
function fixesIn(text: string): { code: string; replaces: string; with: string; title: string }[] {
  return compilePolicy("p.msa", text)
    .diagnostics.filter((d): d is Diagnostic & { fix: NonNullable<Diagnostic["fix"]> } => !!d.fix)
    .map((d) => ({ code: d.code, replaces: text.slice(d.fix.span.start, d.fix.span.end), with: d.fix.text, title: d.fix.title }));
}

describe("which diagnostics carry a fix", () => {
  it("a misspelt verb, value, size unit, TLS version, log level or header with one closest spelling", () => {
    const text = `${HEAD}hostnme x.example.test\nlimit size 25mb\ntls protocols TLS1.3\nlog erors\nadd Dat\n`;
    expect(fixesIn(text)).toEqual([
      { code: "MSA1002", replaces: "hostnme", with: "hostname", title: "replace `hostnme` with `hostname`" },
      { code: "MSA3001", replaces: "25mb", with: "25MB", title: "replace `25mb` with `25MB`" },
      { code: "MSA3012", replaces: "TLS1.3", with: "TLSv1.3", title: "replace `TLS1.3` with `TLSv1.3`" },
      { code: "MSA3007", replaces: "erors", with: "errors", title: "replace `erors` with `errors`" },
      { code: "MSA3005", replaces: "Dat", with: "Date", title: "replace `Dat` with `Date`" },
    ]);
  });

  it("no fix when two spellings are as close, or none is: the hint alone", () => {
    const tied = compilePolicy("p.msa", `${HEAD}limitz size 10MB\n`).diagnostics;
    expect(tied).toMatchObject([{ code: "MSA1002", hint: "did you mean `limit`?" }]);
    expect(tied[0]!.fix).toBeUndefined();
    expect(fixesIn(`${HEAD}frobnicate x\nlimit size 25x\n`)).toEqual([]);
  });

  it("the fix's text is the one the hint names", () => {
    const text = `${HEAD}enforse address syntax\nlimit size 25M\nmessage_size_limit = 10240000\n`;
    for (const d of compilePolicy("p.msa", text).diagnostics) {
      expect(d.fix, d.message).toBeDefined();
      expect(d.hint, d.message).toContain(`\`${d.fix!.text}\``);
    }
  });

  it("a duplicate rule: its whole line, newline and comment included", () => {
    expect(fixesIn(`${HEAD}require helo\nrequire helo   # again\nlog info\n`)).toEqual([
      { code: "MSA2001", replaces: "require helo   # again\n", with: "", title: "remove this second `require helo`" },
    ]);
    // The last line without a newline takes the newline before it.
    expect(fixesIn(`${HEAD}require helo\nrequire helo`)).toMatchObject([{ replaces: "\nrequire helo", with: "" }]);
  });

  it("a value listed twice: the second goes, with the blank or comma that joined it", () => {
    const text = `${HEAD}qualify domains example.test example.test\nsenders {\n  alice: alice@example.test, alice@example.test, sales@example.test\n  bob: @example.test, bob@example.test\n}\n`;
    expect(fixesIn(text)).toEqual([
      { code: "MSA2005", replaces: " example.test", with: "", title: "remove the second `example.test`" },
      { code: "MSA2005", replaces: ", alice@example.test", with: "", title: "remove the second `alice@example.test`" },
      { code: "MSA2005", replaces: ", bob@example.test", with: "", title: "remove `bob@example.test`" },
    ]);
  });

  it("a Postfix or Exim setting whose value translates into one msa rule; the hint names that rule", () => {
    expect(fixesIn(`${HEAD}smtpd_recipient_limit = 100   # main.cf\nmyorigin = example.com\n`)).toEqual([
      { code: "MSA1002", replaces: "smtpd_recipient_limit = 100", with: "limit recipients 100", title: "replace with `limit recipients 100`" },
      { code: "MSA1002", replaces: "myorigin = example.com", with: "qualify domains example.com", title: "replace with `qualify domains example.com`" },
    ]);
    // A value that says something else (or no value) keeps the example hint and gets no fix.
    const text = `${HEAD}myorigin = $mydomain\nsmtpd_tls_security_level = may\nsmtpd_tls_cert_file = /etc/cert.pem\n`;
    expect(fixesIn(text)).toEqual([]);
    expect(compilePolicy("p.msa", text).diagnostics.map((d) => d.hint)).toEqual([
      "`myorigin` is Postfix's setting; in msa: `qualify domains example.com`",
      "`smtpd_tls_security_level` is Postfix's setting; in msa: `require tls`",
      '`smtpd_tls_cert_file` is Postfix\'s setting; in msa: `tls certificate "cert.pem" key "key.pem"`',
    ]);
  });

  it("every translation of a setting's value is a rule that parses", () => {
    const values: Record<string, string> = { yes: "yes", encrypt: "encrypt", n: "100", d: "example.com", relay: "[relay.example.com]:587", t: "300s" };
    for (const name of Object.keys(FOREIGN_SETTINGS)) {
      for (const value of Object.values(values)) {
        const rule = foreignSetting(name, value)?.rule;
        if (!rule) continue;
        const syntax = compilePolicy("p.msa", `${rule}\n`).diagnostics.filter((d) => /^MSA1/.test(d.code));
        expect(
          syntax.map((d) => d.message),
          `${name} = ${value}: ${rule}`,
        ).toEqual([]);
      }
    }
    expect(foreignSetting("message_size_limit", "50M")?.rule).toBe("limit size 50MiB");
    expect(foreignSetting("message_size_limit", "0")?.rule).toBeUndefined();
    expect(foreignSetting("relayhost", "[smtp.example.com]")?.rule).toBe("deliver relay smtp://smtp.example.com:25");
    // Without brackets Postfix looks up MX records: not what one relay host does.
    expect(foreignSetting("relayhost", "smtp.example.com")?.rule).toBeUndefined();
  });

  it("`observe`, `for` and `with` on a rule that cannot take them: the words go", () => {
    expect(fixesIn(`${HEAD}observe add Date\nadd Message-ID for alice\n`)).toEqual([
      { code: "MSA4013", replaces: "observe ", with: "", title: "remove `observe`" },
      { code: "MSA4024", replaces: " for alice", with: "", title: "remove `for ...`" },
    ]);
  });

  it("a retired TLS version next to one msa offers; alone, only a hint", () => {
    expect(fixesIn(`${HEAD}tls protocols TLSv1 TLSv1.2\n`)).toEqual([{ code: "MSA3012", replaces: "TLSv1 ", with: "", title: "remove `TLSv1`" }]);
    expect(fixesIn(`${HEAD}tls protocols TLSv1.2 TLSv1.1\n`)).toEqual([{ code: "MSA3012", replaces: " TLSv1.1", with: "", title: "remove `TLSv1.1`" }]);
    expect(fixesIn(`${HEAD}tls protocols TLSv1.1\n`)).toEqual([]);
  });
});

describe("applying fixes", () => {
  const fix = (start: number, end: number, text: string) => ({ span: { start, end }, text, title: "t" });

  it("applies from the end backwards, skips one that overlaps an earlier one, counts the same edit once", () => {
    const result = applyFixes("abcdef", [fix(4, 5, "E"), fix(0, 2, "AB"), fix(1, 3, "x"), fix(4, 5, "E")]);
    expect(result.text).toBe("ABcdEf");
    expect(result.applied.map((f) => f.text)).toEqual(["AB", "E"]);
    expect(result.skipped.map((f) => f.text)).toEqual(["x"]);
  });

  it("deletes words with the blanks that separate them, and whole lines with their ending", () => {
    const source = "observe  add Date\nlog info  # c\n";
    expect(deleteWordsFix(source, { start: 0, end: 7 }, "t").span).toEqual({ start: 0, end: 9 });
    expect(deleteWordsFix(source, { start: 22, end: 26 }, "t").span).toEqual({ start: 21, end: 26 });
    expect(deleteLinesFix(source, { start: 18, end: 26 }, "t").span).toEqual({ start: 18, end: source.length });
  });
});

describe("msac check shows the fix", () => {
  it("as a `= fix:` line after the help, and as a `fix` object in JSON", () => {
    const file = policy(`${HEAD}enforse address syntax\n`);
    const text = run("check", file);
    expect(text.stdout.split("\n").slice(0, 5)).toEqual([
      `${file}:4:1: error MSA1002: unknown rule \`enforse\``,
      "4 | enforse address syntax",
      "  | ^^^^^^^",
      "  = help: did you mean `enforce`?",
      "  = fix: replace `enforse` with `enforce`",
    ]);
    const json = JSON.parse(run("check", "--format", "json", file).stdout);
    expect(json[0].fix).toEqual({ line: 4, column: 1, endLine: 4, endColumn: 8, text: "enforce", title: "replace `enforse` with `enforce`" });
  });
});

describe("msac fmt --fix", () => {
  it("applies every fix, then formats, rewrites the file and says how many it applied", () => {
    const file = policy(
      "listen 127.0.0.1:2525 plain\nallow unauthenticated\nhostnme   x.example.test\nlimit size 25mb\nlog erors\nlog erors\nsmtpd_recipient_limit = 100   # main.cf\n",
    );
    const result = run("fmt", "--fix", file);
    expect(result).toEqual({ status: 0, stdout: `${file}: 5 fixes applied\n`, stderr: "" });
    expect(read(file)).toBe("listen 127.0.0.1:2525 plain\nallow unauthenticated\nhostname x.example.test\nlimit size 25MB\nlog errors\nlimit recipients 100  # main.cf\n");
    expect(run("check", file)).toMatchObject({ status: 0, stdout: "" });
    // Nothing left to fix: the file stays as it is.
    expect(run("fmt", "--fix", file)).toEqual({ status: 0, stdout: `${file}: no fixes applied\n`, stderr: "" });
  });

  it("with --check says whether the fixes would change the file, and changes nothing", () => {
    const text = `${HEAD}log erors\n`;
    const file = policy(text);
    const checked = run("fmt", "--check", "--fix", file);
    expect(checked).toEqual({ status: 1, stdout: `${file}: 1 fix to apply (run \`msac fmt --fix ${file}\`)\n`, stderr: "" });
    expect(read(file)).toBe(text);
    expect(run("fmt", "--fix", file).status).toBe(0);
    expect(run("fmt", "--check", "--fix", file)).toEqual({ status: 0, stdout: "", stderr: "" });
  });

  it("applies nothing when the fixed policy would report a new error, and says so", () => {
    // `hostnme` is `hostname`, but the policy has one already: two conflicting rules would be a new error.
    const text = `${HEAD}hostnme other.example.test\nlog erors\n`;
    const file = policy(text);
    const result = run("fmt", "--fix", file);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`${file}: no fix applied: the fixed policy would report an error it does not now\n`);
    expect(result.stderr).toContain("error MSA2002: conflicting `hostname` rules");
    expect(read(file)).toBe(text);
    expect(run("fmt", "--check", "--fix", file).status).toBe(1);
    expect(read(file)).toBe(text);
  });

  it("keeps the fixes when another line still does not parse, and reports that line", () => {
    const file = policy(`${HEAD}log erors\nlisten 587\n`);
    const result = run("fmt", "--fix", file);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(`${file}: 1 fix applied\n`);
    expect(result.stderr).toContain("error MSA1001");
    expect(read(file)).toBe(`${HEAD}log errors\nlisten 587\n`);
  });

  it("without --fix, fmt applies no fix", () => {
    const text = `${HEAD}log   erors\n`;
    const file = policy(text);
    expect(run("fmt", "--write", file).status).toBe(0);
    expect(read(file)).toBe(`${HEAD}log erors\n`);
  });
});
