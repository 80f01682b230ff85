// The policy's regular expressions (formats/pattern.ts): RE2 syntax through re2js, problems placed
// in the literal `/SOURCE/FLAGS`, replacements with `$N`, and linear-time matching.
import { describe, expect, it } from "vitest";
import { compilePattern, expandReplacement, replacementGroups } from "../../formats/pattern.js";
import { costRatio } from "../support/costRatio.js";

/** What a problem underlines in the literal, and its message. */
function problem(source: string, flags = ""): [string, string] | "ok" {
  const compiled = compilePattern(source, flags);
  if (compiled.ok) return "ok";
  const literal = `/${source}/${flags}`;
  return [literal.slice(compiled.problem.offset, compiled.problem.offset + compiled.problem.length), compiled.problem.message];
}

describe("compilePattern", () => {
  it("takes RE2 syntax and the flags i, m and s", () => {
    expect(problem("^\\[SPAM\\]", "i")).toBe("ok");
    expect(problem("(?i)viagra|cialis", "ms")).toBe("ok");
    expect(problem("a\\/b")).toBe("ok");
    const regex = compilePattern("^subject", "i");
    expect(regex.ok && regex.regex.test("SUBJECT line")).toBe(true);
  });

  it("names what RE2 does not support and underlines it in the pattern", () => {
    expect(problem("x(?=y)")).toEqual(["(?=", "lookahead `(?=` is not supported by RE2"]);
    expect(problem("x(?!y)")).toEqual(["(?!", "lookahead `(?!` is not supported by RE2"]);
    expect(problem("a(?<!b)c")).toEqual(["(?<!", "lookbehind `(?<!` is not supported by RE2"]);
    expect(problem("(a)\\1")).toEqual(["\\1", "the backreference `\\1` is not supported by RE2"]);
    expect(problem("(?>a)")).toEqual(["(?>", "the atomic group `(?>` is not supported by RE2"]);
    expect(problem("a++")).toEqual(["++", "the possessive quantifier `++` is not supported by RE2"]);
  });

  it("reports bad syntax where RE2 found it, and bad flags at the flag", () => {
    expect(problem("ab(cd")).toEqual(["(", "`(` is never closed"]);
    expect(problem("a)b[)]")).toEqual([")", "`)` closes no group"]);
    expect(problem("x{2000}")).toEqual(["{2000}", "invalid repeat count: `{2000}`"]);
    expect(problem("a\\")).toEqual(["\\", "trailing backslash at end of expression"]);
    expect(problem("ok", "ig")).toEqual(["g", "unknown flag `g`"]);
    expect(problem("ok", "ii")).toEqual(["i", "flag `i` is written twice"]);
    expect(problem("")).toEqual(["//", "the pattern is empty and would match every value"]);
  });
});

describe("replacements", () => {
  it("fills $N from the groups, $$ is a dollar, an unmatched group is empty", () => {
    expect(replacementGroups("[$1] $$2 $0 $x")).toEqual([
      { group: 1, offset: 1 },
      { group: 0, offset: 9 },
    ]);
    expect(expandReplacement("[ext] $1 costs $$5$2", ["all", "hello", undefined])).toBe("[ext] hello costs $5");
  });
});

describe("linear time", () => {
  // `(a+)+$` backtracks exponentially in a backtracking engine on `aaaa...ab`; RE2 reads the text once.
  const pathological = compilePattern("(a+)+$", "");
  if (!pathological.ok) throw new Error("the pattern compiles");
  const text = (n: number) => `${"a".repeat(n)}b`;

  it("finishes (a+)+$ on 50,000 `a`s and a `b`, and costs about what a quarter of it costs, times four", () => {
    expect(pathological.regex.test(text(50_000))).toBe(false);
    // Linear work makes this ratio about 4; the bound leaves room for a busy machine (exponential work never returns).
    expect(
      costRatio(
        () => pathological.regex.test(text(50_000)),
        () => pathological.regex.test(text(12_500)),
      ),
    ).toBeLessThan(4 * 20);
  });
});
