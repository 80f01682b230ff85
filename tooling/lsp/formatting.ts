// Document formatting: the canonical layout of `msac fmt` (tooling/format) as one edit of the
// part that changes, or no edit for a document that does not parse (the formatter refuses to
// guess at a broken file) or is formatted already.
import type { TextEdit } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { formatPolicy } from "../format/format.js";
import { fileOfUri } from "./editorFiles.js";

export function formattingEdits(document: TextDocument): TextEdit[] {
  const text = document.getText();
  const formatted = formatPolicy(fileOfUri(document.uri), text);
  if (!formatted.ok || formatted.text === text) return [];
  // Only the changed middle is replaced, so the editor keeps its cursor and folds around it.
  let start = 0;
  while (start < text.length && start < formatted.text.length && text[start] === formatted.text[start]) start++;
  let end = 0;
  while (end < text.length - start && end < formatted.text.length - start && text[text.length - 1 - end] === formatted.text[formatted.text.length - 1 - end]) end++;
  return [{ range: { start: document.positionAt(start), end: document.positionAt(text.length - end) }, newText: formatted.text.slice(start, formatted.text.length - end) }];
}
