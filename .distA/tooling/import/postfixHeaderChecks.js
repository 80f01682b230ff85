// Postfix header_checks (header_checks(5)) as msa header rules: a regexp or pcre table line
// `/^Name:\s*VALUE-PATTERN/flags ACTION text` becomes `refuse header Name matching /^VALUE-PATTERN/`
// (REJECT), `remove header ... matching` (IGNORE) or `replace header ... with` (REPLACE of the same
// field). Postfix matches the whole logical line `Name: value`, msa the value of a named field, so
// only patterns anchored on a field name translate; everything else comes back with the reason.
const NAME = "[A-Za-z0-9][A-Za-z0-9_-]*";
// What a pattern may say between the colon and the value: msa matches the value without these spaces.
const SPACES = String.raw `(?:\\s[*+?]?|\[ \\t\][*+?]?|\[\[:space:\]\][*+?]?|\[\[:blank:\]\][*+?]?| [*+?]?)?`;
const ANCHORED = new RegExp(`^\\^(?:(${NAME})|\\((${NAME}(?:\\|${NAME})*)\\))(?:\\\\)?:${SPACES}(.*)$`);
/** The msa rule for one table line, or why there is none. */
export function translateHeaderCheck(line) {
    if (/^(if|endif)\b/i.test(line))
        return { untranslated: "`if`/`endif` blocks are not expressible; each line inside needs both conditions" };
    if (line.startsWith("!"))
        return { untranslated: "a negated pattern (`!/.../`) has no msa form" };
    const delimiter = line[0];
    if (delimiter === undefined || /[\sA-Za-z0-9]/.test(delimiter))
        return { untranslated: "not a `/pattern/ action` line" };
    const end = closingDelimiter(line, delimiter);
    if (end < 0)
        return { untranslated: "the pattern has no closing delimiter" };
    const pattern = line.slice(1, end);
    const after = /^([A-Za-z]*)\s+(\S+)\s*(.*)$/.exec(line.slice(end + 1));
    if (!after)
        return { untranslated: "no action after the pattern" };
    const [, flags = "", action = "", text = ""] = after;
    // regexp and pcre tables match without case unless the `i` flag toggles that off.
    const caseless = !flags.includes("i");
    const anchored = ANCHORED.exec(delimiter === "/" ? pattern : pattern.replaceAll("/", "\\/"));
    if (!anchored)
        return { untranslated: "the pattern does not start with `^Name:`, and msa header rules name the field" };
    const names = (anchored[1] ?? anchored[2]).split("|");
    const valuePattern = anchored[3];
    // A group around the names is gone from the msa pattern, so `$N` in a replacement would shift.
    const rest = valuePattern === "" || valuePattern === ".*" ? undefined : `/^${valuePattern}/${caseless ? "i" : ""}`;
    const fields = names.join(", ");
    switch (action.toUpperCase()) {
        case "REJECT":
            return { rule: `refuse header ${fields}${rest ? ` matching ${rest}` : ""}${replyText(text)}` };
        case "IGNORE":
            return { rule: `remove header ${fields}${rest ? ` matching ${rest}` : ""}` };
        case "REPLACE": {
            const replacement = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(text);
            if (!replacement || names.length !== 1 || replacement[1].toLowerCase() !== names[0].toLowerCase())
                return { untranslated: "REPLACE with a field of another name: msa replaces a field's value, keeping its name" };
            if (anchored[2] !== undefined)
                return { untranslated: "REPLACE after a group of names: the group numbers would shift" };
            return { rule: `replace header ${names[0]} matching ${rest ?? "/^.*$/"} with ${quote(replacement[2])}` };
        }
        default:
            return { untranslated: `the action \`${action}\` has no msa form (msa refuses, removes or replaces)` };
    }
}
function closingDelimiter(line, delimiter) {
    for (let i = 1; i < line.length; i++) {
        if (line[i] === "\\")
            i++;
        else if (line[i] === delimiter)
            return i;
    }
    return -1;
}
/** Postfix's REJECT text becomes the reply's words (`with "TEXT"`) when msa can say it. */
function replyText(text) {
    return text !== "" && /^[\x20-\x7e]{1,400}$/.test(text) ? ` with ${quote(text)}` : "";
}
function quote(text) {
    return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
//# sourceMappingURL=postfixHeaderChecks.js.map