// Renders `docs/rules.md` from the rule modules: every verb with its module and
// its one-line summary, and how a rule is added, so the index never drifts from
// the modules (a test compares the file with this output).
import { RULE_MODULES, verbOf } from "./rules/index.js";
/** A rule's module file, named after its production (`limitRule` is in compiler/rules/limit.ts; a test holds every file to exist). */
function moduleFile(production) {
    return `compiler/rules/${production.replace(/Rule$/, "")}.ts`;
}
const ADDING_A_RULE = `## Adding a rule

A rule is one module in \`compiler/rules/\` (a verb with several forms, such as
\`limit\`, is one module). The module holds, side by side:

- the words it is written with: \`keywords("refuse", "header")\`; the lexer is
  built from every module's keywords;
- its grammar fragment (\`grammar.productions\`), written with chevrotain's DSL
  on \`$\`; the parser's statement is built from every module's first production;
- its syntax-tree node (an interface extending \`RuleBase\`) and \`build\`, which
  reads the CST with the helpers of \`grammar/cstReader.ts\`;
- its check (\`kinds.<kind>.check\`), how diagnostics name it, whether it may be
  written once or be keyed, and the reply it refuses with (\`refuses\`: then \`observe\`
  and \`with "TEXT"\` apply to it); the fields of \`CheckedPolicy\` its
  check records (\`declare module "../checkedPolicy.js"\`);
- its nodes in the session's stages (\`stages(policy, at)\`), the optional graph
  fields it sets (\`graph\`, printed by \`printGraph\`), the lowering of the
  graph's older fields (\`lowerX(checked, at)\` functions) and its printer
  (\`printers\` by node kind for \`msac print\`, or \`printX\` functions that
  \`tooling/print/print.ts\` lays out);
- the known values of open names it takes (\`values\`, for completion) and its
  \`summary\` (this page, and the editor's completion of verbs).

Completion needs nothing: it asks the grammar what may come next.

Outside the module, adding a rule touches:

1. \`graph/graph.ts\`: the node's schema, and its place in its stage's list
   (\`STAGE_ORDER\`: the order of a stage is the policy's meaning, decided in
   one place);
2. the node's handler in \`runtime/decision/\` (\`envelopeStage.ts\` or
   \`messageStage.ts\`);
3. \`graph/replies.ts\`, when the rule gives a reply of its own.

A rule that is no stage node but a field of the graph (\`copy to\`) lowers and
prints that field itself (\`graph\`, \`printGraph\`); it touches the field's
schema in \`graph/graph.ts\` and the runtime step that reads it.

The registry (\`compiler/rules/moduleList.ts\`) is generated from the folder.
Then regenerate the registry, this page and the grammar snapshot (\`UPDATE_GOLDEN=1\`,
twice for a new module: the first run writes the registry the others read), and
describe the rule in \`docs/language.md\`.
`;
export function renderRulesDoc() {
    const rows = RULE_MODULES.map((module) => {
        return `| \`${verbOf(module)}\` | ${module.summary} | \`${moduleFile(module.grammar.productions[0].name)}\` |`;
    });
    return [
        "# The rules and their modules",
        "",
        "<!-- Generated from compiler/rules/ by compiler/rulesDoc.ts; regenerate with UPDATE_GOLDEN=1. -->",
        "",
        "Every rule of the policy language is one module in `compiler/rules/`. The",
        "language itself is described in [language.md](language.md); this page is the",
        "map from a verb to the code that implements it.",
        "",
        "| verb | what it is | module |",
        "| --- | --- | --- |",
        ...rows,
        "",
        '`observe` is not a rule but a prefix of the refusing ones, and `with [CODE] "TEXT"`',
        "a suffix: the parser takes them around any rule, and each module says whether its",
        "rule refuses, and with which reply of `graph/replies.ts`.",
        "",
        ADDING_A_RULE,
    ].join("\n");
}
//# sourceMappingURL=rulesDoc.js.map