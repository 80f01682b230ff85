// Checking the `/PATTERN/FLAGS` literals of a policy: each is compiled with RE2's rules
// (formats/pattern.ts) now, so a pattern the server could not run is an error with the
// offending part underlined (MSA3015), never a surprise at the first message. The graph keeps
// the pattern as written; the runtime compiles it again, once per graph.
import type { Located } from "../grammar/ast.js";
import type { RegexPattern } from "../graph/graph.js";
import { compilePattern, replacementGroups } from "../formats/pattern.js";
import type { CheckContext } from "./checkContext.js";

/** A pattern literal's source and flags, as the graph keeps them. */
export function splitPattern(literal: string): RegexPattern {
  const close = literal.lastIndexOf("/");
  return { source: literal.slice(1, close), flags: literal.slice(close + 1) };
}

/** The pattern of a `/PATTERN/FLAGS` token, or undefined after reporting what RE2 cannot take; with its number of groups. */
export function checkPattern(literal: Located, context: CheckContext): (RegexPattern & { groups: number }) | undefined {
  const pattern = splitPattern(literal.value);
  const compiled = compilePattern(pattern.source, pattern.flags);
  if (compiled.ok) return { ...pattern, groups: compiled.regex.groupCount() };
  const start = literal.span.start + compiled.problem.offset;
  context.report("invalidPattern", { start, end: start + compiled.problem.length }, compiled.problem.message, { hint: compiled.problem.hint });
  return undefined;
}

/** A replacement value whose `$N` all name groups of the pattern (`string` is the quoted token, escapes undone). */
export function checkReplacement(value: Located, groups: number, context: CheckContext): boolean {
  const wrong = replacementGroups(value.value).find((ref) => ref.group > groups);
  if (!wrong) return true;
  context.report(
    "invalidPattern",
    value.span,
    `\`$${wrong.group}\` names group ${wrong.group}, but the pattern has ${groups === 0 ? "no groups" : groups === 1 ? "one group" : `${groups} groups`}`,
    {
      hint: "`$0` is the whole match and `$1` to `$9` the groups in parentheses; write `$$` for a dollar sign",
    },
  );
  return false;
}

/** The literal as the policy writes it. */
export function printPattern(pattern: RegexPattern): string {
  return `/${pattern.source}/${pattern.flags}`;
}
