import { childrenOf, isReal, isToken, list, located, spanOfToken, string, token } from "./cstReader.js";
/**
 * The first or last real token under a CST node (tokens recovery inserted do
 * not count). Each child list is in source order, so only its edge is looked
 * at: a `senders` block of 100,000 lines is one CST node, and walking all of it
 * for its span would cost more than checking it.
 */
function edgeToken(node, which) {
    let best;
    for (const key in node.children) {
        const list = childrenOf(node)[key] ?? [];
        for (let i = 0; i < list.length; i++) {
            const child = list[which === "first" ? i : list.length - 1 - i];
            const token = isToken(child) ? (isReal(child) ? child : undefined) : edgeToken(child, which);
            if (!token)
                continue;
            if (!best || (which === "first" ? token.startOffset < best.startOffset : token.startOffset > best.startOffset))
                best = token;
            break;
        }
    }
    return best;
}
/** The `with [CODE] "TEXT"` suffix of a statement, or undefined when absent or broken (the parser said why). */
function replyTextOf(node) {
    if (!node || node.recoveredNode)
        return undefined;
    const children = childrenOf(node);
    const text = string(children, "text");
    const first = edgeToken(node, "first");
    if (!text || !first)
        return undefined;
    const code = token(children, "code");
    return { span: { start: first.startOffset, end: text.span.end }, ...(code ? { code: located(code) } : {}), text };
}
/** The `for NAMES` suffix of a statement, or undefined when absent or broken. */
function forLoginsOf(node) {
    if (!node || node.recoveredNode)
        return undefined;
    const names = list(childrenOf(node), "names");
    const first = edgeToken(node, "first");
    if (!first || names.length === 0)
        return undefined;
    return { span: { start: first.startOffset, end: names.at(-1).span.end }, names };
}
/** The head of an `on LISTENERS {` block (no listeners when none was written), or undefined when recovery invented it. */
function onBlockOf(node) {
    const on = childrenOf(node).KwOn?.[0];
    const listeners = (childrenOf(node).listener ?? []).filter(isReal).map(located);
    if (node.recoveredNode || !on || !isReal(on))
        return undefined;
    return { span: { start: on.startOffset, end: listeners.at(-1)?.span.end ?? spanOfToken(on).end }, listeners };
}
/**
 * Builds the tree with the builder of each rule's production; `problems` are lines that are no
 * rule at all. The rules of an `on` block are rules like the others, in source order, each
 * remembering its block.
 */
export function buildSyntaxTree(cst, comments, builders) {
    const rules = [];
    const problems = [];
    const statements = (childrenOf(cst).statement ?? []).map((node) => ({ node }));
    for (const block of (childrenOf(cst).onBlock ?? [])) {
        const on = onBlockOf(block);
        if (on)
            for (const node of (childrenOf(block).statement ?? []))
                statements.push({ node, on });
    }
    const startOf = (node) => edgeToken(node, "first")?.startOffset ?? 0;
    if (statements.some((s) => s.on))
        statements.sort((a, b) => startOf(a.node) - startOf(b.node));
    for (const { node: statement, on } of statements) {
        if (statement.recoveredNode)
            continue;
        const children = childrenOf(statement);
        const observeToken = children.KwObserve?.[0];
        for (const [name, list] of Object.entries(children)) {
            if (name === "Newline" || name === "KwObserve" || name === "replyText" || name === "forLogins" || !list)
                continue;
            const node = list[0];
            if (node.recoveredNode)
                break;
            const first = edgeToken(node, "first");
            const last = edgeToken(node, "last");
            if (!first || !last)
                break;
            const base = { span: { start: first.startOffset, end: spanOfToken(last).end }, verb: spanOfToken(first) };
            if (observeToken && isReal(observeToken))
                base.observe = spanOfToken(observeToken);
            const reply = replyTextOf(children.replyText?.[0]);
            if (reply)
                base.reply = reply;
            const scope = forLoginsOf(children.forLogins?.[0]);
            if (scope)
                base.for = scope;
            if (on)
                base.on = on;
            if (node.name === "unknownRule") {
                problems.push({ kind: "unknownRule", span: base.verb, word: first.image });
                break;
            }
            const rule = builders.get(node.name)?.(childrenOf(node), base);
            if (rule)
                rules.push(rule);
            break;
        }
    }
    return { ast: { rules, comments: comments.map(located) }, problems };
}
//# sourceMappingURL=ast.js.map