import { formatPolicy } from "../format/format.js";
import { fileOfUri } from "./editorFiles.js";
export function formattingEdits(document) {
    const text = document.getText();
    const formatted = formatPolicy(fileOfUri(document.uri), text);
    if (!formatted.ok || formatted.text === text)
        return [];
    // Only the changed middle is replaced, so the editor keeps its cursor and folds around it.
    let start = 0;
    while (start < text.length && start < formatted.text.length && text[start] === formatted.text[start])
        start++;
    let end = 0;
    while (end < text.length - start && end < formatted.text.length - start && text[text.length - 1 - end] === formatted.text[formatted.text.length - 1 - end])
        end++;
    return [{ range: { start: document.positionAt(start), end: document.positionAt(text.length - end) }, newText: formatted.text.slice(start, formatted.text.length - end) }];
}
//# sourceMappingURL=formatting.js.map