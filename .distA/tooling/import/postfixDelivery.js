import { splitPostfixList } from "./postfixMainCf.js";
import { readKeyedTable, tableReference } from "./postfixTables.js";
export const DELIVERY_PARAMETERS = [
    "relayhost",
    "sender_dependent_relayhost_maps",
    "sender_dependent_authentication",
    "smtp_sasl_auth_enable",
    "smtp_sasl_password_maps",
    "smtp_tls_security_level",
    "smtp_tls_wrappermode",
    "smtp_use_tls",
    "smtp_enforce_tls",
];
export function deliveryLines(context, untranslated) {
    const { get } = context;
    const relayhost = get("relayhost");
    const senderMaps = get("sender_dependent_relayhost_maps");
    if (!relayhost) {
        if (senderMaps)
            untranslated.push(`sender_dependent_relayhost_maps = ${senderMaps}: with no relayhost Postfix delivers the other senders' mail itself, and \`deliver from\` needs a main \`deliver\` rule that relays`);
        return ["# Postfix delivers itself (no relayhost): hand msa's spool to an MTA, see docs/deployment.md", 'deliver spool "spool"'];
    }
    const lines = [];
    const main = hopUrl(relayhost, get);
    if ("why" in main) {
        untranslated.push(`relayhost = ${relayhost}: ${main.why}`);
        return ['deliver spool "spool"'];
    }
    if (main.note)
        lines.push(`# relayhost = ${main.note}`);
    const authenticating = get("smtp_sasl_auth_enable") === "yes";
    const passwords = authenticating ? readPasswords(get("smtp_sasl_password_maps"), untranslated) : new Map();
    const mainRoute = { hop: relayhost, credentials: hopCredentials(passwords, relayhost) };
    if (authenticating && !mainRoute.credentials)
        untranslated.push(`smtp_sasl_password_maps = ${get("smtp_sasl_password_maps")}: no \`USER:PASSWORD\` entry for ${relayhost}`);
    // Postfix queues every accepted message and relays it with retries: msa's store and forward.
    lines.push(`deliver spool "spool" relay ${main.url}${options(main.options, mainRoute, mainRoute, context, lines)}`);
    if (senderMaps)
        lines.push(...senderRelayLines(context, mainRoute, passwords, untranslated));
    return lines;
}
/** One `deliver from` line for each sender key whose hop or credentials differ from what msa would use without it. */
function senderRelayLines(context, main, passwords, untranslated) {
    const { get } = context;
    const relays = new Map();
    for (const table of splitPostfixList(get("sender_dependent_relayhost_maps"))) {
        const reference = tableReference(table);
        const read = reference ? readKeyedTable(reference) : { ok: false, why: "not a `type:path` table" };
        if (!read.ok) {
            untranslated.push(`sender_dependent_relayhost_maps ${table}: ${read.why}`);
            continue;
        }
        for (const { key, value, line } of read.value) {
            if (!key.includes("@"))
                untranslated.push(`${reference.path}:${line} \`${key}\`: a bare local part matches it at every local domain; write the addresses`);
            // Postfix's indexed tables fold keys to lower case; the first table that has a key wins.
            else if (!relays.has(key.toLowerCase()))
                relays.set(key.toLowerCase(), value);
        }
    }
    // With sender_dependent_authentication, Postfix looks the sender up in the password table first.
    const bySender = get("sender_dependent_authentication") === "yes";
    const senders = [...new Set([...relays.keys(), ...(bySender ? [...passwords.keys()].filter((key) => key.includes("@")) : [])])];
    const route = (sender) => {
        const domain = sender.slice(sender.lastIndexOf("@"));
        const listed = relays.get(sender) ?? relays.get(domain);
        // DUNNO ends the lookup: the sender's mail takes relayhost.
        const hop = listed === undefined || listed.toUpperCase() === "DUNNO" ? main.hop : listed;
        return { hop, credentials: (bySender ? (passwords.get(sender) ?? passwords.get(domain)) : undefined) ?? hopCredentials(passwords, hop) };
    };
    const lines = [];
    // Domains first, as a reader looks for them; msa picks an address over its domain in any order.
    for (const sender of senders.sort((a, b) => Number(!a.startsWith("@")) - Number(!b.startsWith("@")) || a.localeCompare(b))) {
        const own = route(sender);
        // Without a line of its own, msa sends an address the way of its domain's line, else the main rule's.
        const without = sender.startsWith("@") ? main : route(sender.slice(sender.lastIndexOf("@")));
        if (own.hop === without.hop && own.credentials?.line === without.credentials?.line)
            continue;
        const hop = hopUrl(own.hop, get);
        if ("why" in hop) {
            untranslated.push(`sender_dependent_relayhost_maps \`${sender} ${own.hop}\`: ${hop.why}`);
            continue;
        }
        if (hop.note)
            lines.push(`# ${sender}: ${hop.note}`);
        lines.push(`deliver from ${sender} relay ${hop.url}${options(hop.options, own, main, context, lines)}`);
    }
    return lines;
}
/** msa's URL and options for a Postfix next hop, `[host]:port` or `host` (an MX lookup in Postfix). */
function hopUrl(hop, get) {
    const match = /^(\[)?([A-Za-z0-9.-]+)(\])?(?::(\d{1,5}))?$/.exec(hop);
    if (!match)
        return { why: "not `[host]:port`" };
    const scheme = get("smtp_tls_wrappermode") === "yes" ? "smtps" : "smtp";
    const port = match[4] ?? (scheme === "smtps" ? "465" : "25");
    const level = get("smtp_tls_security_level") || (get("smtp_enforce_tls") === "yes" ? "encrypt" : get("smtp_use_tls") === "yes" ? "may" : "");
    const options = [];
    if (level === "encrypt")
        options.push("require tls");
    if (level === "verify" || level === "secure")
        options.push("require tls", "verify certificate");
    return {
        url: `${scheme}://${match[2]}:${port}`,
        options,
        ...(match[1] ? {} : { note: `${hop} looks up MX records of ${match[2]}; msa connects to the host itself` }),
    };
}
/** The options after the URL, with `auth "FILE"` when the route has credentials (the file written or described). */
function options(tls, route, main, context, lines) {
    const all = [...tls];
    if (route.credentials) {
        const { key, line } = route.credentials;
        const name = secretName(route.credentials, main);
        if (context.output === undefined)
            lines.push(`# write the line \`USER:PASSWORD\` for ${key} from smtp_sasl_password_maps into ${name} (mode 0600); \`msac import -o FILE\` writes it`);
        else if (!context.files.some((f) => f.name === name))
            context.files.push({ name, content: `${line}\n`, mode: 0o600 });
        all.push(`auth "${name}"`);
    }
    return all.map((o) => ` ${o}`).join("");
}
/** `relay.secret` for relayhost's credentials, `relay-KEY.secret` for another hop's or sender's. */
function secretName(credentials, main) {
    if (credentials.key === main.credentials?.key)
        return "relay.secret";
    const slug = credentials.key
        .replace(/^@|[[\]]/g, "")
        .replace(/:/g, "-")
        .replace(/[^A-Za-z0-9.@-]+/g, "_");
    return `relay-${slug}.secret`;
}
/** The `USER:PASSWORD` entries of smtp_sasl_password_maps by key (lower case); the first table that has a key wins. */
function readPasswords(maps, untranslated) {
    const passwords = new Map();
    for (const table of splitPostfixList(maps)) {
        const reference = tableReference(table);
        const read = reference ? readKeyedTable(reference) : { ok: false, why: `\`${table}\` is not a \`type:path\` table` };
        if (!read.ok) {
            untranslated.push(`smtp_sasl_password_maps = ${maps}: ${read.why}`);
            continue;
        }
        for (const { key, value } of read.value)
            if (/^[^:\s]+:\S+$/.test(value) && !passwords.has(key.toLowerCase()))
                passwords.set(key.toLowerCase(), { key, line: value });
    }
    return passwords;
}
/** Postfix looks a hop up as written (`[host]:port`), then by its host name. */
function hopCredentials(passwords, hop) {
    const host = /^\[?([^\]:]+)/.exec(hop)?.[1] ?? hop;
    return passwords.get(hop.toLowerCase()) ?? passwords.get(host.toLowerCase()) ?? passwords.get(`[${host.toLowerCase()}]`);
}
//# sourceMappingURL=postfixDelivery.js.map