// Postfix lookup tables named as `type:path` (postconf(5) "lookup tables"): the indexed types
// whose source is a text file (hash, btree, cdb, lmdb, texthash; postmap builds the indexed file
// from the source at the same path) and the regexp and pcre tables, read as text.
import { readNamedFile } from "../../formats/namedFile.js";
/** Types read from the text file at their path: `postmap hash:FILE` indexes FILE into FILE.db. */
const KEYED_TYPES = new Set(["hash", "btree", "cdb", "lmdb", "texthash", "dbm", "sdbm"]);
const PATTERN_TYPES = new Set(["regexp", "pcre"]);
export function tableReference(text) {
    const match = /^([a-z0-9]+):(.+)$/.exec(text);
    return match ? { type: match[1], path: match[2] } : undefined;
}
function readText(path) {
    const read = readNamedFile(path);
    return read.ok ? { ok: true, value: read.text } : { ok: false, why: `cannot read \`${path}\`: ${read.reason}` };
}
/** Logical lines of a table source: `#` lines and blank lines skipped, lines starting with white space continue the previous. */
function logicalLines(text) {
    const lines = [];
    text.split("\n").forEach((raw, index) => {
        const line = raw.replace(/\r$/, "");
        if (/^\s*(#|$)/.test(line))
            return;
        if (/^\s/.test(line) && lines.length > 0)
            lines[lines.length - 1].text += ` ${line.trim()}`;
        else
            lines.push({ text: line.trim(), line: index + 1 });
    });
    return lines;
}
/** A keyed table as `key -> value` pairs in file order (postmap(1): the key, white space, the value). */
export function readKeyedTable(reference) {
    if (!KEYED_TYPES.has(reference.type))
        return { ok: false, why: `\`${reference.type}:\` tables are looked up in a database or a server, which msa does not read` };
    const text = readText(reference.path);
    if (!text.ok)
        return text;
    return {
        ok: true,
        value: logicalLines(text.value).map(({ text: line, line: number }) => {
            const match = /^(\S+)\s*(.*)$/.exec(line);
            return { key: match[1], value: match[2], line: number };
        }),
    };
}
/** The lines of a regexp or pcre table, as written (one `/pattern/flags action` per logical line, or `if`/`endif`). */
export function readPatternTable(reference) {
    if (!PATTERN_TYPES.has(reference.type))
        return { ok: false, why: `\`${reference.type}:\` tables are not regular expression tables` };
    const text = readText(reference.path);
    return text.ok ? { ok: true, value: logicalLines(text.value) } : text;
}
//# sourceMappingURL=postfixTables.js.map