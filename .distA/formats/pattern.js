// The regular expressions of a policy (`matching /PATTERN/FLAGS`): RE2 syntax, run by re2js, a
// pure-JavaScript port of RE2. Matching takes time linear in the text whatever the pattern, so
// neither a policy line nor a message can make the server backtrack for seconds (no ReDoS). The
// checker compiles each pattern to report what RE2 cannot take, with where in the pattern; the
// runtime compiles each once per graph (runtime/decision/tables.ts), never per message.
import { RE2JS, RE2JSSyntaxException } from "re2js";
/** The flags a pattern may carry after its closing slash, as RE2 names them. */
export const PATTERN_FLAGS = {
    i: { bit: RE2JS.CASE_INSENSITIVE, meaning: "case-insensitive" },
    m: { bit: RE2JS.MULTILINE, meaning: "`^` and `$` at every line" },
    s: { bit: RE2JS.DOTALL, meaning: "`.` also matches a line feed" },
};
/** What RE2 leaves out, and why: the hint of a pattern that uses it. */
const UNSUPPORTED_HINT = "RE2 runs in time linear in the text, so it has no backreferences (`\\1`), lookahead (`(?=`, `(?!`), lookbehind (`(?<=`, `(?<!`), atomic groups or possessive quantifiers; match the text itself, or split the check into two rules";
const SYNTAX_HINT = "patterns are RE2 syntax: https://github.com/google/re2/wiki/Syntax";
/** Compiles a pattern with its flags, or says what is wrong and where in the literal `/source/flags`. */
export function compilePattern(source, flags) {
    let bits = 0;
    for (let i = 0; i < flags.length; i++) {
        const flag = PATTERN_FLAGS[flags[i]];
        if (!flag || flags.indexOf(flags[i]) !== i) {
            const known = Object.entries(PATTERN_FLAGS).map(([f, { meaning }]) => `\`${f}\` (${meaning})`);
            return {
                ok: false,
                problem: {
                    offset: source.length + 2 + i,
                    length: 1,
                    message: flag ? `flag \`${flags[i]}\` is written twice` : `unknown flag \`${flags[i]}\``,
                    hint: `a pattern takes the flags ${known.join(", ")}; it matches anywhere in the text unless anchored with \`^\` or \`$\``,
                },
            };
        }
        bits |= flag.bit;
    }
    if (source === "")
        return { ok: false, problem: { offset: 0, length: 2, message: "the pattern is empty and would match every value", hint: "write what to match between the slashes" } };
    try {
        return { ok: true, regex: RE2JS.compile(source, bits) };
    }
    catch (error) {
        if (!(error instanceof RE2JSSyntaxException))
            throw error;
        return { ok: false, problem: syntaxProblem(source, error) };
    }
}
/** RE2's complaint, named as a reader of Perl or JavaScript patterns would name it, where it is. */
function syntaxProblem(source, error) {
    const input = error.input ?? "";
    const found = input === "" ? -1 : source.indexOf(input);
    // The literal's offset of what RE2 quoted (1: after the opening slash); the last character when it quoted nothing.
    const at = found === -1 ? Math.max(0, source.length - 1) : found;
    const span = (length) => ({ offset: 1 + at, length: Math.max(1, Math.min(length, source.length - at)), hint: SYNTAX_HINT });
    const unsupported = (what, length) => ({ ...span(length), message: `${what} is not supported by RE2`, hint: UNSUPPORTED_HINT });
    if (/^\(\?<?[=!]/.test(input)) {
        const written = /^\(\?<?[=!]/.exec(input)[0];
        return unsupported(`${written.includes("<") ? "lookbehind" : "lookahead"} \`${written}\``, written.length);
    }
    if (/^\(\?>/.test(input))
        return unsupported("the atomic group `(?>`", 3);
    if (/^\\[1-9]/.test(input) || /^\\k</.test(input))
        return unsupported(`the backreference \`${input}\``, input.length);
    if (/^(?:[*+?]|\{\d*,?\d*\})\+$/.test(input))
        return unsupported(`the possessive quantifier \`${input}\``, input.length);
    const description = error.getDescription();
    // RE2 quotes the whole pattern for an unbalanced parenthesis: the parenthesis itself is underlined.
    if (description === "missing closing )" || description === "unexpected )") {
        const paren = unbalancedParenthesis(source);
        if (paren !== -1) {
            return {
                offset: 1 + paren,
                length: 1,
                message: description === "unexpected )" ? "`)` closes no group" : "`(` is never closed",
                hint: "write `\\(` or `\\)` for a parenthesis itself",
            };
        }
    }
    return { ...span(input.length || 1), message: input ? `${description}: \`${input}\`` : description };
}
/** The offset of the first `)` that closes nothing, else of the last `(` left open, else -1 (escapes and classes skipped). */
function unbalancedParenthesis(source) {
    const open = [];
    for (let i = 0; i < source.length; i++) {
        const char = source[i];
        if (char === "\\")
            i++;
        else if (char === "[") {
            // A class ends at the first `]` that is not its first character (or escaped).
            let j = i + 1;
            if (source[j] === "^")
                j++;
            if (source[j] === "]")
                j++;
            while (j < source.length && source[j] !== "]")
                j += source[j] === "\\" ? 2 : 1;
            i = j;
        }
        else if (char === "(")
            open.push(i);
        else if (char === ")" && open.pop() === undefined)
            return i;
    }
    return open.at(-1) ?? -1;
}
/** `$N` references in a replacement value (N from 0 to 9; `$$` is a dollar sign), with their offsets. */
export function replacementGroups(value) {
    const found = [];
    for (let i = 0; i < value.length; i++) {
        if (value[i] !== "$")
            continue;
        const next = value[i + 1];
        if (next === "$")
            i++;
        else if (next !== undefined && next >= "0" && next <= "9")
            found.push({ group: Number(next), offset: i++ });
    }
    return found;
}
/** The replacement value with `$N` filled from a match's groups (an unmatched group is empty) and `$$` made `$`. */
export function expandReplacement(value, groups) {
    return value.replace(/\$(\$|[0-9])/g, (_all, what) => (what === "$" ? "$" : (groups[Number(what)] ?? "")));
}
//# sourceMappingURL=pattern.js.map