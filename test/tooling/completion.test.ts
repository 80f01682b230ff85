// Completion is asked of the grammar: these tests compare what the language server offers
// with what the grammar's own productions accept next, so a keyword added to the grammar and
// not offered (or offered and not accepted) fails here.
import { describe, expect, it } from "vitest";
import { RULE_VERBS } from "../../compiler/policySyntax.js";
import { serializeGrammar } from "../../compiler/syntaxDiagram.js";
import { completionsAt } from "../../tooling/lsp/completion.js";

interface Production {
  type: string;
  name?: string;
  pattern?: string;
  definition?: Production[];
}

const productions = new Map((JSON.parse(serializeGrammar()) as Production[]).map((p) => [p.name!, p]));

/** The keyword words a sequence of grammar elements may start with, and whether it may be empty (FIRST set, computed from the serialized grammar). */
function first(sequence: readonly Production[]): { words: Set<string>; empty: boolean } {
  const words = new Set<string>();
  for (const element of sequence) {
    const step = firstOf(element);
    for (const word of step.words) words.add(word);
    if (!step.empty) return { words, empty: false };
  }
  return { words, empty: true };
}

function firstOf(element: Production): { words: Set<string>; empty: boolean } {
  switch (element.type) {
    case "Terminal":
      // Keywords have their word as pattern; value tokens (names, numbers, categories) are not keywords.
      return { words: new Set(/^[a-z0-9]+$/.test(element.pattern ?? "") ? [element.pattern!] : []), empty: false };
    case "NonTerminal":
      return first(productions.get(element.name!)!.definition!);
    case "Alternation": {
      const words = new Set<string>();
      let empty = false;
      for (const alternative of element.definition!) {
        const step = first(alternative.definition!);
        for (const word of step.words) words.add(word);
        empty ||= step.empty;
      }
      return { words, empty };
    }
    case "Option":
    case "Repetition":
      return { words: first(element.definition!).words, empty: true };
    default:
      return first(element.definition!);
  }
}

/** What the grammar accepts right after the verb of `production`. */
function afterVerb(production: string): string[] {
  return [...first(productions.get(production)!.definition!.slice(1)).words].sort();
}

const keywordsOffered = (line: string) =>
  completionsAt(line)
    .filter((c) => c.kind === "keyword")
    .map((c) => c.label)
    .sort();

describe("completion from the grammar", () => {
  it("offers every verb and `on` at the start of a line, and the verbs after `observe`", () => {
    expect(keywordsOffered("")).toEqual([...RULE_VERBS, "on"].sort());
    expect(keywordsOffered("  li")).toEqual([...RULE_VERBS, "on"].sort());
    expect(keywordsOffered("observe ")).toEqual(RULE_VERBS.filter((v) => v !== "observe").sort());
    // Each verb comes with what its rule is, from the rule's module.
    expect(completionsAt("").find((c) => c.label === "limit")?.detail).toBe("a limit: message size, recipients, rates, sessions, hops, queue lifetime");
  });

  it("offers every form of `limit`, `allow`, `enforce` and `tls`", () => {
    expect(keywordsOffered("limit ")).toEqual(["hops", "queue", "rate", "recipients", "sessions", "size"]);
    expect(keywordsOffered("allow ")).toEqual(["bare", "postmaster", "sender", "unauthenticated"]);
    expect(keywordsOffered("enforce ")).toEqual(["address", "message", "senders"]);
    expect(keywordsOffered("tls ")).toEqual(["certificate", "ciphers", "protocols"]);
  });

  it("offers after each verb exactly the keywords its production accepts next", () => {
    const verbs = RULE_VERBS.filter((verb) => verb !== "observe");
    for (const verb of verbs) {
      const production = [...productions.values()].find((p) => p.type === "Rule" && p.definition?.[0]?.type === "Terminal" && p.definition[0].pattern === verb);
      expect(production, verb).toBeDefined();
      expect(keywordsOffered(`${verb} `), verb).toEqual(afterVerb(production!.name!));
    }
  });

  it("offers keywords deeper in a rule and the known values of open names", () => {
    expect(keywordsOffered("listen 587 ")).toEqual(["plain", "starttls", "tls"]);
    expect(keywordsOffered("deliver relay smtp://127.0.0.1:2526 ")).toEqual(["auth", "require", "verify", "xforward"]);
    expect(completionsAt("add ").map((c) => c.label)).toEqual(["header", "Date", "Message-ID", "From", "Sender", "Received"]);
    expect(completionsAt("add Da").map((c) => c.label)).toEqual(["header", "Date", "Message-ID", "From", "Sender", "Received"]);
    expect(completionsAt("log ").map((c) => c.label)).toEqual(["errors", "info", "debug"]);
  });

  it("offers `with` after a rule that refuses, `for` when it also judges after the login, and neither elsewhere", () => {
    expect(keywordsOffered("refuse header X-Spam ")).toEqual(["for", "matching", "with"]);
    expect(keywordsOffered("require auth ")).toEqual(["with"]);
    expect(keywordsOffered("require helo ")).toEqual(["for", "with"]);
    expect(keywordsOffered("hostname msa.example.test ")).toEqual([]);
  });

  it("offers the words of the pattern rules: `matching` after header names, `in first` after a body pattern", () => {
    const labels = (line: string) => completionsAt(line).map((c) => c.label);
    expect(labels("refuse ")).toEqual(["header", "body"]);
    expect(labels("refuse header Subject ")).toContain("matching");
    expect(labels("remove header X-Tag ")).toContain("matching");
    expect(labels("refuse body ")).toEqual(["matching"]);
    expect(labels("refuse body matching /a b#c/i ")).toEqual(["in", "for", "with"]);
    expect(labels("replace header Subject matching /x/ ")).toEqual(["with"]);
    expect(labels("refuse body matching /a # b/ # in")).toEqual([]);
  });

  it("offers nothing in a comment or after a word that is not a verb", () => {
    expect(completionsAt("limit size 10MB # lim")).toEqual([]);
    expect(completionsAt("frobnicate ")).toEqual([]);
  });
});
