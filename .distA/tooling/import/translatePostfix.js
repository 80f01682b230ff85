// `msac import postfix`: a Postfix submission service (the master.cf entries for ports 587 and
// 465, their `-o` overrides and the main.cf parameters they use) written as an msa policy. Each
// listener is translated with its own effective parameters; a rule every listener shares becomes a
// policy rule, what differs goes into an `on LISTENER { }` block per listener (listenerBlocks.ts),
// and every setting with no msa form becomes a comment with the reason. The result is checked with the compiler, and a line it refuses is
// turned into a comment naming the diagnostic, so the policy printed always compiles.
import { isIP } from "node:net";
import { dirname, isAbsolute, join } from "node:path";
import { compilePolicy } from "../../compiler/compile.js";
import { FOREIGN_SETTINGS } from "../../compiler/foreignSettings.js";
import { expandParameters, parseMainCf, splitPostfixList } from "./postfixMainCf.js";
import { parseMasterCf } from "./postfixMasterCf.js";
import { listenerBlocks } from "./listenerBlocks.js";
import { CANONICAL_PARAMETERS, senderRewritingLines } from "./postfixCanonical.js";
import { DELIVERY_PARAMETERS, deliveryLines } from "./postfixDelivery.js";
import { translateHeaderCheck } from "./postfixHeaderChecks.js";
import { readKeyedTable, readPatternTable, tableReference } from "./postfixTables.js";
/** Postfix's defaults (postconf -d, Postfix 3.7) for the parameters the translation reads. */
const POSTFIX_DEFAULTS = {
    myorigin: "$myhostname",
    message_size_limit: "10240000",
    smtpd_recipient_limit: "1000",
    hopcount_limit: "50",
    smtpd_delay_reject: "yes",
    smtpd_tls_key_file: "$smtpd_tls_cert_file",
    smtpd_relay_restrictions: "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination",
    smtpd_tls_protocols: "!SSLv2, !SSLv3",
    smtpd_tls_mandatory_protocols: "!SSLv2, !SSLv3",
    anvil_rate_time_unit: "60s",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Postfix's own `${name:default}` syntax, expanded by expandParameters
    smtpd_client_event_limit_exceptions: "${smtpd_client_connection_limit_exceptions:$mynetworks}",
    mynetworks: "127.0.0.0/8",
    sender_canonical_classes: "envelope_sender, header_sender",
    canonical_classes: "envelope_sender, envelope_recipient, header_sender, header_recipient",
    queue_directory: "/var/spool/postfix",
    smtpd_sasl_type: "cyrus",
    smtpd_sasl_path: "smtpd",
    milter_default_action: "tempfail",
};
/** Settings that run Postfix itself or its other services: nothing of the submission policy. */
const NOT_ABOUT_SUBMISSION = new Set("compatibility_level queue_directory data_directory command_directory daemon_directory meta_directory shlib_directory mail_owner setgid_group maillog_file maillog_file_prefixes inet_interfaces inet_protocols mydestination alias_maps alias_database mailbox_size_limit recipient_delimiter biff readme_directory html_directory manpage_directory sample_directory sendmail_path newaliases_path mailq_path syslog_name smtpd_banner milter_macro_daemon_name local_recipient_maps relay_domains mynetworks smtp_tls_CApath smtp_tls_CAfile smtp_tls_session_cache_database smtpd_tls_session_cache_database smtp_tls_loglevel smtpd_tls_loglevel smtpd_tls_received_header smtpd_reject_unlisted_recipient smtpd_sasl_type smtpd_sasl_path smtpd_sasl_local_domain smtpd_sasl_security_options smtpd_sasl_authenticated_header smtp_sasl_security_options append_at_myorigin".split(" "));
const RESTRICTION_LISTS = ["smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions", "smtpd_relay_restrictions", "smtpd_recipient_restrictions"];
export function importPostfix(mainCfPath, mainCfText, masterCfPath, masterCfText, options = {}) {
    const main = parseMainCf(mainCfText);
    const master = parseMasterCf(masterCfText);
    const configDirectory = dirname(mainCfPath);
    const files = [];
    const header = [`# Translated by msac import postfix from ${mainCfPath} and ${masterCfPath}.`, "# Every setting msa cannot express is a comment below, with the reason."];
    const notes = [...main.problems.map((p) => `# ${mainCfPath}:${p.line}: ${p.message}`), ...master.problems.map((p) => `# ${masterCfPath}:${p.line}: ${p.message}`)];
    const submission = master.services.filter((s) => s.type === "inet" && /^smtpd\b/.test(s.command) && listenEndpoint(s.service) !== undefined);
    for (const s of master.services.filter((s) => s.type === "inet" && /^smtpd\b/.test(s.command) && !submission.includes(s)))
        notes.push(`# ${masterCfPath}:${s.line}: service \`${s.service}\` is port 25 (or not a port msa serves): relaying between servers is the MTA's job`);
    const services = submission.map((entry) => makeService(entry, main.parameters, configDirectory));
    if (services.length === 0)
        notes.push(`# ${masterCfPath} has no submission service (587, 465): the listeners are msa's defaults`);
    const perService = services.map((service) => translateService(service, { files, output: options.output }));
    const mainWide = translateMainWide(services[0] ?? makeService(undefined, main.parameters, configDirectory), { files, output: options.output });
    const lines = [...header, ...notes];
    const used = new Set([...mainWide.used, ...perService.flatMap((t) => [...t.used])]);
    lines.push(...mainWide.lines.slice(0, mainWide.lines.indexOf(SERVICE_RULES)));
    for (const service of services)
        lines.push(`listen ${service.listen}`);
    const { shared, blocks } = listenerBlocks(services.map((service, index) => ({
        endpoint: service.endpoint,
        listen: service.listen,
        origin: `${masterCfPath}:${service.entry.line}`,
        lines: perService[index].lines,
    })));
    // Every listener exempt from logins (loopback application ports only): the policy requires none.
    lines.push(...(shared.includes("allow unauthenticated") ? shared.filter((line) => line !== "require auth") : shared), ...blocks);
    lines.push(...mainWide.lines.slice(mainWide.lines.indexOf(SERVICE_RULES) + 1));
    // What one listener's overrides leave untranslated is said for that listener.
    const onSome = (item, index) => (perService.every((t) => t.untranslated.includes(item)) ? item : `on ${services[index].endpoint} only: ${item}`);
    const untranslated = [...new Set([...mainWide.untranslated, ...perService.flatMap((t, index) => t.untranslated.map((item) => onSome(item, index)))])];
    // A parameter of the administrator's own that others name (`$mua_sender_restrictions`) was read through them.
    const referenced = [...main.parameters.values()].map((p) => p.value).concat(services.flatMap((s) => [...s.entry.overrides.values()]));
    for (const [name, parameter] of main.parameters) {
        if (used.has(name) || referenced.some((text) => new RegExp(`\\$[{(]?${name}\\b`).test(text)))
            continue;
        untranslated.push(`${name} = ${parameter.value} (${mainCfPath}:${parameter.line}): ${unusedReason(name)}`);
    }
    for (const service of services)
        for (const [name, value] of service.entry.overrides) {
            if (used.has(name))
                continue;
            untranslated.push(`-o ${name}=${value} (${masterCfPath}:${service.entry.line}): ${unusedReason(name)}`);
        }
    if (untranslated.length > 0)
        lines.push("", "# Not translated:", ...untranslated.map((u) => `# ${u}`));
    const checked = checkTranslation(lines, options.output);
    return { policy: checked.lines.join("\n") + "\n", files, errors: checked.errors };
}
function unusedReason(name) {
    if (NOT_ABOUT_SUBMISSION.has(name))
        return "Postfix's own operation or its other services, not the submission policy";
    const known = Object.hasOwn(FOREIGN_SETTINGS, name) ? FOREIGN_SETTINGS[name] : undefined;
    return known ? `not translated for this value; in msa: ${known.rules.map((r) => `\`${r}\``).join(", ")}` : "msa has no rule for this";
}
function makeService(entry, parameters, configDirectory) {
    const raw = (name) => {
        if (entry?.overrides.has(name))
            return entry.overrides.get(name);
        if (parameters.has(name))
            return parameters.get(name).value;
        if (name === "config_directory")
            return configDirectory;
        if (name === "service_name")
            return entry?.service;
        if (name === "mydomain") {
            const host = expandParameters("$myhostname", raw);
            return host.includes(".") ? host.slice(host.indexOf(".") + 1) : undefined;
        }
        return POSTFIX_DEFAULTS[name];
    };
    return {
        entry: entry,
        listen: entry ? `${listenEndpoint(entry.service)} ${listenMode(entry, raw)}` : "",
        endpoint: entry ? listenEndpoint(entry.service) : "",
        get: (name) => expandParameters(raw(name) ?? "", raw).trim(),
        set: (name) => !!entry?.overrides.has(name) || parameters.has(name),
    };
}
/** msa's endpoint for a master.cf service name: the submission ports, a port, or ADDRESS:PORT. */
function listenEndpoint(service) {
    if (service === "submission")
        return "587";
    if (service === "submissions" || service === "smtps")
        return "465";
    const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]|localhost|\*):)?(\d{1,5})$/.exec(service);
    if (!match || match[2] === "25")
        return undefined;
    return match[1] && match[1] !== "*" ? `${match[1]}:${match[2]}` : match[2];
}
function listenMode(entry, raw) {
    const value = (name) => expandParameters(raw(name) ?? "", raw)
        .trim()
        .toLowerCase();
    if (value("smtpd_tls_wrappermode") === "yes")
        return "tls";
    if (["may", "encrypt"].includes(value("smtpd_tls_security_level")) || value("smtpd_use_tls") === "yes" || value("smtpd_enforce_tls") === "yes")
        return "starttls";
    return entry.service === "submissions" || entry.service === "smtps" ? "tls" : "plain";
}
/** Where the service rules go between the main-wide lines that come before and after them. */
const SERVICE_RULES = "\u0000service rules";
/** What main.cf says for every listener: the server's name and certificate before the listeners, delivery after. */
function translateMainWide(service, context) {
    const lines = [];
    const untranslated = [];
    const used = new Set(["config_directory", "myhostname", "mydomain", "myorigin", "append_dot_mydomain"]);
    const translate = (name, value) => FOREIGN_SETTINGS[name]?.translate?.(value);
    const hostname = service.get("myhostname");
    if (hostname)
        lines.push(translate("myhostname", hostname) ?? `# myhostname = ${hostname}: not a fully qualified domain name`);
    const origin = service.get("myorigin");
    const qualify = origin ? translate("myorigin", origin) : undefined;
    if (qualify) {
        lines.push("# Postfix completes unqualified envelope addresses with $myorigin; msa completes header fields too.");
        lines.push(qualify);
    }
    else if (origin)
        untranslated.push(`myorigin = ${origin}: not a fully qualified domain name, so nothing to qualify with`);
    if (service.get("append_dot_mydomain") === "yes" && service.get("mydomain") !== origin)
        untranslated.push(`append_dot_mydomain = yes: Postfix completes single-label domains with $mydomain (${service.get("mydomain")}), msa with the first qualify domain`);
    lines.push(SERVICE_RULES);
    for (const name of CANONICAL_PARAMETERS)
        used.add(name);
    lines.push(...senderRewritingLines({ get: service.get, ...context }, untranslated));
    used.add("masquerade_domains").add("masquerade_exceptions").add("masquerade_classes");
    const masquerade = splitPostfixList(service.get("masquerade_domains"));
    if (masquerade.length > 0) {
        const domains = masquerade.filter((d) => !d.startsWith("!"));
        const excepted = masquerade.filter((d) => d.startsWith("!")).map((d) => d.slice(1));
        if (service.get("masquerade_exceptions"))
            untranslated.push(`masquerade_exceptions = ${service.get("masquerade_exceptions")}: msa excepts hosts, not users`);
        lines.push(`masquerade ${domains.join(", ")}${excepted.length > 0 ? ` except ${excepted.join(", ")}` : ""}`);
        if (service.set("masquerade_classes") && /header_recipient|envelope_recipient/.test(service.get("masquerade_classes")))
            untranslated.push(`masquerade_classes = ${service.get("masquerade_classes")}: msa masquerades senders only (MAIL FROM, From:, Sender:)`);
    }
    used.add("header_checks");
    for (const table of splitPostfixList(service.get("header_checks")))
        lines.push(...headerCheckLines(table, untranslated));
    used.add("always_bcc");
    const bcc = service.get("always_bcc");
    if (bcc)
        lines.push(`copy to ${bcc}`);
    for (const name of DELIVERY_PARAMETERS)
        used.add(name);
    lines.push(...deliveryLines({ get: service.get, ...context }, untranslated));
    return { lines, untranslated, used };
}
function headerCheckLines(table, untranslated) {
    const reference = tableReference(table);
    const read = reference ? readPatternTable(reference) : { ok: false, why: "not a `type:path` table" };
    if (!read.ok) {
        untranslated.push(`header_checks ${table}: ${read.why}`);
        return [];
    }
    const lines = [`# from header_checks ${table} (Postfix matches without case unless the flag says otherwise)`];
    for (const entry of read.value) {
        const translated = translateHeaderCheck(entry.text);
        if ("rule" in translated)
            lines.push(translated.rule);
        else
            untranslated.push(`${reference.path}:${entry.line} \`${entry.text}\`: ${translated.untranslated}`);
    }
    return lines;
}
/** The rules of one listener, from its effective parameters. */
function translateService(service, context) {
    const lines = [];
    const untranslated = [];
    const used = new Set(["syslog_name", "smtpd_sasl_type"]);
    const use = (...names) => names.forEach((n) => used.add(n));
    const translate = (name, value) => FOREIGN_SETTINGS[name]?.translate?.(value);
    const value = (name) => service.get(name).toLowerCase();
    use("smtpd_tls_cert_file", "smtpd_tls_key_file", "smtpd_tls_security_level", "smtpd_tls_wrappermode", "smtpd_tls_auth_only", "smtpd_use_tls", "smtpd_enforce_tls");
    const cert = service.get("smtpd_tls_cert_file");
    if (cert && service.listen.endsWith("plain") === false)
        lines.push(`tls certificate ${quote(cert)} key ${quote(service.get("smtpd_tls_key_file"))}`);
    const mandatory = value("smtpd_tls_wrappermode") === "yes" || value("smtpd_tls_security_level") === "encrypt" || value("smtpd_enforce_tls") === "yes";
    use("smtpd_tls_protocols", "smtpd_tls_mandatory_protocols");
    const protocols = tlsProtocols(service.get(mandatory ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols"));
    if (protocols.length === 0)
        untranslated.push(`${mandatory ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols"}: leaves neither TLSv1.2 nor TLSv1.3`);
    else if (protocols.join(" ") !== "TLSv1.2 TLSv1.3")
        lines.push(`tls protocols ${protocols.join(" ")}`);
    use("smtpd_sasl_auth_enable");
    const sasl = value("smtpd_sasl_auth_enable") === "yes";
    if (sasl && value("smtpd_sasl_type") === "dovecot") {
        use("smtpd_sasl_path");
        const path = service.get("smtpd_sasl_path");
        // Postfix opens a relative socket path from its queue directory (where smtpd runs, chrooted or not).
        const socket = path.startsWith("inet:") || isAbsolute(path) ? path : join(service.get("queue_directory"), path);
        lines.push(`# smtpd_sasl_type = dovecot, smtpd_sasl_path = ${path}: msa asks the same Dovecot auth service; its user must be able to open the socket`);
        lines.push(`auth dovecot ${quote(socket)}`);
    }
    else if (sasl) {
        lines.push(`# Postfix's logins are in its SASL backend (${service.get("smtpd_sasl_type")}); write each into users.passwd with \`msac passwd LOGIN\``);
        lines.push('auth users "users.passwd"');
    }
    if (mandatory || (value("smtpd_tls_auth_only") === "yes" && sasl))
        lines.push("require tls");
    use(...RESTRICTION_LISTS, "smtpd_delay_reject", "smtpd_sender_login_maps");
    const restrictions = RESTRICTION_LISTS.map((name) => ({ name, items: splitPostfixList(service.get(name)) }));
    const all = restrictions.flatMap((r) => r.items.map((item) => ({ list: r.name, item })));
    const authGate = restrictions.find((r) => {
        const at = r.items.indexOf("permit_sasl_authenticated");
        return at >= 0 && /^(reject|defer_unauth_destination|reject_unauth_destination)$/.test(r.items[at + 1] ?? "");
    });
    const refuses = (item) => /^(reject|defer_unauth_destination|reject_unauth_destination)$/.test(item ?? "");
    // The list in which $mynetworks passes without a login: before the login gate, or as the only gate.
    const exemptBy = authGate
        ? authGate.items.slice(0, authGate.items.indexOf("permit_sasl_authenticated")).includes("permit_mynetworks")
            ? authGate.name
            : undefined
        : restrictions.find((r) => r.items.includes("permit_mynetworks") && refuses(r.items[r.items.indexOf("permit_mynetworks") + 1]))?.name;
    const mynetworks = service.get("mynetworks");
    if (exemptBy) {
        // Only this host reaches a loopback listener: when $mynetworks has it, that is msa's `allow unauthenticated` there.
        if (/^(127\.|\[::1\]:|localhost:)/.test(service.endpoint) && splitPostfixList(mynetworks).some((n) => n.startsWith("127.")))
            lines.push(`# ${exemptBy}: permit_mynetworks, and only this host (in $mynetworks) reaches a loopback listener`, "allow unauthenticated");
        else {
            use("mynetworks");
            untranslated.push(trustedNetworksAdvice(exemptBy, mynetworks));
        }
    }
    else if (!authGate)
        untranslated.push("no restriction list says `permit_sasl_authenticated, reject`: msa takes no mail without a login all the same (`require auth`)");
    else if (authGate.name !== "smtpd_sender_restrictions" || value("smtpd_delay_reject") !== "no")
        lines.push("# Postfix refuses an unauthenticated client at RCPT TO (smtpd_delay_reject), msa at MAIL FROM");
    lines.push("require auth");
    const mismatch = all.find(({ item }) => item === "reject_sender_login_mismatch" || item === "reject_authenticated_sender_login_mismatch");
    const maps = service.get("smtpd_sender_login_maps");
    if (mismatch && maps)
        lines.push(...sendersLines(maps, untranslated, context));
    else if (maps)
        untranslated.push("smtpd_sender_login_maps: no reject_sender_login_mismatch uses it, so Postfix checks nothing");
    for (const { list, item } of all) {
        if (/^(permit_sasl_authenticated|permit_mynetworks|reject|defer_unauth_destination|reject_unauth_destination|permit_auth_destination|reject_sender_login_mismatch|reject_authenticated_sender_login_mismatch|reject_unauthenticated_sender_login_mismatch|permit)$/.test(item))
            continue;
        untranslated.push(`${list} \`${item}\`: ${restrictionReason(item)}`);
    }
    use("message_size_limit", "smtpd_recipient_limit", "hopcount_limit", "smtpd_helo_required");
    const size = translate("message_size_limit", service.get("message_size_limit"));
    if (size)
        lines.push(size);
    const recipients = translate("smtpd_recipient_limit", service.get("smtpd_recipient_limit"));
    if (recipients)
        lines.push(recipients);
    if (/^[1-9]\d{0,5}$/.test(service.get("hopcount_limit")))
        lines.push(`limit hops ${service.get("hopcount_limit")}`);
    if (value("smtpd_helo_required") === "yes")
        lines.push("# smtpd_helo_required = yes: msa always answers MAIL before EHLO or HELO with 503");
    use("anvil_rate_time_unit", "smtpd_client_message_rate_limit", "smtpd_client_recipient_rate_limit", "smtpd_client_connection_count_limit", "smtpd_client_event_limit_exceptions", "smtpd_client_connection_limit_exceptions", "smtpd_client_connection_rate_limit");
    const window = duration(service.get("anvil_rate_time_unit"));
    const rates = [];
    for (const [name, unit] of [
        ["smtpd_client_message_rate_limit", "messages"],
        ["smtpd_client_recipient_rate_limit", "recipients"],
    ]) {
        const limit = service.get(name);
        if (/^[1-9]\d*$/.test(limit) && window)
            rates.push(`limit rate ${limit} ${unit} per ${window} per ip`);
    }
    const sessions = service.get("smtpd_client_connection_count_limit");
    if (service.set("smtpd_client_connection_count_limit") && /^[1-9]\d*$/.test(sessions))
        rates.push(translate("smtpd_client_connection_count_limit", sessions));
    if (/^[1-9]\d*$/.test(service.get("smtpd_client_connection_rate_limit")))
        untranslated.push("smtpd_client_connection_rate_limit: msa limits concurrent sessions, not connections per time");
    if (rates.length > 0) {
        const exempt = service.get("smtpd_client_event_limit_exceptions");
        lines.push(...(exempt ? [`# Postfix exempts ${exempt} from these limits; msa exempts no one`] : []), ...rates);
    }
    use("smtpd_milters", "milter_default_action", "milter_connect_timeout", "milter_command_timeout", "milter_content_timeout", "milter_protocol");
    lines.push(...milterLines(service, untranslated));
    use("smtpd_tls_received_header", "smtpd_sasl_authenticated_header");
    const traceWith = [value("smtpd_tls_received_header") === "yes" ? "tls" : "", value("smtpd_sasl_authenticated_header") === "yes" ? "login" : ""].filter((w) => w !== "");
    if (traceWith.length > 0)
        lines.push(`add Received with ${traceWith.join(", ")}`);
    return { lines, untranslated, used };
}
/** smtpd_milters in order, each with milter_default_action and the milter_*_timeout parameters set. */
function milterLines(service, untranslated) {
    const milters = service.get("smtpd_milters");
    if (milters === "")
        return [];
    // Postfix 3.0's per-milter settings (`{ inet:host:port, default_action=accept }`) are not read here.
    if (milters.includes("{")) {
        untranslated.push(`smtpd_milters = ${milters}: per-milter settings in braces; write a \`milter\` rule for each by hand`);
        return [];
    }
    const action = service.get("milter_default_action").toLowerCase();
    if (action !== "accept" && action !== "tempfail")
        untranslated.push(`milter_default_action = ${action}: msa either tempfails (451 4.7.1) or goes on without the milter (\`on failure tempfail|accept\`)`);
    const timeouts = ["connect", "command", "content"].flatMap((what) => {
        const name = `milter_${what}_timeout`;
        const seconds = service.set(name) ? duration(service.get(name)) : undefined;
        return seconds ? [`timeout ${what} ${seconds}`] : [];
    });
    const options = [...(action === "accept" ? ["on failure accept"] : []), ...timeouts].map((o) => ` ${o}`).join("");
    const lines = [];
    for (const milter of splitPostfixList(milters)) {
        const inet = /^inet:(.*):(\d+)$/.exec(milter);
        const host = inet?.[1]?.replace(/^\[(.*)\]$/, "$1");
        if (inet && host !== "localhost" && !isIP(host)) {
            untranslated.push(`smtpd_milters \`${milter}\`: msa takes an IP address or localhost (a host name would be looked up for every session); write the milter's address`);
            continue;
        }
        const path = /^unix:(.*)$/.exec(milter)?.[1];
        // Postfix opens a relative socket path from its queue directory.
        const socket = inet
            ? `inet:${isIP(host) === 6 ? `[${host}]` : host}:${inet[2]}`
            : path !== undefined
                ? `unix:${isAbsolute(path) ? path : join(service.get("queue_directory"), path)}`
                : undefined;
        if (socket === undefined)
            untranslated.push(`smtpd_milters \`${milter}\`: neither \`inet:HOST:PORT\` nor \`unix:PATH\``);
        else
            lines.push(`milter ${socket}${options}`);
    }
    return lines.length > 0 ? ["# smtpd_milters: asked in the same order", ...lines] : [];
}
/**
 * permit_mynetworks lets $mynetworks send as anyone; msa wants the senders of a trusted network
 * written, so the import writes the rule to start from rather than loosen the policy by itself.
 */
function trustedNetworksAdvice(exemptBy, mynetworks) {
    const items = splitPostfixList(mynetworks);
    // Postfix writes IPv6 networks as `[addr]/len`; msa as `addr/len`.
    const networks = items.map((n) => n.replace(/^\[([0-9A-Fa-f:.]+)\](\/\d+)?$/, (_all, address, prefix) => `${address}${prefix ?? "/128"}`));
    const written = networks.filter((n) => isIP(n.split("/")[0]) !== 0);
    const others = items.filter((_item, index) => !written.includes(networks[index]));
    const rule = `allow unauthenticated from ${written.length > 0 ? written.join(", ") : "NETWORKS"} as ADDRESSES`;
    return (`${exemptBy}: permit_mynetworks lets $mynetworks (${mynetworks}) send without a login, as any sender; msa needs the senders written: ` +
        `\`${rule}\`, with \`as *\` only if these machines really send as anyone` +
        (others.length > 0 ? `, and the networks of ${others.join(", ")} written out` : "") +
        " (docs/integrations/trusted-networks.md)");
}
/** smtpd_tls_protocols in either syntax (`>=TLSv1.2` or `!SSLv3, !TLSv1`), as the versions msa offers. */
function tlsProtocols(value) {
    const offered = ["TLSv1.2", "TLSv1.3"];
    const items = splitPostfixList(value.replace(/:/g, " "));
    const floor = items.find((i) => i.startsWith(">="))?.slice(2);
    const ceiling = items.find((i) => i.startsWith("<="))?.slice(2);
    const positive = items.filter((i) => /^(SSLv[23]|TLSv1(\.[123])?)$/.test(i));
    const order = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
    return offered.filter((version) => {
        if (items.includes(`!${version}`))
            return false;
        if (positive.length > 0 && !positive.includes(version))
            return false;
        if (floor && order.indexOf(version) < order.indexOf(floor))
            return false;
        if (ceiling && order.indexOf(version) > order.indexOf(ceiling))
            return false;
        return true;
    });
}
function restrictionReason(item) {
    if (item.startsWith("check_policy_service"))
        return "a policy server (policyd, postfwd) decides; write its rate limits as `limit rate`";
    if (/^reject_(unknown|rbl|rhsbl|unverified)/.test(item))
        return "DNS and verification lookups are the MTA's, msa does none";
    if (/^reject_non_fqdn/.test(item))
        return "msa never passes an unqualified address on (qualify domains, or 554 5.1.x); `enforce address syntax` checks the rest";
    if (item.startsWith("check_"))
        return "a lookup table decides; msa has no access tables";
    return "msa has no rule for this";
}
/** The login -> addresses table, inverted from Postfix's address -> logins map. */
function sendersLines(maps, untranslated, context) {
    const grants = new Map();
    for (const table of splitPostfixList(maps)) {
        const reference = tableReference(table);
        const read = reference ? readKeyedTable(reference) : { ok: false, why: "not a `type:path` table" };
        if (!read.ok) {
            untranslated.push(`smtpd_sender_login_maps ${table}: ${read.why}`);
            continue;
        }
        for (const { key, value, line } of read.value) {
            if (!key.includes("@")) {
                untranslated.push(`${reference.path}:${line} \`${key}\`: a bare local part matches it at every local domain; write the addresses`);
                continue;
            }
            for (const login of splitPostfixList(value))
                grants.set(login, [...(grants.get(login) ?? []), key]);
        }
    }
    const table = [...grants].map(([login, addresses]) => `${login}: ${[...new Set(addresses)].join(", ")}`);
    const note = "# from smtpd_sender_login_maps: a login with no address there may send as its own address in msa, as none at all in Postfix";
    if (context.output === undefined)
        return [note, "senders {", ...table.map((t) => `  ${t}`), "}"];
    context.files.push({ name: "senders", content: `# converted by msac import postfix from smtpd_sender_login_maps\n${table.join("\n")}\n`, mode: 0o644 });
    return [note, 'senders "senders"'];
}
function duration(value) {
    const match = /^(\d+)([smhdw]?)$/.exec(value);
    if (!match)
        return undefined;
    const seconds = Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800, "": 1 }[match[2]];
    if (seconds <= 0)
        return undefined;
    return seconds % 86400 === 0 ? `${seconds / 86400}d` : seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}
function quote(text) {
    return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
/**
 * Compiles the translation (without reading the files it names: the users file is the
 * administrator's to write) and turns each line with an error into a comment that says why.
 */
function checkTranslation(lines, output) {
    const file = output ?? join(process.cwd(), "imported.msa");
    let current = [...lines];
    for (let pass = 0; pass < 5; pass++) {
        const text = current.join("\n") + "\n";
        const errors = compilePolicy(file, text, null).diagnostics.filter((d) => d.severity === "error");
        if (errors.length === 0)
            return { lines: current, errors: [] };
        const starts = lineStarts(text);
        const bad = new Map();
        for (const error of errors) {
            const line = starts.filter((start) => start <= error.span.start).length - 1;
            // A block's own lines stay: commenting out `on ... {` would leave its `}` alone.
            if (!/^\s*(#|listen\b|on\b.*\{$|\}$)/.test(current[line]) && !bad.has(line))
                bad.set(line, `${error.code} ${error.message}`);
        }
        if (bad.size === 0)
            return { lines: current, errors: errors.map((e) => `${e.code} ${e.message}`) };
        current = current.map((line, index) => (bad.has(index) ? `${/^\s*/.exec(line)[0]}# not translated, msac check says ${bad.get(index)}: \`${line.trim()}\`` : line));
    }
    return { lines: current, errors: ["the translation still has errors after five passes"] };
}
function lineStarts(text) {
    const starts = [0];
    for (let i = 0; i < text.length; i++)
        if (text[i] === "\n")
            starts.push(i + 1);
    return starts;
}
//# sourceMappingURL=translatePostfix.js.map