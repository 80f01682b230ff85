// The syntax tree of a policy, built from the parser's CST. Each rule's module
// builds its own node (compiler/rules/); this file walks the statements and gives
// every builder the rule's spans. Every node keeps its source span as offsets
// (line and column are computed only when printing). CST nodes that recovery
// invented are skipped, so one mistake gives one diagnostic: the parser's.
import type { CstNode, IToken } from "./chevrotain.js";
import { type Children, childrenOf, isReal, isToken, list, located, spanOfToken, string, token } from "./cstReader.js";

/** A half-open range of source offsets: [start, end). */
export interface Span {
  start: number;
  end: number;
}

/** A value as written, with where it was written. */
export interface Located<T = string> {
  value: T;
  span: Span;
}

export interface RuleBase {
  /** The whole rule, verb to last argument. */
  span: Span;
  /** The verb alone, where short diagnostics point. */
  verb: Span;
  /** `observe` in front of the rule: log what it would refuse, refuse nothing. */
  observe?: Span;
  /** `with [CODE] "TEXT"` after the rule: the text of its refusal (the code, if written, must be the rule's own). */
  reply?: ReplyText;
  /** `for NAMES` after the rule: the logins and groups it applies to. */
  for?: { span: Span; names: Located[] };
  /** The `on LISTENERS { }` block the rule stands in: the listeners as written, the `on LISTENERS` head's span. */
  on?: OnBlock;
}

export interface OnBlock {
  span: Span;
  listeners: Located[];
}

export interface ReplyText {
  span: Span;
  code?: Located;
  text: Located;
}

/** Builds one rule's syntax-tree node from its CST node, or undefined when a part is missing (the parser said why). */
export type RuleBuilder<R> = (children: Children, base: RuleBase) => R | undefined;

export interface SyntaxTree<R> {
  rules: R[];
  /** `#` comments with their spans, for the formatter. */
  comments: Located[];
}

/** A line the parser accepted only as an unknown rule. */
export interface AstProblem {
  kind: "unknownRule";
  span: Span;
  word: string;
}

/**
 * The first or last real token under a CST node (tokens recovery inserted do
 * not count). Each child list is in source order, so only its edge is looked
 * at: a `senders` block of 100,000 lines is one CST node, and walking all of it
 * for its span would cost more than checking it.
 */
function edgeToken(node: CstNode, which: "first" | "last"): IToken | undefined {
  let best: IToken | undefined;
  for (const key in node.children) {
    const list = childrenOf(node)[key] ?? [];
    for (let i = 0; i < list.length; i++) {
      const child = list[which === "first" ? i : list.length - 1 - i]!;
      const token = isToken(child) ? (isReal(child) ? child : undefined) : edgeToken(child, which);
      if (!token) continue;
      if (!best || (which === "first" ? token.startOffset < best.startOffset : token.startOffset > best.startOffset)) best = token;
      break;
    }
  }
  return best;
}

/** The `with [CODE] "TEXT"` suffix of a statement, or undefined when absent or broken (the parser said why). */
function replyTextOf(node: CstNode | undefined): ReplyText | undefined {
  if (!node || node.recoveredNode) return undefined;
  const children = childrenOf(node);
  const text = string(children, "text");
  const first = edgeToken(node, "first");
  if (!text || !first) return undefined;
  const code = token(children, "code");
  return { span: { start: first.startOffset, end: text.span.end }, ...(code ? { code: located(code) } : {}), text };
}

/** The `for NAMES` suffix of a statement, or undefined when absent or broken. */
function forLoginsOf(node: CstNode | undefined): RuleBase["for"] {
  if (!node || node.recoveredNode) return undefined;
  const names = list(childrenOf(node), "names");
  const first = edgeToken(node, "first");
  if (!first || names.length === 0) return undefined;
  return { span: { start: first.startOffset, end: names.at(-1)!.span.end }, names };
}

/** The head of an `on LISTENERS {` block (no listeners when none was written), or undefined when recovery invented it. */
function onBlockOf(node: CstNode): OnBlock | undefined {
  const on = childrenOf(node).KwOn?.[0] as IToken | undefined;
  const listeners = ((childrenOf(node).listener ?? []) as IToken[]).filter(isReal).map(located);
  if (node.recoveredNode || !on || !isReal(on)) return undefined;
  return { span: { start: on.startOffset, end: listeners.at(-1)?.span.end ?? spanOfToken(on).end }, listeners };
}

/**
 * Builds the tree with the builder of each rule's production; `problems` are lines that are no
 * rule at all. The rules of an `on` block are rules like the others, in source order, each
 * remembering its block.
 */
export function buildSyntaxTree<R>(cst: CstNode, comments: IToken[], builders: ReadonlyMap<string, RuleBuilder<R>>): { ast: SyntaxTree<R>; problems: AstProblem[] } {
  const rules: R[] = [];
  const problems: AstProblem[] = [];
  const statements: { node: CstNode; on?: OnBlock }[] = ((childrenOf(cst).statement ?? []) as CstNode[]).map((node) => ({ node }));
  for (const block of (childrenOf(cst).onBlock ?? []) as CstNode[]) {
    const on = onBlockOf(block);
    if (on) for (const node of (childrenOf(block).statement ?? []) as CstNode[]) statements.push({ node, on });
  }
  const startOf = (node: CstNode) => edgeToken(node, "first")?.startOffset ?? 0;
  if (statements.some((s) => s.on)) statements.sort((a, b) => startOf(a.node) - startOf(b.node));
  for (const { node: statement, on } of statements) {
    if (statement.recoveredNode) continue;
    const children = childrenOf(statement);
    const observeToken = children.KwObserve?.[0] as IToken | undefined;
    for (const [name, list] of Object.entries(children)) {
      if (name === "Newline" || name === "KwObserve" || name === "replyText" || name === "forLogins" || !list) continue;
      const node = list[0] as CstNode;
      if (node.recoveredNode) break;
      const first = edgeToken(node, "first");
      const last = edgeToken(node, "last");
      if (!first || !last) break;
      const base: RuleBase = { span: { start: first.startOffset, end: spanOfToken(last).end }, verb: spanOfToken(first) };
      if (observeToken && isReal(observeToken)) base.observe = spanOfToken(observeToken);
      const reply = replyTextOf(children.replyText?.[0] as CstNode | undefined);
      if (reply) base.reply = reply;
      const scope = forLoginsOf(children.forLogins?.[0] as CstNode | undefined);
      if (scope) base.for = scope;
      if (on) base.on = on;
      if (node.name === "unknownRule") {
        problems.push({ kind: "unknownRule", span: base.verb, word: first.image });
        break;
      }
      const rule = builders.get(node.name)?.(childrenOf(node), base);
      if (rule) rules.push(rule);
      break;
    }
  }
  return { ast: { rules, comments: comments.map(located) }, problems };
}
