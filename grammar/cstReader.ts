// Reading the parser's CST: the helpers each rule's syntax-tree builder uses to
// take its tokens and parts. Tokens that recovery inserted (no position) and
// nodes that recovery produced are never read, so one mistake gives one
// diagnostic: the parser's.
import type { CstNode, IToken } from "./chevrotain.js";
import { UnterminatedString } from "./lexer.js";
import type { Located, Span } from "./ast.js";

export type Children = Record<string, (CstNode | IToken)[] | undefined>;

export function isToken(x: CstNode | IToken): x is IToken {
  return (x as IToken).image !== undefined;
}

export function isReal(token: IToken): boolean {
  return !token.isInsertedInRecovery && !Number.isNaN(token.startOffset);
}

export function spanOfToken(token: IToken): Span {
  return { start: token.startOffset, end: token.startOffset + token.image.length };
}

export function spanBetween(first: IToken, last: IToken): Span {
  return { start: first.startOffset, end: spanOfToken(last).end };
}

export function located(token: IToken): Located {
  return { value: token.image, span: spanOfToken(token) };
}

/** The `index`th token under `name` (a token type's name or a label), when it is real. */
export function token(children: Children, name: string, index = 0): IToken | undefined {
  const found = children[name]?.[index] as IToken | undefined;
  return found && isReal(found) ? found : undefined;
}

/** Every real token under `name`. */
export function tokens(children: Children, name: string): IToken[] {
  return ((children[name] ?? []) as IToken[]).filter(isReal);
}

/** The `index`th node under `name`, unless recovery produced it. */
export function part(children: Children, name: string, index = 0): CstNode | undefined {
  const found = children[name]?.[index];
  return found && !isToken(found) && !found.recoveredNode ? found : undefined;
}

/** Every node under `name` that recovery did not produce. */
export function parts(children: Children, name: string): CstNode[] {
  return ((children[name] ?? []) as CstNode[]).filter((node) => !node.recoveredNode);
}

export function childrenOf(node: CstNode): Children {
  return node.children as Children;
}

/** The one real token of a production that consumes a single token (such as a size). */
export function onlyToken(node: CstNode | undefined): IToken | undefined {
  if (!node || node.recoveredNode) return undefined;
  for (const key in node.children) {
    const found = childrenOf(node)[key]?.[0];
    if (found && isToken(found) && isReal(found)) return found;
  }
  return undefined;
}

/** The value of a `stringValue` production under `name` (unescaped), or undefined. */
export function string(children: Children, name = "stringValue"): Located | undefined {
  const node = part(children, name);
  if (!node) return undefined;
  const c = childrenOf(node);
  const found = token(c, "StringLiteral") ?? token(c, "UnterminatedString");
  // The parse phase reports unterminated strings from the token stream.
  if (!found || found.tokenType === UnterminatedString) return undefined;
  return { value: found.image.slice(1, -1).replace(/\\(.)/g, "$1"), span: spanOfToken(found) };
}

/** The items of a `nameList` production under `name`. */
export function list(children: Children, name = "nameList"): Located[] {
  const node = part(children, name);
  return node ? tokens(childrenOf(node), "item").map(located) : [];
}
