// Tests for expanding envelope recipients through aliases (RFC 6409 section 8.7): recursion,
// deduplication, name matching, the depth bound, and termination on any graph.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAliasesFile } from "../../formats/aliasesFile.js";
import { compileAliases, expandRecipients } from "../../runtime/aliases/expandAliases.js";

const table = compileAliases(
  parseAliasesFile(
    [
      "postmaster: root",
      "root: alice",
      "sales: alice, Bob@example.com, carol@example.org",
      "all: sales, support, alice@example.com",
      "support: dave@example.org, sales",
      "alice: alice, alice@home.example",
      'team: "john smith"',
      "loop1: loop2, out@example.org",
      "loop2: loop1",
      "dead1: dead2",
      "dead2: dead1",
    ].join("\n"),
  ).entries,
);
const options = { localDomains: ["example.com", "bücher.example"] };

describe("expandRecipients", () => {
  it.each([
    ["nobody@example.org", ["nobody@example.org"]],
    ["nobody@example.com", ["nobody@example.com"]],
    ["sales@example.org", ["sales@example.org"]], // not a local domain: no alias applies
    ["postmaster@example.com", ["alice@example.com", "alice@home.example"]],
    ["POSTMASTER@Example.COM", ["alice@Example.COM", "alice@home.example"]],
    ["postmaster", ["alice@example.com", "alice@home.example"]],
    ["root@xn--bcher-kva.example", ["alice@xn--bcher-kva.example", "alice@home.example"]],
    // breadth first: the targets of one level before those of the next
    ["sales@example.com", ["Bob@example.com", "carol@example.org", "alice@example.com", "alice@home.example"]],
    ["all@example.com", ["Bob@example.com", "carol@example.org", "dave@example.org", "alice@example.com", "alice@home.example"]],
    ["team@example.com", ['"john smith"@example.com']],
  ])("%s -> %j", (recipient, expected) => {
    const result = expandRecipients(table, [recipient], options);
    expect(result.expansions[0]!.expandedTo).toEqual(expected);
    expect(result.expansions[0]!.problems).toEqual([]);
  });

  it("deduplicates across recipients, keeping each recipient's own expansion", () => {
    const result = expandRecipients(table, ["sales@example.com", "carol@example.org", "root@example.com"], options);
    expect(result.recipients).toEqual(["Bob@example.com", "carol@example.org", "alice@example.com", "alice@home.example"]);
    expect(result.expansions.map((e) => e.expandedTo.length)).toEqual([4, 1, 2]);
  });

  it("compares delivered local parts exactly outside the local domains", () => {
    const result = expandRecipients(table, ["X@example.org", "x@example.org", "X@example.com", "x@example.com"], options);
    expect(result.recipients).toEqual(["X@example.org", "x@example.org", "X@example.com"]);
  });

  it("reports a loop and still delivers to the addresses outside it", () => {
    const result = expandRecipients(table, ["loop1@example.com"], options);
    expect(result.expansions[0]).toEqual({
      recipient: "loop1@example.com",
      expandedTo: ["out@example.org"],
      problems: [{ kind: "loop", names: ["loop1", "loop2"] }],
    });
  });

  it("leaves nothing for a loop without exits, for the server to refuse", () => {
    const result = expandRecipients(table, ["dead1@example.com"], options);
    expect(result.expansions[0]!.expandedTo).toEqual([]);
    expect(result.expansions[0]!.problems).toEqual([{ kind: "loop", names: ["dead1", "dead2"] }]);
  });

  it("stops at maxDepth and says where", () => {
    const chain = compileAliases(Array.from({ length: 15 }, (_, i) => ({ name: `a${i}`, targets: [i === 14 ? "end@example.org" : `a${i + 1}`] })));
    const deep = expandRecipients(chain, ["a0@example.com"], { localDomains: ["example.com"] });
    expect(deep.expansions[0]!.expandedTo).toEqual([]);
    expect(deep.expansions[0]!.problems).toEqual([{ kind: "depth", path: Array.from({ length: 11 }, (_, i) => `a${i}`) }]);
    const enough = expandRecipients(chain, ["a0@example.com"], { localDomains: ["example.com"], maxDepth: 15 });
    expect(enough.expansions[0]!.expandedTo).toEqual(["end@example.org"]);
    // a5 -> ... -> a14 -> end is ten expansions, the default bound; from a4 it is eleven
    expect(expandRecipients(chain, ["a5@example.com"], { localDomains: ["example.com"] }).expansions[0]!.expandedTo).toEqual(["end@example.org"]);
    expect(expandRecipients(chain, ["a4@example.com"], { localDomains: ["example.com"] }).expansions[0]!.problems).toHaveLength(1);
  });

  it("expands an alias reached by a short and a long path at the short one", () => {
    const t = compileAliases([
      { name: "top", targets: ["x1", "deep"] },
      { name: "x1", targets: ["deep"] },
      { name: "deep", targets: ["end@example.org"] },
    ]);
    const result = expandRecipients(t, ["top@example.com"], { localDomains: ["example.com"], maxDepth: 2 });
    expect(result.expansions[0]).toMatchObject({ expandedTo: ["end@example.org"], problems: [] });
  });

  it("qualifies bare targets with the first local domain for an unqualified recipient", () => {
    expect(expandRecipients(table, ["sales"], options).recipients).toContain("alice@example.com");
    // without any local domain a bare target stays bare, for `qualify domains` to complete
    expect(expandRecipients(table, ["sales"], { localDomains: [] }).recipients).toEqual(["Bob@example.com", "carol@example.org", "alice", "alice@home.example"]);
  });

  it("terminates on random alias graphs, and every delivered address is a non-alias or a self-reference", () => {
    const names = ["a", "b", "c", "d", "e", "f"];
    const target = fc.oneof(
      fc.constantFrom(...names),
      fc.constantFrom(...names).map((n) => `${n}@example.com`),
      fc.constantFrom("x@example.org", "y@example.org"),
    );
    const graph = fc.dictionary(fc.constantFrom(...names), fc.array(target, { minLength: 1, maxLength: 4 }));
    fc.assert(
      fc.property(graph, fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 12 }), (g, recipients, maxDepth) => {
        const t = compileAliases(Object.entries(g).map(([name, targets]) => ({ name, targets })));
        const result = expandRecipients(
          t,
          recipients.map((r) => `${r}@example.com`),
          { localDomains: ["example.com"], maxDepth },
        );
        expect(new Set(result.recipients).size).toBe(result.recipients.length);
        for (const expansion of result.expansions) {
          for (const address of expansion.expandedTo) {
            const name = address.split("@")[0]!;
            if (address.endsWith("@example.com") && name in g) {
              // only `name: name` keeps an alias name as a final address
              expect(g[name]!.some((x) => x === name || x === `${name}@example.com`)).toBe(true);
            }
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
