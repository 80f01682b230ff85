// Settings of Postfix's main.cf and Exim's configuration typed into a policy as if they were rules
// (`message_size_limit = 10240000`): the unknown-rule diagnostic names the msa rule that says the
// same, so an administrator moving a submission service over is not left to guess.

/** Postfix or Exim setting name -> the msa rules that do its job, with example values. */
export const FOREIGN_SETTINGS: Readonly<Record<string, { from: string; rules: readonly string[] }>> = {
  message_size_limit: { from: "Postfix's and Exim's", rules: ["limit size 10MB"] },
  smtpd_recipient_limit: { from: "Postfix's", rules: ["limit recipients 100"] },
  recipients_max: { from: "Exim's", rules: ["limit recipients 100"] },
  myhostname: { from: "Postfix's", rules: ["hostname mail.example.com"] },
  primary_hostname: { from: "Exim's", rules: ["hostname mail.example.com"] },
  myorigin: { from: "Postfix's", rules: ["qualify domains example.com"] },
  append_dot_mydomain: { from: "Postfix's", rules: ["qualify domains example.com"] },
  qualify_domain: { from: "Exim's", rules: ["qualify domains example.com"] },
  smtpd_tls_cert_file: { from: "Postfix's", rules: ['tls certificate "cert.pem" key "key.pem"'] },
  smtpd_tls_key_file: { from: "Postfix's", rules: ['tls certificate "cert.pem" key "key.pem"'] },
  smtpd_tls_chain_files: { from: "Postfix's", rules: ['tls certificate "cert.pem" key "key.pem"'] },
  tls_certificate: { from: "Exim's", rules: ['tls certificate "cert.pem" key "key.pem"'] },
  tls_privatekey: { from: "Exim's", rules: ['tls certificate "cert.pem" key "key.pem"'] },
  smtpd_tls_security_level: { from: "Postfix's", rules: ["require tls"] },
  smtpd_tls_auth_only: { from: "Postfix's", rules: ["require tls"] },
  smtpd_tls_protocols: { from: "Postfix's", rules: ["tls protocols TLSv1.2 TLSv1.3"] },
  smtpd_tls_mandatory_protocols: { from: "Postfix's", rules: ["tls protocols TLSv1.2 TLSv1.3"] },
  smtpd_tls_mandatory_ciphers: { from: "Postfix's", rules: ['tls ciphers "LIST"'] },
  tls_require_ciphers: { from: "Exim's", rules: ['tls ciphers "LIST"'] },
  smtpd_sasl_auth_enable: { from: "Postfix's", rules: ['auth users "users.passwd"'] },
  smtpd_sender_login_maps: { from: "Postfix's", rules: ["senders { LOGIN: ADDRESS, ... }"] },
  smtpd_helo_required: { from: "Postfix's", rules: ["require helo"] },
  masquerade_domains: { from: "Postfix's", rules: ["masquerade example.com"] },
  alias_maps: { from: "Postfix's", rules: ['aliases "aliases"'] },
  relayhost: { from: "Postfix's", rules: ["deliver relay smtp://relay.example.com:25"] },
  always_add_missing_headers: { from: "Postfix's", rules: ["add Date", "add Message-ID", "add From"] },
  header_checks: { from: "Postfix's", rules: ["remove header NAME", "refuse header NAME"] },
  smtpd_timeout: { from: "Postfix's", rules: ["timeout command 5m"] },
  smtp_receive_timeout: { from: "Exim's", rules: ["timeout command 5m"] },
  maximal_queue_lifetime: { from: "Postfix's", rules: ["limit queue lifetime 5d"] },
  smtpd_client_connection_count_limit: { from: "Postfix's", rules: ["limit sessions per ip 20"] },
  smtp_accept_max: { from: "Exim's", rules: ["limit sessions 500"] },
  smtp_accept_max_per_host: { from: "Exim's", rules: ["limit sessions per ip 20"] },
};

/** The hint for an unknown rule that is a Postfix or Exim setting, or undefined. */
export function foreignSettingHint(word: string): string | undefined {
  // Own properties only: `__proto__` typed as a rule is not a setting (found by test/compiler/property.test.ts).
  const name = word.toLowerCase();
  const known = Object.hasOwn(FOREIGN_SETTINGS, name) ? FOREIGN_SETTINGS[name] : undefined;
  return known && `\`${word}\` is ${known.from} setting; in msa: ${known.rules.map((rule) => `\`${rule}\``).join(", ")}`;
}
