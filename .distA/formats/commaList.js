// Splitting `a, b, "c, d"` at the commas outside double quotes, keeping where each piece
// starts: the shape of `senders` and aliases file lines.
/** The trimmed pieces of `text`, each with its offset (plus `offset`) of its first character. */
export function splitCommaList(text, offset = 0) {
    const pieces = [];
    let quoted = false;
    let pieceStart = 0;
    const push = (end) => {
        const raw = text.slice(pieceStart, end);
        pieces.push({ text: raw.trim(), start: offset + pieceStart + (raw.length - raw.trimStart().length) });
    };
    for (let i = 0; i < text.length; i++) {
        const char = text[i];
        if (quoted && char === "\\")
            i++;
        else if (char === '"')
            quoted = !quoted;
        else if (char === "," && !quoted) {
            push(i);
            pieceStart = i + 1;
        }
    }
    push(text.length);
    return pieces;
}
//# sourceMappingURL=commaList.js.map