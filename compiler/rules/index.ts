// Every rule of the language, one module each (a verb's forms share one). The
// parser's statement, the syntax tree, the checker's tables and completion are
// built from this list, which moduleList.ts generates from the folder: a new rule
// is a new module and nothing else here.
import type { RuleBuilder } from "../../grammar/ast.js";
import type { RuleGrammar } from "../../grammar/grammarDsl.js";
import { keywordWord } from "../../grammar/lexer.js";
import { MODULE_LIST } from "./moduleList.js";
import type { CompletionValues, KindFacts, Printing, RuleModule, RuleNode, StageNode } from "./ruleModule.js";

/** Every rule module; a statement tries them in this order (each starts with its own verb, so the order means nothing else). */
export const RULE_MODULES = MODULE_LIST;

type RuleOf<M> = M extends RuleModule<infer R> ? R : never;

/** A rule of the syntax tree: the union of every module's nodes. */
export type Rule = RuleOf<(typeof RULE_MODULES)[number]>;
export type RuleKind = Rule["kind"];

/** What the checker knows of each kind of rule. */
export const KIND_FACTS: ReadonlyMap<RuleKind, KindFacts<RuleNode>> = new Map(RULE_MODULES.flatMap((module) => Object.entries(module.kinds) as [RuleKind, KindFacts<RuleNode>][]));

/** Each rule's syntax-tree builder, by the name of its production. */
export const RULE_BUILDERS: ReadonlyMap<string, RuleBuilder<Rule>> = new Map(
  RULE_MODULES.map((module) => [module.grammar.productions[0]!.name, module.build as RuleBuilder<Rule>]),
);

/** Known values of open names, by the production that takes them, for completion. */
export const COMPLETION_VALUES: ReadonlyMap<string, CompletionValues> = new Map(RULE_MODULES.flatMap((module) => Object.entries((module as RuleModule<RuleNode>).values ?? {})));

/** The printers rule modules give for their stage nodes, by node kind. */
export const NODE_PRINTERS: ReadonlyMap<string, (node: StageNode, at: Printing) => string> = new Map(
  RULE_MODULES.flatMap((module) => Object.entries((module as RuleModule<RuleNode>).printers ?? {}) as [string, (node: StageNode, at: Printing) => string][]),
);

/** The verb of a rule module, as written. */
export function verbOf(module: { grammar: RuleGrammar }): string {
  return keywordWord(module.grammar.verb)!;
}

/** What each verb's rule is, in one line, by verb. */
export const VERB_SUMMARIES: ReadonlyMap<string, string> = new Map(RULE_MODULES.map((module) => [verbOf(module), module.summary]));
