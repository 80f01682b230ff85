// Settings of Postfix's main.cf and Exim's configuration typed into a policy as if they were rules
// (`message_size_limit = 10240000`): the unknown-rule diagnostic names the msa rule that says the
// same, so an administrator moving a submission service over is not left to guess. When the
// setting's value says the same as one msa rule (`message_size_limit = 10240000` is
// `limit size 10000KiB`), the hint names that rule and the diagnostic's fix writes it.
import { formatSize } from "./size.js";
const DOMAIN = /^(?=.*\.)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
function count(rule) {
    return (value) => (/^[1-9]\d{0,8}$/.test(value) ? `${rule} ${value}` : undefined);
}
function domain(rule) {
    return (value) => (DOMAIN.test(value) ? `${rule} ${value}` : undefined);
}
function exactly(expected, rule) {
    return (value) => (value.toLowerCase() === expected ? rule : undefined);
}
/** A duration whose bare number is in `unit` (Postfix's default unit differs per setting). */
function duration(rule, unit) {
    return (value) => {
        const match = /^([1-9]\d{0,6})([smhd]?)$/.exec(value);
        return match ? `${rule} ${match[1]}${match[2] || unit}` : undefined;
    };
}
/** Bytes, or Exim's `K` and `M` suffixes (powers of 1024); 0 means no limit, which no msa rule says. */
const size = (value) => {
    const match = /^([1-9]\d{0,12})([KkMm]?)$/.exec(value);
    if (!match)
        return undefined;
    const bytes = Number(match[1]) * (match[2] === "" ? 1 : match[2].toLowerCase() === "k" ? 1024 : 1024 ** 2);
    return bytes <= 2_000_000_000 ? `limit size ${formatSize(bytes)}` : undefined;
};
/** Postfix's `[host]:port` (brackets: no MX lookup, the one host msa relays to). */
const relay = (value) => {
    const match = /^\[([A-Za-z0-9.-]+)\](?::(\d{1,5}))?$/.exec(value);
    return match && DOMAIN.test(match[1]) ? `deliver relay smtp://${match[1]}:${match[2] ?? "25"}` : undefined;
};
/** Postfix or Exim setting name -> the msa rules that do its job, with example values. */
export const FOREIGN_SETTINGS = {
    message_size_limit: { from: "Postfix's and Exim's", rules: ["limit size 10MB"], translate: size },
    smtpd_recipient_limit: { from: "Postfix's", rules: ["limit recipients 100"], translate: count("limit recipients") },
    recipients_max: { from: "Exim's", rules: ["limit recipients 100"], translate: count("limit recipients") },
    myhostname: { from: "Postfix's", rules: ["hostname mail.example.com"], translate: domain("hostname") },
    primary_hostname: { from: "Exim's", rules: ["hostname mail.example.com"], translate: domain("hostname") },
    myorigin: { from: "Postfix's", rules: ["qualify domains example.com"], translate: domain("qualify domains") },
    append_dot_mydomain: { from: "Postfix's", rules: ["qualify domains example.com"] },
    qualify_domain: { from: "Exim's", rules: ["qualify domains example.com"], translate: domain("qualify domains") },
    smtpd_tls_cert_file: { from: "Postfix's", rules: ['tls certificate "cert.pem" key "key.pem"'] },
    smtpd_tls_key_file: { from: "Postfix's", rules: ['tls certificate "cert.pem" key "key.pem"'] },
    smtpd_tls_chain_files: { from: "Postfix's", rules: ['tls certificate "cert.pem" key "key.pem"'] },
    tls_certificate: { from: "Exim's", rules: ['tls certificate "cert.pem" key "key.pem"'] },
    tls_privatekey: { from: "Exim's", rules: ['tls certificate "cert.pem" key "key.pem"'] },
    smtpd_tls_security_level: { from: "Postfix's", rules: ["require tls"], translate: exactly("encrypt", "require tls") },
    smtpd_tls_auth_only: { from: "Postfix's", rules: ["require tls"] },
    smtpd_tls_protocols: { from: "Postfix's", rules: ["tls protocols TLSv1.2 TLSv1.3"] },
    smtpd_tls_mandatory_protocols: { from: "Postfix's", rules: ["tls protocols TLSv1.2 TLSv1.3"] },
    smtpd_tls_mandatory_ciphers: { from: "Postfix's", rules: ['tls ciphers "LIST"'] },
    tls_require_ciphers: { from: "Exim's", rules: ['tls ciphers "LIST"'] },
    smtpd_sasl_auth_enable: { from: "Postfix's", rules: ['auth users "users.passwd"'] },
    smtpd_sender_login_maps: { from: "Postfix's", rules: ["senders { LOGIN: ADDRESS, ... }"] },
    smtpd_helo_required: { from: "Postfix's", rules: ["require helo"], translate: exactly("yes", "require helo") },
    masquerade_domains: { from: "Postfix's", rules: ["masquerade example.com"], translate: domain("masquerade") },
    alias_maps: { from: "Postfix's", rules: ['aliases "aliases"'] },
    relayhost: { from: "Postfix's", rules: ["deliver relay smtp://relay.example.com:25"], translate: relay },
    always_add_missing_headers: { from: "Postfix's", rules: ["add Date", "add Message-ID", "add From"] },
    header_checks: { from: "Postfix's", rules: ["remove header NAME", "refuse header NAME"] },
    smtpd_timeout: { from: "Postfix's", rules: ["timeout command 5m"], translate: duration("timeout command", "s") },
    smtp_receive_timeout: { from: "Exim's", rules: ["timeout command 5m"], translate: duration("timeout command", "s") },
    maximal_queue_lifetime: { from: "Postfix's", rules: ["limit queue lifetime 5d"], translate: duration("limit queue lifetime", "d") },
    smtpd_client_connection_count_limit: { from: "Postfix's", rules: ["limit sessions per ip 20"], translate: count("limit sessions per ip") },
    smtp_accept_max: { from: "Exim's", rules: ["limit sessions 500"], translate: count("limit sessions") },
    smtp_accept_max_per_host: { from: "Exim's", rules: ["limit sessions per ip 20"], translate: count("limit sessions per ip") },
};
/**
 * What to say about an unknown rule that is a Postfix or Exim setting, or undefined: the hint, and
 * `rule` when `value` (what follows `=`) translates into one msa rule, which the hint then names.
 */
export function foreignSetting(word, value) {
    // Own properties only: `__proto__` typed as a rule is not a setting (found by test/compiler/property.test.ts).
    const name = word.toLowerCase();
    const known = Object.hasOwn(FOREIGN_SETTINGS, name) ? FOREIGN_SETTINGS[name] : undefined;
    if (!known)
        return undefined;
    const rule = value === undefined ? undefined : known.translate?.(value);
    const rules = rule ? [rule] : known.rules;
    return { hint: `\`${word}\` is ${known.from} setting; in msa: ${rules.map((r) => `\`${r}\``).join(", ")}`, ...(rule ? { rule } : {}) };
}
/** The hint for an unknown rule that is a Postfix or Exim setting, or undefined. */
export function foreignSettingHint(word, value) {
    return foreignSetting(word, value)?.hint;
}
//# sourceMappingURL=foreignSettings.js.map