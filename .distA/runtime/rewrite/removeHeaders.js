/**
 * Field names compare case-insensitively (RFC 5322 section 1.2.2); all occurrences are removed, in message order.
 * With `matches` (`remove header ... matching /RE/`), only the fields whose unfolded value it accepts.
 */
export function removeHeaderEdits(header, names, matches) {
    const wanted = new Set(names.map((name) => name.toLowerCase()));
    const edits = [];
    const removed = [];
    header.fields.forEach((field, index) => {
        if (!wanted.has(field.name.toLowerCase()) || (matches && !matches(field.value)))
            return;
        edits.push({ kind: "remove", index });
        removed.push({ name: field.name, value: field.value });
    });
    return { edits, removed };
}
//# sourceMappingURL=removeHeaders.js.map