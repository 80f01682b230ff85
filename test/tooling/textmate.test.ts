// Tests for editors/msa.tmLanguage.json: the grammar is valid JSON whose
// patterns compile, and each token kind of the policy language (keywords,
// strings, comments, sizes, durations, addresses, URLs) gets its scope.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { RULE_VERBS } from "../../compiler/policySyntax.js";
import { RULE_MODULES } from "../../compiler/rules/index.js";
import { keywordWord, On, With } from "../../grammar/lexer.js";
import { updating } from "../compiler/golden.js";

const grammar = JSON.parse(fs.readFileSync("editors/msa.tmLanguage.json", "utf8"));
const repository: Record<string, { match?: string; begin?: string; name?: string; patterns?: { match: string; name: string }[] }> = grammar.repository;

/** The first match of a repository rule in `line` (JavaScript regexes accept these Oniguruma patterns). */
function matchOf(rule: string, line: string): string | undefined {
  const entry = repository[rule]!;
  const source = entry.match ?? entry.begin!;
  return new RegExp(source.replace(/\$$/, "$"), "m").exec(line)?.[0];
}

describe("msa.tmLanguage.json", () => {
  it("names the scope and includes every repository rule", () => {
    expect(grammar.scopeName).toBe("source.msa");
    expect(grammar.fileTypes).toEqual(["msa"]);
    const included = grammar.patterns.map((p: { include: string }) => p.include.slice(1)).sort();
    expect(included).toEqual(Object.keys(repository).sort());
  });

  it("highlights every verb of the language at the start of a line", () => {
    for (const verb of RULE_VERBS) expect(matchOf("verb", `${verb} x`), verb).toBe(verb);
  });

  // The verb list is made from the rule modules: a new rule's verb is written here by the
  // regeneration step (UPDATE_GOLDEN=1), not by hand.
  it("lists exactly the verbs of the rule modules", () => {
    const match = `^\\s*(${RULE_VERBS.join("|")})(?![^\\s"{}:,#])`;
    if (updating) {
      const text = fs.readFileSync("editors/msa.tmLanguage.json", "utf8");
      fs.writeFileSync("editors/msa.tmLanguage.json", text.replace(JSON.stringify(grammar.repository.verb.match), JSON.stringify(match)));
      grammar.repository.verb.match = match;
    }
    expect(grammar.repository.verb.match, "run with UPDATE_GOLDEN=1 to write the verbs of the rule modules").toBe(match);
  });

  // So is the list of the other keywords: every word a rule module is written with, `with` and `on`.
  it("lists exactly the keywords of the rule modules", () => {
    const words = new Set([...RULE_MODULES.flatMap((module) => module.grammar.keywords), With, On].map((type) => keywordWord(type)!));
    for (const verb of RULE_VERBS) words.delete(verb);
    const match = `(?<![^\\s"{}:,#])(${[...words].sort().join("|")})(?![^\\s"{}:,#])`;
    if (updating) {
      const text = fs.readFileSync("editors/msa.tmLanguage.json", "utf8");
      fs.writeFileSync("editors/msa.tmLanguage.json", text.replace(JSON.stringify(grammar.repository.keyword.match), JSON.stringify(match)));
      grammar.repository.keyword.match = match;
    }
    expect(grammar.repository.keyword.match, "run with UPDATE_GOLDEN=1 to write the keywords of the rule modules").toBe(match);
    expect(matchOf("keyword", 'refuse header X-Spam with "no"')).toBe("header");
    expect(matchOf("keyword", 'X-Spam with "no"')).toBe("with");
  });

  it("compiles every pattern", () => {
    for (const entry of Object.values(repository)) {
      for (const source of [entry.match, entry.begin, ...(entry.patterns ?? []).map((p) => p.match)]) if (source) expect(() => new RegExp(source)).not.toThrow();
    }
  });

  it.each([
    ["comment", "listen 587 starttls   # submission", "# submission"],
    ["string", 'auth users "users.passwd"', '"'],
    ["url", "deliver relay smtp://127.0.0.1:2526", "smtp://127.0.0.1:2526"],
    ["hostport", "listen 127.0.0.1:2525 plain", "127.0.0.1:2525"],
    ["size", "limit size 10MB", "10MB"],
    ["size", "limit size 5MiB", "5MiB"],
    ["duration", "retry 30s", "30s"],
    ["number", "limit recipients 50", "50"],
    ["address", "  alice: alice@example.test, sales@example.test", "alice@example.test"],
    ["verb", "require tls", "require"],
    ["keyword", "enforce address syntax", "address"],
    ["header", "add Message-ID", "Message-ID"],
    ["regex", "refuse header Subject matching /^\\[SPAM\\] a#b\\/c/i   # comment", "/^\\[SPAM\\] a#b\\/c/i"],
    ["keyword", "refuse body matching /x/", "body"],
    ["keyword", "on 2525 {", "on"],
  ])("%s matches in `%s`", (rule, line, expected) => {
    expect(matchOf(rule, line)?.trim()).toBe(expected);
  });

  it("takes a pattern before a comment, and no path for a pattern", () => {
    expect(matchOf("regex", "refuse body matching /x/ # /y/")).toBe("/x/");
    expect(matchOf("regex", 'tls certificate "/etc/ssl/a.pem" key "/etc/k"')).toBeUndefined();
    expect(matchOf("regex", "deliver relay smtp://127.0.0.1:25")).toBeUndefined();
  });

  it("does not take a size for a plain number or a word for a verb mid-line", () => {
    expect(matchOf("size", "limit recipients 50")).toBeUndefined();
    expect(matchOf("verb", "  alice: log@example.test")).toBeUndefined();
    expect(matchOf("verb", "qualify domains log.example")).toBe("qualify");
  });
});
