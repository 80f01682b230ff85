import { spanOfToken } from "../grammar/cstReader.js";
import { Newline, UnterminatedString } from "../grammar/lexer.js";
import { foreignSetting } from "./foreignSettings.js";
import { closestMatch, soleClosestMatch } from "../grammar/spelling.js";
import { buildAst, parseTokens, RULE_VERBS, tokenize } from "./policySyntax.js";
import { HELP_SEPARATOR } from "../grammar/syntaxMessages.js";
import { diagnostic } from "./diagnostics.js";
import { replaceFix } from "./fixes.js";
function isPositioned(token) {
    return !!token && !Number.isNaN(token.startOffset) && token.image !== "";
}
/**
 * Where to underline a parser error: the offending token; but when the line
 * ended too early (or recovery invented the token), the point just after the
 * previous token, so the caret stands where something is missing, not after a comment.
 */
function errorSpan(error, text) {
    const token = error.token;
    if (isPositioned(token) && token.tokenType !== Newline)
        return spanOfToken(token);
    const previous = error.previousToken;
    if (isPositioned(previous) && previous.tokenType !== Newline) {
        const at = spanOfToken(previous).end;
        return { start: at, end: at };
    }
    // Nothing before it on the line: a newline is underlined as one column at the end of the line.
    if (isPositioned(token))
        return { start: token.startOffset, end: token.startOffset + 1 };
    return { start: text.length, end: text.length };
}
export function parsePolicy(file, text) {
    const diagnostics = [];
    const lexed = tokenize(text);
    for (const error of lexed.errors) {
        // The lexer reports a run of characters it cannot match; the first is the culprit.
        const char = String.fromCodePoint(text.codePointAt(error.offset) ?? 0);
        const span = { start: error.offset, end: error.offset + char.length };
        diagnostics.push(diagnostic("invalidCharacter", file, span, `unexpected character ${showCharacter(char)}`, {
            hint: char === "\r"
                ? "save the file with LF or CRLF line endings"
                : /[\s\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064]/.test(char)
                    ? "delete it; separate words with plain spaces or tabs"
                    : undefined,
        }));
    }
    for (const token of lexed.tokens) {
        if (token.tokenType === UnterminatedString) {
            diagnostics.push(diagnostic("unterminatedString", file, spanOfToken(token), "unterminated string", { hint: 'close the string with `"` on the same line' }));
        }
    }
    const parsed = parseTokens(lexed.tokens);
    for (const error of parsed.errors) {
        const span = errorSpan(error, text);
        const [message, hint] = error.message.split(HELP_SEPARATOR);
        diagnostics.push(diagnostic("syntaxError", file, span, message, hint ? { hint } : {}));
    }
    const { ast, problems } = buildAst(parsed.cst, lexed.comments);
    for (const problem of problems) {
        diagnostics.push(diagnostic("unknownRule", file, problem.span, `unknown rule \`${problem.word}\``, unknownRuleAdvice(problem.word, problem.span, text)));
    }
    return { value: ast, diagnostics: firstPerLine(diagnostics, text) };
}
/**
 * The hint for an unknown rule and, when the edit is certain, its fix: a Postfix or Exim
 * `NAME = VALUE` whose value translates replaces the setting (up to a comment) with the msa
 * rule; a verb with one closest spelling replaces the word.
 */
function unknownRuleAdvice(word, span, text) {
    const lineEnd = text.indexOf("\n", span.end);
    const rest = text.slice(span.end, lineEnd === -1 ? text.length : lineEnd);
    const setting = /^[ \t]*=[ \t]*([^\s#]+)[ \t]*(?=#|\r?$)/.exec(rest);
    const foreign = foreignSetting(word, setting?.[1]);
    if (foreign) {
        if (!setting || !foreign.rule)
            return { hint: foreign.hint };
        const end = span.end + setting[0].trimEnd().length;
        return { hint: foreign.hint, fix: { span: { start: span.start, end }, text: foreign.rule, title: `replace with \`${foreign.rule}\`` } };
    }
    const suggestion = closestMatch(word, RULE_VERBS);
    if (!suggestion)
        return { hint: `a rule starts with one of ${RULE_VERBS.map((v) => "`" + v + "`").join(", ")}` };
    const sole = soleClosestMatch(word, RULE_VERBS);
    return { hint: `did you mean \`${suggestion}\`?`, ...(sole ? { fix: replaceFix(span, word, sole) } : {}) };
}
const CHARACTER_NAMES = {
    "\r": "carriage return",
    "\u00a0": "no-break space",
    "\u000b": "vertical tab",
    "\u000c": "form feed",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u00ad": "soft hyphen",
    "\u2060": "word joiner",
};
/** A character as a message shows it: printable ones in backticks, invisible ones by code point and name. */
export function showCharacter(char) {
    const code = "U+" + (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    const name = CHARACTER_NAMES[char];
    if (name)
        return `${code} (${name})`;
    return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(char) ? `\`${char}\`` : code;
}
/** After an error, recovery may stumble again on the rest of the line: one mistake, one diagnostic. */
function firstPerLine(diagnostics, text) {
    const seen = new Set();
    return diagnostics
        .sort((a, b) => a.span.start - b.span.start)
        .filter((d) => {
        const lineStart = text.lastIndexOf("\n", d.span.start - 1);
        if (seen.has(lineStart))
            return false;
        seen.add(lineStart);
        return true;
    });
}
//# sourceMappingURL=parse.js.map