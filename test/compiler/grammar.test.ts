// The grammar, as review sees it: a serialized snapshot of the productions and
// the railroad diagrams in docs/, both regenerated with UPDATE_GOLDEN=1.
import { describe, expect, it } from "vitest";
import { renderSyntaxDiagram, serializeGrammar } from "../../compiler/syntaxDiagram.js";
import { RULE_VERBS } from "../../compiler/policySyntax.js";
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
