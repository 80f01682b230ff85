// Tests for the aliases file parser and loop finder that `msac check` uses (RFC 6409 section 8.7).
import { describe, expect, it } from "vitest";
import { findAliasLoops, findCycles, parseAliasesFile } from "../../formats/aliasesFile.js";

/** Problems as [line, underlined text, message], so tests read like the output. */
function problems(text: string) {
  const lines = text.split("\n");
  return parseAliasesFile(text).problems.map((p) => [p.line, lines[p.line - 1]!.slice(p.column - 1, p.endColumn - 1), p.message]);
}

describe("parseAliasesFile", () => {
  it("reads names, targets, comments and continuation lines", () => {
    const text = [
      "# /etc/aliases style",
      "postmaster: root",
      "sales: alice@example.com,  bob,",
      "\tcarol@example.org",
      "  , dave",
      "",
      'Team : "john smith"@example.com, "a,b"@example.com',
      "root:alice\r",
    ].join("\n");
    const parsed = parseAliasesFile(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.entries.map((e) => [e.name, e.line, e.targets.map((t) => t.value)])).toEqual([
      ["postmaster", 2, ["root"]],
      ["sales", 3, ["alice@example.com", "bob", "carol@example.org", "dave"]],
      ["Team", 7, ['"john smith"@example.com', '"a,b"@example.com']],
      ["root", 8, ["alice"]],
    ]);
  });

  it("records where each target is, on continuation lines too", () => {
    const text = "list: a@example.com, b\n   c@example.com\n";
    const targets = parseAliasesFile(text).entries[0]!.targets;
    const lines = text.split("\n");
    expect(targets.map((t) => lines[t.line - 1]!.slice(t.column - 1, t.column - 1 + t.value.length))).toEqual(["a@example.com", "b", "c@example.com"]);
    expect(targets.map((t) => t.line)).toEqual([1, 1, 2]);
  });

  it.each([
    ["nobody", [[1, "nobody", "missing `:` after the alias name in `nobody`"]]],
    [": a@example.com", [[1, ":", "empty alias name before `:`"]]],
    ["a b: c", [[1, "a b", "alias name `a b` contains whitespace"]]],
    ["a@example.com: b", [[1, "a@example.com", "alias name `a@example.com` has a domain; an alias is a local part and applies to every local domain"]]],
    ["a:", [[1, "a:", "alias `a` has no target"]]],
    [
      "a: |/usr/bin/procmail",
      [
        [1, "|/usr/bin/procmail", "`|/usr/bin/procmail` is a command; msa expands aliases to addresses only"],
        [1, "a:", "alias `a` has no target"],
      ],
    ],
    ["a: /var/mail/a, b", [[1, "/var/mail/a", "`/var/mail/a` is a file; msa expands aliases to addresses only"]]],
    ["a: :include:/etc/list, b", [[1, ":include:/etc/list", "`:include:/etc/list` includes a file; msa expands aliases to addresses only"]]],
    [
      "a: b c",
      [
        [1, "b c", "`b c` contains whitespace; separate targets with `,`"],
        [1, "a:", "alias `a` has no target"],
      ],
    ],
    [
      "a: @example.com, b@",
      [
        [1, "@example.com", "`@example.com` is not an address"],
        [1, "b@", "`b@` is not an address"],
        [1, "a:", "alias `a` has no target"],
      ],
    ],
    ["a: b\nA: c", [[2, "A", "alias `A` is defined twice, first on line 1; this entry is ignored"]]],
    ["  b@example.com\na: b", [[1, "b@example.com", "continuation line (starting with a space or tab) without an alias above it"]]],
    ["a: b\n\n  c", [[3, "c", "continuation line (starting with a space or tab) without an alias above it"]]],
  ])("reports %j", (text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it("never throws on arbitrary text", () => {
    for (const text of ["", "\n\n", ":", "::::", '"', 'a: "unclosed, b', "\uFEFFa: b", "#\n#", "a:,,,"]) {
      expect(() => parseAliasesFile(text)).not.toThrow();
    }
    expect(parseAliasesFile("\uFEFFa: b").entries[0]!.name).toBe("a");
  });
});

describe("findAliasLoops", () => {
  const loops = (text: string, localDomains: string[] = []) => findAliasLoops(parseAliasesFile(text).entries, localDomains);

  it("finds a two-alias loop with its lines", () => {
    expect(loops("a: b\nother: x@example.org\nb: a, c@example.org")).toEqual([{ names: ["a", "b"], lines: [1, 3] }]);
  });

  it("finds longer loops, case-insensitively, and several of them", () => {
    expect(loops("A: b\nb: C\nc: a\nx: y\ny: X\nz: a")).toEqual([
      { names: ["A", "b", "c"], lines: [1, 2, 3] },
      { names: ["x", "y"], lines: [4, 5] },
    ]);
  });

  it("does not call a self-reference a loop (deliver to the mailbox too)", () => {
    expect(loops("alice: alice, alice@elsewhere.example")).toEqual([]);
  });

  it("follows name@localdomain targets only for local domains", () => {
    const text = "a: b@example.com\nb: a@Example.COM";
    expect(loops(text)).toEqual([]);
    expect(loops(text, ["example.com"])).toEqual([{ names: ["a", "b"], lines: [1, 2] }]);
    expect(loops("a: b@BÜCHER.example\nb: a", ["xn--bcher-kva.example"])).toEqual([{ names: ["a", "b"], lines: [1, 2] }]);
  });

  it("is silent for chains and diamonds", () => {
    expect(loops("a: b, c\nb: d\nc: d\nd: x@example.org")).toEqual([]);
  });

  it("handles a chain far longer than a recursive search could", () => {
    const n = 50_000;
    const nodes = Array.from({ length: n }, (_, i) => `n${i}`);
    const cycles = findCycles(nodes, (node) => [`n${(Number(node.slice(1)) + 1) % n}`]);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(n);
  });
});
