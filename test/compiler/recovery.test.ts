// Error recovery: each file in test/fixtures/recovery holds several mistakes;
// each must be reported once, where it is, and nothing else may be reported.
// Expectations name the code, the line and the text underlined (`∅` marks an
// empty span, the point where something is missing, after the text before it).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import type { CompilerHost } from "../../compiler/checkFiles.js";
import type { Diagnostic } from "../../compiler/diagnostics.js";
import { LineMap } from "../../compiler/sourceText.js";
import { repoRoot } from "./golden.js";

// Recovery is about the policy text: files it names are never looked at (there are syntax errors anyway).
const noFiles: CompilerHost = { readFile: () => ({ ok: false, missing: true, reason: "no files in this test" }) };

/** `CODE line: underlined`; an empty span shows the line's text up to it, then `∅`. */
function describeDiagnostic(d: Diagnostic, text: string): string {
  const lines = new LineMap(text);
  const { line, column } = lines.position(d.span.start);
  const under =
    d.span.end > d.span.start
      ? text.slice(d.span.start, d.span.end).replace(/\n/g, "⏎")
      : lines
          .lineText(line)
          .slice(0, column - 1)
          .trimStart() + "∅";
  return `${d.code} ${line}: ${under}`;
}

function reported(name: string): string[] {
  const file = `test/fixtures/recovery/${name}`;
  const text = fs.readFileSync(path.join(repoRoot, file), "utf8");
  return compilePolicy(file, text, noFiles).diagnostics.map((d) => describeDiagnostic(d, text));
}

const expectations: Record<string, string[]> = {
  "rule-arguments.msa": [
    "MSA1001 4: listen 587∅",
    "MSA1001 5: plian",
    "MSA1001 6: limit size∅",
    "MSA1001 7: ten",
    "MSA1001 8: authentication",
    'MSA1001 9: "a.key"',
    'MSA1001 10: deliver spool "spool" relay∅',
  ],
  "senders-block.msa": [
    "MSA1001 5: alice@example.test",
    "MSA1001 6: ,",
    "MSA1001 7: carol: carol@example.test,∅",
    "MSA1001 8: dave2@example.test",
    // The block ended at its `}`: the rules after it are checked as usual.
    "MSA3005 11: Dat",
  ],
  "on-block.msa": [
    "MSA3001 5: ten",
    "MSA1001 6: limit recipients∅",
    // Two sizes in one block conflict as two outside would.
    "MSA2002 7: limit size 5MB",
    // A block without a listener still parses: its lines and its `}` are not reported again.
    "MSA1001 9: on",
    "MSA1001 15: ∅",
  ],
  "unclosed-block.msa": [
    // Once, at the first rule after the block; the rules after that one are not reported again.
    "MSA1001 5: hostname",
  ],
  "lexical.msa": [
    'MSA1003 3: "users.passwd',
    'MSA1003 4: "smtp://x',
    "MSA1002 5: requier",
    "MSA1002 6: }",
    "MSA1004 8: \u00a0",
    "MSA1004 9: \u200b",
    // One line with bare carriage returns is one mistake, not a second `log` rule.
    "MSA1004 10: \r",
  ],
  "values-and-syntax.msa": [
    "MSA1001 4: listen 127.0.0.1:2525∅",
    "MSA3002 5: 0MB",
    "MSA3005 6: Dat",
    "MSA3007 7: verbose",
    "MSA3004 8: example..test",
    "MSA2005 8: example.test",
    "MSA2002 10: limit recipients 20",
    "MSA3008 11: smpt://127.0.0.1:2526",
  ],
};

describe("error recovery", () => {
  const files = fs
    .readdirSync(path.join(repoRoot, "test/fixtures/recovery"))
    .filter((f) => f.endsWith(".msa"))
    .sort();

  it("has expectations for every fixture", () => {
    expect(Object.keys(expectations).sort()).toEqual(files);
  });

  it.each(files)("%s: each mistake once, nothing else", (name) => {
    expect(reported(name)).toEqual(expectations[name]);
  });

  it("reports a missing argument at the end of the rule, not after a trailing comment", () => {
    const text = "hostname msa.example.test\nlisten 587      # comment\nallow unauthenticated\n";
    const d = compilePolicy("p.msa", text, noFiles).diagnostics;
    expect(d.map((x) => describeDiagnostic(x, text))).toEqual(["MSA1001 2: listen 587∅"]);
  });

  it("keeps a rule whose only mistake is one extra word, and reports the word", () => {
    const text = "hostname msa.example.test extra\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\n";
    const result = compilePolicy("p.msa", text, noFiles);
    expect(result.diagnostics.map((x) => describeDiagnostic(x, text))).toEqual(["MSA1001 1: extra"]);
    expect(result.ast.rules.map((r) => r.kind)).toEqual(["hostname", "listen", "allow"]);
  });

  it("reports a file that ends inside a `senders` block once", () => {
    const text = "senders {\n  alice: alice@example.test\n";
    const d = compilePolicy("p.msa", text, noFiles).diagnostics;
    expect(d.map((x) => x.code + " " + x.message)).toEqual(["MSA1001 expected `}`, found the end of the file"]);
  });
});
