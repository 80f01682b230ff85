// Postfix's canonical rewriting of senders (canonical(5)) as msa's `rewrite senders "FILE"`: the
// entries of sender_canonical_maps, and of canonical_maps when canonical_classes has the sender
// classes, converted into one `OLD NEW` table written beside the policy.
import { splitPostfixList } from "./postfixMainCf.js";
import { readKeyedTable, tableReference } from "./postfixTables.js";
export const CANONICAL_PARAMETERS = ["sender_canonical_maps", "sender_canonical_classes", "canonical_maps", "canonical_classes"];
/** What the converted table is called beside the policy. */
const TABLE = "sender_canonical";
const DOMAIN = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+";
const ADDRESS_OR_DOMAIN = new RegExp(`^(?:[A-Za-z0-9!#$%&'*+/=?^_\`{|}~.-]+)?@${DOMAIN}$`);
export function senderRewritingLines(context, untranslated) {
    const { get } = context;
    const sources = [];
    for (const [maps, classesName] of [
        ["sender_canonical_maps", "sender_canonical_classes"],
        ["canonical_maps", "canonical_classes"],
    ]) {
        if (!get(maps))
            continue;
        const classes = splitPostfixList(get(classesName));
        const senders = classes.filter((c) => c === "envelope_sender" || c === "header_sender");
        if (senders.length === 0)
            continue;
        if (senders.length === 1)
            untranslated.push(`${classesName} = ${get(classesName)}: msa rewrites the envelope sender and the sender header fields together, Postfix only the ${senders[0]}`);
        if (classes.some((c) => c.endsWith("_recipient")))
            untranslated.push(`${maps} for recipients (${classesName}): msa rewrites senders only, recipients are passed on as sent`);
        sources.push(maps);
    }
    if (sources.length === 0)
        return [];
    if (sources.length > 1)
        untranslated.push("sender_canonical_maps and canonical_maps: Postfix applies both, one after the other; msa applies one table, which holds both (sender_canonical_maps first)");
    const origin = get("myorigin");
    const entries = new Map();
    for (const maps of sources)
        for (const table of splitPostfixList(get(maps))) {
            const reference = tableReference(table);
            const read = reference ? readKeyedTable(reference) : { ok: false, why: "not a `type:path` table" };
            if (!read.ok) {
                untranslated.push(`${maps} ${table}: ${read.why}`);
                continue;
            }
            for (const { key, value, line } of read.value) {
                const converted = convertEntry(key, value, origin);
                if ("why" in converted)
                    untranslated.push(`${reference.path}:${line} \`${key} ${value}\`: ${converted.why}`);
                // Postfix's indexed tables fold keys to lower case; the first table that has a key wins.
                else if (!entries.has(converted.old.toLowerCase()))
                    entries.set(converted.old.toLowerCase(), { key, ...converted });
            }
        }
    if (entries.size === 0)
        return [];
    const rows = [...entries.values()].map((e) => `${e.old} ${e.new}`);
    const lines = [`# from ${sources.join(" and ")}: Postfix compares local parts without regard to case, msa exactly`];
    if ([...entries.values()].some((e) => !e.key.includes("@")))
        lines.push(`# a bare local part of the table is written at $myorigin (${origin}); Postfix matches it at every local domain`);
    if (context.output === undefined)
        lines.push(`# write these lines into ${TABLE}; \`msac import -o FILE\` writes it:`, ...rows.map((r) => `#   ${r}`));
    else
        context.files.push({ name: TABLE, content: `# converted by msac import postfix from ${sources.join(" and ")}\n${rows.join("\n")}\n`, mode: 0o644 });
    lines.push(`rewrite senders "${TABLE}"`);
    return lines;
}
/** A canonical(5) entry as msa's `OLD NEW`: a bare local part is at $myorigin, as Postfix completes it. */
function convertEntry(key, value, origin) {
    const words = splitPostfixList(value);
    if (words.length !== 1)
        return { why: "msa replaces an address by one address" };
    const qualified = (text) => (text.includes("@") ? text : origin.includes(".") ? `${text}@${origin}` : undefined);
    const old = qualified(key);
    const replacement = qualified(words[0]);
    if (old === undefined || replacement === undefined)
        return { why: "a bare local part needs $myorigin to be a domain name" };
    if (!ADDRESS_OR_DOMAIN.test(old) || !ADDRESS_OR_DOMAIN.test(replacement))
        return { why: "msa's table takes an address or `@domain` on each side" };
    return { old, new: replacement };
}
//# sourceMappingURL=postfixCanonical.js.map