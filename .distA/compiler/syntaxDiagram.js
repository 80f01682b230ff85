// The grammar as railroad diagrams (`docs/syntax-diagram.html`) and as a
// serialized snapshot, both generated from the one parser instance so that
// grammar changes show up in review (tests compare both with the files kept).
import { createSyntaxDiagramsCode } from "../grammar/chevrotain.js";
import { policyParser } from "./policySyntax.js";
/** The HTML page of railroad diagrams, one per grammar rule (chevrotain's generator). */
export function renderSyntaxDiagram() {
    return createSyntaxDiagramsCode(policyParser.getSerializedGastProductions());
}
/** The grammar's productions as stable, indented JSON. */
export function serializeGrammar() {
    return JSON.stringify(policyParser.getSerializedGastProductions(), null, 2) + "\n";
}
//# sourceMappingURL=syntaxDiagram.js.map