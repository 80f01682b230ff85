// The grammar, as review sees it: a serialized snapshot of the productions and
// the railroad diagrams in docs/, both regenerated with UPDATE_GOLDEN=1.
import { describe, expect, it } from "vitest";
import { renderSyntaxDiagram, serializeGrammar } from "../../compiler/syntaxDiagram.js";
import { RULE_VERBS, tokenize } from "../../compiler/policySyntax.js";
import { expectGolden } from "./golden.js";

describe("the grammar", () => {
  it("matches its snapshot (a change here is a change of the language)", () => {
    expectGolden("test/fixtures/grammar/productions.json", serializeGrammar());
  });

  it("has its syntax diagram in docs/syntax-diagram.html up to date", () => {
    expectGolden("docs/syntax-diagram.html", renderSyntaxDiagram());
  });

  it("has a production for every rule verb", () => {
    const productions = JSON.parse(serializeGrammar()) as { name: string }[];
    const names = new Set(productions.map((p) => p.name));
    // `observe` is a prefix of the statement, not a rule of its own.
    const production: Partial<Record<string, string>> = { limits: "limitsStoreRule", observe: "statement" };
    for (const verb of RULE_VERBS) {
      const rule = production[verb] ?? `${verb}Rule`;
      expect(names.has(rule), rule).toBe(true);
    }
  });
});

describe("the pattern token", () => {
  const lexed = (line: string) =>
    tokenize(line)
      .tokens.filter((t) => t.tokenType.name !== "Newline")
      .map((t) => `${t.tokenType.name} ${t.image}`);

  it("takes `/PATTERN/FLAGS` whole: spaces, `#`, `@` and escaped slashes inside are the pattern's", () => {
    expect(lexed("refuse body matching /a #b\\/c@d\\\\/im # comment")).toEqual(["KwRefuse refuse", "KwBody body", "KwMatching matching", "Regex /a #b\\/c@d\\\\/im"]);
    expect(tokenize("x /a/ # c").comments.map((c) => c.image)).toEqual(["# c"]);
    expect(lexed("x //")).toEqual(["Word x", "Regex //"]);
  });

  it("leaves words that only start with a slash, and the other tokens, as they were", () => {
    // `/a/b` is a pattern with a flag `b` (the checker names the flag); a path with more slashes, or none closed, is a word.
    expect(lexed("x /etc/ssl/a.pem /a/b /unterminated")).toEqual(["Word x", "Word /etc/ssl/a.pem", "Regex /a/b", "Word /unterminated"]);
    expect(lexed('deliver relay smtp://127.0.0.1:25 "/var/spool" 10MB a@b.example')).toEqual([
      "KwDeliver deliver",
      "KwRelay relay",
      "Url smtp://127.0.0.1:25",
      'StringLiteral "/var/spool"',
      "Size 10MB",
      "Address a@b.example",
    ]);
  });
});
