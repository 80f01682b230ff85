import { keywordWord } from "../../grammar/lexer.js";
import { MODULE_LIST } from "./moduleList.js";
/** Every rule module; a statement tries them in this order (each starts with its own verb, so the order means nothing else). */
export const RULE_MODULES = MODULE_LIST;
/** What the checker knows of each kind of rule. */
export const KIND_FACTS = new Map(RULE_MODULES.flatMap((module) => Object.entries(module.kinds)));
/** Each rule's syntax-tree builder, by the name of its production. */
export const RULE_BUILDERS = new Map(RULE_MODULES.map((module) => [module.grammar.productions[0].name, module.build]));
/** Known values of open names, by the production that takes them, for completion. */
export const COMPLETION_VALUES = new Map(RULE_MODULES.flatMap((module) => Object.entries(module.values ?? {})));
/** The printers rule modules give for their stage nodes, by node kind. */
export const NODE_PRINTERS = new Map(RULE_MODULES.flatMap((module) => Object.entries(module.printers ?? {})));
/** The verb of a rule module, as written. */
export function verbOf(module) {
    return keywordWord(module.grammar.verb);
}
/** What each verb's rule is, in one line, by verb. */
export const VERB_SUMMARIES = new Map(RULE_MODULES.map((module) => [verbOf(module), module.summary]));
//# sourceMappingURL=index.js.map