// What is written at a place in a policy, for hover and go to definition: the token under
// the cursor, the rule it belongs to (with its `observe`, `for` and `with` parts) and the
// values that rule was written with. A cursor just after a word still points at it, as
// editors place it after a double click.
import type { IToken } from "../../grammar/chevrotain.js";
import type { Located, Span } from "../../grammar/ast.js";
import { Newline } from "../../grammar/lexer.js";
import { tokenize, type PolicyAst } from "../../compiler/policySyntax.js";
import type { Rule } from "../../compiler/rules/index.js";

export function spanHas(span: Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

/**
 * The token at `offset` of a line (a comment counts), preferring the one that starts there over
 * the one that ends there. A line is enough: no token of the language spans two lines.
 */
export function tokenAt(line: string, offset: number): IToken | undefined {
  const lexed = tokenize(line);
  let found: IToken | undefined;
  for (const token of [...lexed.tokens, ...lexed.comments]) {
    if (token.tokenType === Newline || !spanHas({ start: token.startOffset, end: token.startOffset + token.image.length }, offset)) continue;
    if (!found || token.startOffset > found.startOffset) found = token;
  }
  return found;
}

/** The rule written at `offset`, its `observe` prefix and `for`/`with` suffixes included. */
export function ruleAt(ast: PolicyAst, offset: number): Rule | undefined {
  return ast.rules.find((rule) => [rule.span, rule.observe, rule.for?.span, rule.reply?.span].some((span) => span && spanHas(span, offset)));
}

function isLocated(x: unknown): x is Located {
  const candidate = x as Located;
  return typeof candidate?.value === "string" && typeof candidate.span?.start === "number";
}

/**
 * The values a rule was written with (names, addresses, strings...) that `offset` is in,
 * whatever its module calls them, innermost first. A part with a span the offset is not in is
 * not looked into, so a `senders` block of 100,000 lines costs one entry's walk, not all.
 */
export function valuesAt(rule: Rule, offset: number): Located[] {
  const found: Located[] = [];
  const walk = (x: unknown, root = false) => {
    if (!x || typeof x !== "object") return;
    const span = (x as { span?: Span }).span;
    if (!root && span && typeof span.start === "number" && !spanHas(span, offset)) return;
    if (isLocated(x)) found.push(x);
    else if (Array.isArray(x)) for (const item of x) walk(item);
    else for (const value of Object.values(x)) walk(value);
  };
  // The rule's own span leaves out its `for` and `with` suffixes: they are looked into all the same.
  walk(rule, true);
  return found.sort((a, b) => a.span.end - a.span.start - (b.span.end - b.span.start));
}
