import { catalogueEntry, renderCatalogueEntry } from "../../compiler/diagnosticsDoc.js";
import { tokenize } from "../../compiler/policySyntax.js";
import { keywordWord } from "../../grammar/lexer.js";
import { ruleDocumentation } from "./ruleDocs.js";
import { ruleAt, spanHas, tokenAt } from "./syntaxAt.js";
function rangeHas(range, position) {
    const notAfter = (a, b) => a.line < b.line || (a.line === b.line && a.character <= b.character);
    return notAfter(range.start, position) && notAfter(position, range.end);
}
/** The explanation of each code published at `position`, once per code. */
function explanationsAt(diagnostics, position) {
    const here = diagnostics.filter((d) => rangeHas(d.range, position));
    const codes = [...new Set(here.map((d) => String(d.code)))];
    const text = codes.flatMap((code) => {
        const entry = catalogueEntry(code);
        return entry ? [renderCatalogueEntry(entry).trim()] : [];
    });
    return { text, range: here[0]?.range };
}
function keywordsOf(line) {
    return tokenize(line).tokens.flatMap((token) => keywordWord(token.tokenType) ?? []);
}
/** The documentation of the rule whose keyword is at `position`, with that keyword's range. */
function ruleDocumentationAt(document, ast, position) {
    const lineStart = document.offsetAt({ line: position.line, character: 0 });
    const line = document.getText({ start: { line: position.line, character: 0 }, end: { line: position.line + 1, character: 0 } }).replace(/\r?\n$/, "");
    const token = tokenAt(line, position.character);
    const word = token && keywordWord(token.tokenType);
    if (!token || word === undefined)
        return undefined;
    const offset = lineStart + token.startOffset;
    const rule = ruleAt(ast, offset);
    let words;
    if (rule?.observe && spanHas(rule.observe, offset))
        words = ["observe"];
    else if (rule?.for && spanHas(rule.for.span, offset))
        words = ["for"];
    else if (rule?.reply && spanHas(rule.reply.span, offset))
        words = ["with"];
    else if (rule) {
        // The rule's keywords are on its first line; a block's lines below hold its entries.
        const text = document.getText();
        const lineEnd = text.indexOf("\n", rule.span.start);
        words = keywordsOf(text.slice(rule.span.start, lineEnd < 0 ? rule.span.end : Math.min(lineEnd, rule.span.end)));
    }
    else {
        // A line that does not parse yet, or an `on` block's head: its own keywords, or the prefix or suffix being hovered.
        words = ["observe", "for", "with", "on"].includes(word) ? [word] : keywordsOf(line).filter((w) => w !== "observe");
    }
    const text = ruleDocumentation(words);
    const range = { start: document.positionAt(offset), end: document.positionAt(offset + token.image.length) };
    return text ? { text, range } : undefined;
}
/** The hover at `position` of a policy (`ast`) or of a file it names (no `ast`), given what was published on it. */
export function hoverAt(document, ast, diagnostics, position) {
    const explained = explanationsAt(diagnostics, position);
    const documented = ast ? ruleDocumentationAt(document, ast, position) : undefined;
    const parts = [...explained.text, ...(documented ? [documented.text] : [])];
    const range = documented?.range ?? explained.range;
    if (parts.length === 0)
        return null;
    return { contents: { kind: "markdown", value: parts.join("\n\n---\n\n") }, ...(range ? { range } : {}) };
}
//# sourceMappingURL=hover.js.map