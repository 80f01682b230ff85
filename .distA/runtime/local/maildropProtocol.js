/** The socket inside the drop folder. */
export const MAILDROP_SOCKET = "submit.socket";
/** Drop files are named by their writer: 128 random bits, so no other user can guess one. */
export const DROP_FILE_NAME = /^[0-9a-f]{32}\.msg$/;
/** The request as one line (without its newline). */
export function dropFileRequestLine(request) {
    return JSON.stringify(request);
}
/** A request line read back; null when it is not one. */
export function dropFileRequest(line) {
    let value;
    try {
        value = JSON.parse(line);
    }
    catch {
        return null;
    }
    if (typeof value !== "object" || value === null)
        return null;
    const { file, sender, recipients } = value;
    if (typeof file !== "string" || !DROP_FILE_NAME.test(file) || typeof sender !== "string")
        return null;
    if (!Array.isArray(recipients) || recipients.length === 0 || !recipients.every((r) => typeof r === "string"))
        return null;
    return { file, sender, recipients };
}
export function replyLine(reply) {
    return `${reply.code} ${reply.enhanced} ${reply.text}\n`;
}
/** The reply line read back; null when it is not one (the server went away mid-answer). */
export function parseReplyLine(line) {
    const match = /^([2-5]\d\d) ([245]\.\d{1,3}\.\d{1,3}) ?(.*)$/.exec(line.trim());
    return match ? { code: Number(match[1]), enhanced: match[2], text: match[3] } : null;
}
//# sourceMappingURL=maildropProtocol.js.map