export const ENHANCED_PREFIX = /^([245])\.(\d{1,3})\.(\d{1,3}) /;
export function replyError(reply) {
    return Object.assign(new Error(replyText(reply)), { responseCode: reply.code });
}
/** `enhanced text`, the reply line after the code. */
export function replyText(reply) {
    return `${reply.enhanced} ${reply.text}`;
}
//# sourceMappingURL=replyError.js.map