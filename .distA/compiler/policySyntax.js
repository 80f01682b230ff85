import { buildSyntaxTree } from "../grammar/ast.js";
import { createPolicyLexer, keywordWord, Observe, vocabulary } from "../grammar/lexer.js";
import { PolicyParser } from "../grammar/parser.js";
import { RULE_BUILDERS, RULE_MODULES } from "./rules/index.js";
const grammars = RULE_MODULES.map((module) => module.grammar);
// One instance of each per process: building a chevrotain lexer or parser analyses the whole grammar.
const lexer = createPolicyLexer(vocabulary(grammars.flatMap((grammar) => grammar.keywords)));
export const policyParser = new PolicyParser(grammars);
/** The words that may start a rule (`observe` too), for suggestions and the editor grammar. */
export const RULE_VERBS = [...grammars.map((grammar) => keywordWord(grammar.verb)), keywordWord(Observe)];
export function tokenize(text) {
    return lexer.tokenize(text);
}
export function parseTokens(tokens) {
    return policyParser.parse(tokens);
}
/** Builds the AST; `problems` are lines that are no rule, which the parser accepted as such. */
export function buildAst(cst, comments) {
    return buildSyntaxTree(cst, comments, RULE_BUILDERS);
}
//# sourceMappingURL=policySyntax.js.map