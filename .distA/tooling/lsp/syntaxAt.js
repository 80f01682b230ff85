import { Newline } from "../../grammar/lexer.js";
import { tokenize } from "../../compiler/policySyntax.js";
export function spanHas(span, offset) {
    return span.start <= offset && offset <= span.end;
}
/**
 * The token at `offset` of a line (a comment counts), preferring the one that starts there over
 * the one that ends there. A line is enough: no token of the language spans two lines.
 */
export function tokenAt(line, offset) {
    const lexed = tokenize(line);
    let found;
    for (const token of [...lexed.tokens, ...lexed.comments]) {
        if (token.tokenType === Newline || !spanHas({ start: token.startOffset, end: token.startOffset + token.image.length }, offset))
            continue;
        if (!found || token.startOffset > found.startOffset)
            found = token;
    }
    return found;
}
/** The rule written at `offset`, its `observe` prefix and `for`/`with` suffixes included. */
export function ruleAt(ast, offset) {
    return ast.rules.find((rule) => [rule.span, rule.observe, rule.for?.span, rule.reply?.span].some((span) => span && spanHas(span, offset)));
}
function isLocated(x) {
    const candidate = x;
    return typeof candidate?.value === "string" && typeof candidate.span?.start === "number";
}
/**
 * The values a rule was written with (names, addresses, strings...) that `offset` is in,
 * whatever its module calls them, innermost first. A part with a span the offset is not in is
 * not looked into, so a `senders` block of 100,000 lines costs one entry's walk, not all.
 */
export function valuesAt(rule, offset) {
    const found = [];
    const walk = (x, root = false) => {
        if (!x || typeof x !== "object")
            return;
        const span = x.span;
        if (!root && span && typeof span.start === "number" && !spanHas(span, offset))
            return;
        if (isLocated(x))
            found.push(x);
        else if (Array.isArray(x))
            for (const item of x)
                walk(item);
        else
            for (const value of Object.values(x))
                walk(value);
    };
    // The rule's own span leaves out its `for` and `with` suffixes: they are looked into all the same.
    walk(rule, true);
    return found.sort((a, b) => a.span.end - a.span.start - (b.span.end - b.span.start));
}
//# sourceMappingURL=syntaxAt.js.map