// The policy parser, built once from every rule module's grammar, and the
// syntax tree built with every module's builder. Other phases and the tooling
// parse through here, so there is one parser instance per process.
import type { CstNode, IToken } from "../grammar/chevrotain.js";
import { type AstProblem, buildSyntaxTree, type SyntaxTree } from "../grammar/ast.js";
import { type ParseResult, PolicyParser } from "../grammar/parser.js";
import { type Rule, RULE_BUILDERS, RULE_MODULES } from "./rules/index.js";

export type PolicyAst = SyntaxTree<Rule>;

// One instance per process: building a chevrotain parser runs its self-analysis.
export const policyParser = new PolicyParser(RULE_MODULES.map((module) => module.grammar));

export function parseTokens(tokens: IToken[]): ParseResult {
  return policyParser.parse(tokens);
}

/** Builds the AST; `problems` are lines that are no rule, which the parser accepted as such. */
export function buildAst(cst: CstNode, comments: IToken[]): { ast: PolicyAst; problems: AstProblem[] } {
  return buildSyntaxTree(cst, comments, RULE_BUILDERS);
}
