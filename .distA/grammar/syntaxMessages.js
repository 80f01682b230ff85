// Wording of syntax errors, in the diagnostic style of the whole project: one
// sentence, lowercase, the user's text in backticks, advice after `HELP_SEPARATOR`
// (split off into the diagnostic's hint by the AST builder).
import { EOF } from "./chevrotain.js";
import { Address, Duration, Name, Newline, NumberLiteral, RBrace, Size, UnterminatedString, Word } from "./lexer.js";
import { closestMatch } from "./spelling.js";
export const HELP_SEPARATOR = "\nhelp: ";
function describe(token) {
    if (token.tokenType === EOF)
        return "the end of the file";
    if (token.tokenType === Newline)
        return "the end of the line";
    if (token.tokenType === UnterminatedString)
        return "an unterminated string";
    return "`" + token.image + "`";
}
function labelOf(type, nameLabels, ruleName = "") {
    if ((type === Name || type === Word) && nameLabels[ruleName])
        return nameLabels[ruleName];
    return type.LABEL ?? type.name;
}
/**
 * The tokens worth naming in "expected ...": where the grammar also accepts
 * near misses so that the checker can explain them (a size without a unit, an
 * address without `@`), only the real form is named.
 */
function worthNaming(types) {
    let named = types.filter((t) => t !== UnterminatedString);
    if (named.includes(Size))
        named = named.filter((t) => t !== NumberLiteral && t !== Duration && t !== Word);
    if (named.includes(Address))
        named = named.filter((t) => t !== Name);
    return named;
}
function expectedList(types, nameLabels, ruleName) {
    return listOf(worthNaming(types).map((type) => labelOf(type, nameLabels, ruleName)));
}
function listOf(labels) {
    const unique = [...new Set(labels)];
    if (unique.length <= 1)
        return unique[0] ?? "nothing";
    return unique.slice(0, -1).join(", ") + " or " + unique[unique.length - 1];
}
function keywordWords(types) {
    return types
        .map((type) => labelOf(type, {}))
        .filter((l) => /^`[a-z]+`$/.test(l))
        .map((l) => l.slice(1, -1));
}
function withSuggestion(message, actual, expected) {
    const suggestion = closestMatch(actual.image, keywordWords(expected));
    return suggestion && actual.image !== "" ? `${message}${HELP_SEPARATOR}did you mean \`${suggestion}\`?` : message;
}
/** Advice for a mismatch that has one likely cause. */
function mismatchHelp(expected, ruleName) {
    if (expected === RBrace)
        return `close the \`${ruleName === "onBlock" ? "on" : "senders"}\` block with \`}\` on a line of its own`;
    if (expected === Newline && ruleName === "senderEntry")
        return "separate addresses with `,`";
    if (expected === Newline)
        return "one rule stands on one line";
    return undefined;
}
export function policyErrorMessages(nameLabels) {
    return {
        buildMismatchTokenMessage({ expected, actual, ruleName }) {
            const message = `expected ${expectedList([expected], nameLabels, ruleName)}, found ${describe(actual)}`;
            const help = mismatchHelp(expected, ruleName);
            return help ? `${message}${HELP_SEPARATOR}${help}` : withSuggestion(message, actual, [expected]);
        },
        buildNotAllInputParsedMessage({ firstRedundant }) {
            return `unexpected ${describe(firstRedundant)}`;
        },
        buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
            const first = actual[0];
            const starts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => path[0])).filter((t) => !!t);
            return withSuggestion(`expected ${expectedList(starts, nameLabels, ruleName)}, found ${describe(first)}`, first, starts);
        },
        buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
            const starts = expectedIterationPaths.map((path) => path[0]).filter((t) => !!t);
            return withSuggestion(`expected ${expectedList(starts, nameLabels, ruleName)}, found ${describe(actual[0])}`, actual[0], starts);
        },
    };
}
//# sourceMappingURL=syntaxMessages.js.map