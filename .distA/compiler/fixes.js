/** Replaces `span` (which reads `was`) with `text`, the suggestion the hint names. */
export function replaceFix(span, was, text) {
    return { span, text, title: `replace \`${was}\` with \`${text}\`` };
}
/** Deletes the whole lines `span` stands on, line endings included. */
export function deleteLinesFix(source, span, title) {
    const start = source.lastIndexOf("\n", span.start - 1) + 1;
    const newline = source.indexOf("\n", span.end);
    const end = newline === -1 ? source.length : newline + 1;
    // The last line without a newline: its newline before it goes, so no blank line is left behind.
    if (newline === -1 && start > 0)
        return { span: { start: start - 1, end }, text: "", title };
    return { span: { start, end }, text: "", title };
}
/** Deletes the words at `span` and the blanks that separated them from the rest of the line. */
export function deleteWordsFix(source, span, title) {
    let end = span.end;
    while (source[end] === " " || source[end] === "\t")
        end++;
    const lineGoesOn = end < source.length && source[end] !== "\n" && source[end] !== "\r" && source[end] !== "#";
    if (lineGoesOn)
        return { span: { start: span.start, end }, text: "", title };
    // At the end of the line (or before a comment): the blanks before the words go, those after stay.
    let start = span.start;
    while (start > 0 && (source[start - 1] === " " || source[start - 1] === "\t"))
        start--;
    return { span: { start, end: span.end }, text: "", title };
}
/** Whether two fixes touch the same text (two insertions at one point count: their order would matter). */
function overlaps(a, b) {
    return a.span.start < b.span.end && b.span.start < a.span.end ? true : a.span.start === b.span.start;
}
/**
 * Applies every fix that does not overlap an earlier one (in source order), from the end of the
 * text backwards so that each span still points at what it was computed for. The same edit offered
 * twice (two diagnostics on one duplicate) counts once.
 */
export function applyFixes(text, fixes) {
    const sorted = [...fixes].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    const applied = [];
    const skipped = [];
    for (const fix of sorted) {
        const previous = applied.at(-1);
        if (previous && previous.span.start === fix.span.start && previous.span.end === fix.span.end && previous.text === fix.text)
            continue;
        if (previous && overlaps(previous, fix))
            skipped.push(fix);
        else
            applied.push(fix);
    }
    let out = text;
    for (const fix of [...applied].reverse())
        out = out.slice(0, fix.span.start) + fix.text + out.slice(fix.span.end);
    return { text: out, applied, skipped };
}
/** Deletes one item of a comma-separated list with the comma that joined it (the one before it, or else the one after). */
export function deleteListItemFix(source, span, title) {
    let start = span.start;
    while (start > 0 && (source[start - 1] === " " || source[start - 1] === "\t"))
        start--;
    if (source[start - 1] === ",")
        return { span: { start: start - 1, end: span.end }, text: "", title };
    let end = span.end;
    while (source[end] === " " || source[end] === "\t")
        end++;
    if (source[end] === ",") {
        end++;
        while (source[end] === " " || source[end] === "\t")
            end++;
        return { span: { start: span.start, end }, text: "", title };
    }
    return deleteWordsFix(source, span, title);
}
//# sourceMappingURL=fixes.js.map