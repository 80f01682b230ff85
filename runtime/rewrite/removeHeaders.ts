// `remove header NAME [matching /RE/]` (RFC 6409 section 8.8 allows the MSA to modify the message; RFC 5322
// section 3.6.3 lets Bcc: be removed before transmission): edits that drop every field with one
// of the given names, and the fields removed, so the server can log what it took out.
import type { HeaderSection } from "../message/headerSection.js";
import type { HeaderEdit } from "../message/headerEdits.js";

export interface RemovedField {
  /** as written in the message */
  readonly name: string;
  /** unfolded body, as HeaderField.value */
  readonly value: string;
}

/**
 * Field names compare case-insensitively (RFC 5322 section 1.2.2); all occurrences are removed, in message order.
 * With `matches` (`remove header ... matching /RE/`), only the fields whose unfolded value it accepts.
 */
export function removeHeaderEdits(header: HeaderSection, names: readonly string[], matches?: (value: string) => boolean): { edits: HeaderEdit[]; removed: RemovedField[] } {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const edits: HeaderEdit[] = [];
  const removed: RemovedField[] = [];
  header.fields.forEach((field, index) => {
    if (!wanted.has(field.name.toLowerCase()) || (matches && !matches(field.value))) return;
    edits.push({ kind: "remove", index });
    removed.push({ name: field.name, value: field.value });
  });
  return { edits, removed };
}
