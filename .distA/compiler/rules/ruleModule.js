/** The nodes a rule's optional parts gave, in order. */
export function present(...nodes) {
    return nodes.filter((node) => !!node);
}
/** The `observe` and the reply text of a checked rule, as its graph node carries them. */
export function observeOf(checked) {
    return { ...(checked.observe ? { observe: true } : {}), ...(checked.replyText !== undefined ? { replyText: checked.replyText } : {}) };
}
/** A string as the policy writes it. */
export function quote(text) {
    return `"${text.replace(/["\\]/g, "\\$&")}"`;
}
/** `observe ` before a rule that only logs what it would refuse. */
export function observed(node) {
    return node?.observe ? "observe " : "";
}
/** What follows a refusing rule: ` for NAMES` when it is for some logins, ` with "TEXT"` when its refusal says its own text. */
export function replied(node) {
    return (node.for ? ` for ${node.for.names.join(", ")}` : "") + (node.replyText === undefined ? "" : ` with ${quote(node.replyText)}`);
}
//# sourceMappingURL=ruleModule.js.map