// The policy parser, built once from every rule module's grammar, and the
// syntax tree built with every module's builder. Other phases and the tooling
// parse through here, so there is one parser instance per process.
import type { CstNode, IToken } from "../grammar/chevrotain.js";
import { type AstProblem, buildSyntaxTree, type SyntaxTree } from "../grammar/ast.js";
import { createPolicyLexer, keywordWord, type LexResult, Observe, vocabulary } from "../grammar/lexer.js";
import { type ParseResult, PolicyParser } from "../grammar/parser.js";
import { type Rule, RULE_BUILDERS, RULE_MODULES } from "./rules/index.js";

export type PolicyAst = SyntaxTree<Rule>;

const grammars = RULE_MODULES.map((module) => module.grammar);

// One instance of each per process: building a chevrotain lexer or parser analyses the whole grammar.
const lexer = createPolicyLexer(vocabulary(grammars.flatMap((grammar) => grammar.keywords)));
export const policyParser = new PolicyParser(grammars);

/** The words that may start a rule (`observe` too), for suggestions and the editor grammar. */
export const RULE_VERBS: readonly string[] = [...grammars.map((grammar) => keywordWord(grammar.verb)!), keywordWord(Observe)!];

export function tokenize(text: string): LexResult {
  return lexer.tokenize(text);
}

export function parseTokens(tokens: IToken[]): ParseResult {
  return policyParser.parse(tokens);
}

/** Builds the AST; `problems` are lines that are no rule, which the parser accepted as such. */
export function buildAst(cst: CstNode, comments: IToken[]): { ast: PolicyAst; problems: AstProblem[] } {
  return buildSyntaxTree(cst, comments, RULE_BUILDERS);
}
