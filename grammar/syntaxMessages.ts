// Wording of syntax errors, in the diagnostic style of the whole project: one
// sentence, lowercase, the user's text in backticks, advice after `HELP_SEPARATOR`
// (split off into the diagnostic's hint by the AST builder).
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import { Newline, UnterminatedString } from "./lexer.js";
import { closestMatch } from "./spelling.js";

export const HELP_SEPARATOR = "\nhelp: ";

function describe(token: IToken): string {
  if (token.tokenType === EOF) return "the end of the file";
  if (token.tokenType === Newline) return "the end of the line";
  if (token.tokenType === UnterminatedString) return "an unterminated string";
  return "`" + token.image + "`";
}

function labelOf(type: TokenType): string {
  return type.LABEL ?? type.name;
}

function listOf(labels: string[]): string {
  // An unterminated string is parsed (so that the lexer's diagnostic stands alone) but never expected.
  const unique = [...new Set(labels)].filter((l) => l !== UnterminatedString.LABEL);
  if (unique.length <= 1) return unique[0] ?? "nothing";
  return unique.slice(0, -1).join(", ") + " or " + unique[unique.length - 1];
}

function keywordWords(types: TokenType[]): string[] {
  return types.map(labelOf).filter((l) => /^`[a-z]+`$/.test(l)).map((l) => l.slice(1, -1));
}

function withSuggestion(message: string, actual: IToken, expected: TokenType[]): string {
  const suggestion = closestMatch(actual.image, keywordWords(expected));
  return suggestion && actual.image !== "" ? `${message}${HELP_SEPARATOR}did you mean \`${suggestion}\`?` : message;
}

export const policyErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return withSuggestion(`expected ${labelOf(expected)}, found ${describe(actual)}`, actual, [expected]);
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describe(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual }) {
    const first = actual[0];
    const starts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => path[0])).filter((t): t is TokenType => !!t);
    return withSuggestion(`expected ${listOf(starts.map(labelOf))}, found ${describe(first)}`, first, starts);
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual }) {
    const starts = expectedIterationPaths.map((path) => path[0]).filter((t): t is TokenType => !!t);
    return withSuggestion(`expected ${listOf(starts.map(labelOf))}, found ${describe(actual[0])}`, actual[0], starts);
  },
};
