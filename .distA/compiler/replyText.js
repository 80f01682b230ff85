/** SMTP reply lines are at most 512 octets (RFC 5321 section 4.5.3.1.5); codes and a margin take the rest. */
const MAX_TEXT = 400;
/** The checked text, or undefined after a diagnostic. */
export function checkReplyText(context, ruleName, reply, refusal) {
    if (reply.code && Number(reply.code.value) !== refusal.code) {
        context.report("replyCodeContradicts", reply.code.span, `\`${ruleName}\` refuses with ${refusal.code}, not ${reply.code.value}`, {
            hint: `write \`with ${refusal.code} "..."\`, or leave the code out`,
        });
        return undefined;
    }
    const text = reply.text.value;
    // RFC 5321 section 4.2: reply text is printable ASCII (TAB and SP included); CR or LF would end the line.
    const bad = [...text].find((c) => !/^[\t\x20-\x7e]$/.test(c));
    if (text.trim() === "" || bad !== undefined || text.length > MAX_TEXT) {
        const why = bad !== undefined ? `\`${JSON.stringify(bad).slice(1, -1)}\` is not printable ASCII` : text.trim() === "" ? "it is empty" : `it is longer than ${MAX_TEXT} characters`;
        context.report("invalidReplyText", reply.text.span, `the reply text cannot be sent: ${why}`, { hint: "write the text in printable ASCII, at most 400 characters" });
        return undefined;
    }
    return text;
}
//# sourceMappingURL=replyText.js.map