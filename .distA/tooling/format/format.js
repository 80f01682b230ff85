import { hasErrors } from "../../compiler/diagnostics.js";
import { parsePolicy } from "../../compiler/parse.js";
import { LineMap } from "../../compiler/sourceText.js";
import { Colon, Comma, LBrace, Newline, RBrace } from "../../grammar/lexer.js";
import { tokenize } from "../../compiler/policySyntax.js";
const INDENT = "  ";
function joinTokens(tokens) {
    let out = "";
    tokens.forEach((token, i) => {
        const tight = token.tokenType === Colon || token.tokenType === Comma;
        out += (i === 0 || tight ? "" : " ") + token.image;
    });
    return out;
}
/** What the formatter may never change: the sequence of tokens and comments. */
function tokenImages(text) {
    const lexed = tokenize(text);
    return [...lexed.tokens.filter((t) => t.tokenType !== Newline), ...lexed.comments].sort((a, b) => a.startOffset - b.startOffset).map((t) => t.image.trimEnd());
}
export function formatPolicy(file, text) {
    const parsed = parsePolicy(file, text);
    if (hasErrors(parsed.diagnostics))
        return { ok: false, diagnostics: parsed.diagnostics };
    const lexed = tokenize(text);
    const lines = [];
    const lineMap = new LineMap(text);
    const lineOf = (token) => (lines[lineMap.position(token.startOffset).line - 1] ??= { tokens: [] });
    for (const token of lexed.tokens)
        if (token.tokenType !== Newline)
            lineOf(token).tokens.push(token);
    for (const comment of lexed.comments)
        lineOf(comment).comment = comment;
    // First pass: each line's indented code and comment; null marks a blank line.
    const laidOut = [];
    let depth = 0;
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (!line || (line.tokens.length === 0 && !line.comment)) {
            laidOut.push(null);
            continue;
        }
        const tokens = line.tokens;
        if (tokens[0]?.tokenType === RBrace)
            depth = Math.max(0, depth - 1);
        const indent = INDENT.repeat(depth);
        const comment = line.comment?.image.trimEnd();
        laidOut.push(tokens.length === 0 ? { code: indent + comment } : { code: indent + joinTokens(tokens), ...(comment ? { comment } : {}) });
        tokens.forEach((t, k) => {
            if (t.tokenType === LBrace)
                depth++;
            else if (t.tokenType === RBrace && k > 0)
                depth = Math.max(0, depth - 1);
        });
    }
    // Second pass: blank lines (one at most, none at the ends or just inside braces) and aligned comments.
    const kept = [];
    for (const line of laidOut) {
        const previous = kept[kept.length - 1];
        if (line === null) {
            if (previous && !previous.code.endsWith("{"))
                kept.push(null);
            continue;
        }
        if (previous === null && line.code.trimStart().startsWith("}"))
            kept.pop();
        kept.push(line);
    }
    while (kept.length > 0 && kept[kept.length - 1] === null)
        kept.pop();
    const out = [];
    for (let start = 0; start < kept.length;) {
        let end = start;
        while (end < kept.length && kept[end] !== null)
            end++;
        const group = kept.slice(start, end);
        const column = Math.max(0, ...group.filter((l) => l.comment).map((l) => l.code.length)) + 2;
        for (const l of group)
            out.push(l.comment ? l.code.padEnd(column) + l.comment : l.code);
        if (end < kept.length)
            out.push("");
        start = end + 1;
    }
    const formatted = out.length === 0 ? "" : out.join("\n") + "\n";
    // A safety net, not a expected path: the layout must keep every token and comment as it was.
    const before = tokenImages(text);
    const after = tokenImages(formatted);
    if (before.length !== after.length || before.some((t, i) => t !== after[i])) {
        return { ok: false, diagnostics: [], reason: "formatting would change the tokens of this file; it was left as it is" };
    }
    return { ok: true, text: formatted };
}
//# sourceMappingURL=format.js.map