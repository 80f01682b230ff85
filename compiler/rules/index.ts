// Every rule of the language, one module each (a verb's forms share one). The
// parser's statement, the syntax tree, the checker's tables and completion are
// built from this list: a new rule is a new module and a line here.
import type { RuleBuilder } from "../../grammar/ast.js";
import type { RuleGrammar } from "../../grammar/grammarDsl.js";
import { keywordWord } from "../../grammar/lexer.js";
import { addRule } from "./add.js";
import { aliasesRule } from "./aliases.js";
import { allowRule } from "./allow.js";
import { authRule } from "./auth.js";
import { deliverRule } from "./deliver.js";
import { enforceRule } from "./enforce.js";
import { hostnameRule } from "./hostname.js";
import { limitRule } from "./limit.js";
import { limitsStoreRule } from "./limitsStore.js";
import { listenRule } from "./listen.js";
import { logRule } from "./log.js";
import { masqueradeRule } from "./masquerade.js";
import { metricsRule } from "./metrics.js";
import { qualifyRule } from "./qualify.js";
import { removeRule } from "./remove.js";
import { refuseRule } from "./refuse.js";
import { requireRule } from "./require.js";
import type { CompletionValues, KindFacts, Printing, RuleModule, RuleNode, StageNode } from "./ruleModule.js";
import { sendersRule } from "./senders.js";
import { signRule } from "./sign.js";
import { throttleRule } from "./throttle.js";
import { timeoutRule } from "./timeout.js";
import { tlsRule } from "./tls.js";
import { workersRule } from "./workers.js";

/** In the order a statement tries them (each starts with its own verb, so the order means nothing else). */
export const RULE_MODULES = [
  hostnameRule,
  tlsRule,
  listenRule,
  authRule,
  requireRule,
  qualifyRule,
  enforceRule,
  allowRule,
  sendersRule,
  limitRule,
  addRule,
  logRule,
  deliverRule,
  removeRule,
  signRule,
  throttleRule,
  timeoutRule,
  aliasesRule,
  masqueradeRule,
  metricsRule,
  workersRule,
  limitsStoreRule,
  refuseRule,
] as const;

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
