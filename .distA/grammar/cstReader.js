import { UnterminatedString } from "./lexer.js";
export function isToken(x) {
    return x.image !== undefined;
}
export function isReal(token) {
    return !token.isInsertedInRecovery && !Number.isNaN(token.startOffset);
}
export function spanOfToken(token) {
    return { start: token.startOffset, end: token.startOffset + token.image.length };
}
export function spanBetween(first, last) {
    return { start: first.startOffset, end: spanOfToken(last).end };
}
export function located(token) {
    return { value: token.image, span: spanOfToken(token) };
}
/** The `index`th token under `name` (a token type's name or a label), when it is real. */
export function token(children, name, index = 0) {
    const found = children[name]?.[index];
    return found && isReal(found) ? found : undefined;
}
/** Every real token under `name`. */
export function tokens(children, name) {
    return (children[name] ?? []).filter(isReal);
}
/** The `index`th node under `name`, unless recovery produced it. */
export function part(children, name, index = 0) {
    const found = children[name]?.[index];
    return found && !isToken(found) && !found.recoveredNode ? found : undefined;
}
/** Every node under `name` that recovery did not produce. */
export function parts(children, name) {
    return (children[name] ?? []).filter((node) => !node.recoveredNode);
}
export function childrenOf(node) {
    return node.children;
}
/** The one real token of a production that consumes a single token (such as a size). */
export function onlyToken(node) {
    if (!node || node.recoveredNode)
        return undefined;
    for (const key in node.children) {
        const found = childrenOf(node)[key]?.[0];
        if (found && isToken(found) && isReal(found))
            return found;
    }
    return undefined;
}
/** The value of a `stringValue` production under `name` (unescaped), or undefined. */
export function string(children, name = "stringValue") {
    const node = part(children, name);
    if (!node)
        return undefined;
    const c = childrenOf(node);
    const found = token(c, "StringLiteral") ?? token(c, "UnterminatedString");
    // The parse phase reports unterminated strings from the token stream.
    if (!found || found.tokenType === UnterminatedString)
        return undefined;
    return { value: found.image.slice(1, -1).replace(/\\(.)/g, "$1"), span: spanOfToken(found) };
}
/** The items of a `nameList` production under `name`. */
export function list(children, name = "nameList") {
    const node = part(children, name);
    return node ? tokens(childrenOf(node), "item").map(located) : [];
}
//# sourceMappingURL=cstReader.js.map