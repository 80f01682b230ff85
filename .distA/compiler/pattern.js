import { compilePattern, replacementGroups } from "../formats/pattern.js";
/** A pattern literal's source and flags, as the graph keeps them. */
export function splitPattern(literal) {
    const close = literal.lastIndexOf("/");
    return { source: literal.slice(1, close), flags: literal.slice(close + 1) };
}
/** The pattern of a `/PATTERN/FLAGS` token, or undefined after reporting what RE2 cannot take; with its number of groups. */
export function checkPattern(literal, context) {
    const pattern = splitPattern(literal.value);
    const compiled = compilePattern(pattern.source, pattern.flags);
    if (compiled.ok)
        return { ...pattern, groups: compiled.regex.groupCount() };
    const start = literal.span.start + compiled.problem.offset;
    context.report("invalidPattern", { start, end: start + compiled.problem.length }, compiled.problem.message, { hint: compiled.problem.hint });
    return undefined;
}
/** A replacement value whose `$N` all name groups of the pattern (`string` is the quoted token, escapes undone). */
export function checkReplacement(value, groups, context) {
    const wrong = replacementGroups(value.value).find((ref) => ref.group > groups);
    if (!wrong)
        return true;
    context.report("invalidPattern", value.span, `\`$${wrong.group}\` names group ${wrong.group}, but the pattern has ${groups === 0 ? "no groups" : groups === 1 ? "one group" : `${groups} groups`}`, {
        hint: "`$0` is the whole match and `$1` to `$9` the groups in parentheses; write `$$` for a dollar sign",
    });
    return false;
}
/** The literal as the policy writes it. */
export function printPattern(pattern) {
    return `/${pattern.source}/${pattern.flags}`;
}
//# sourceMappingURL=pattern.js.map