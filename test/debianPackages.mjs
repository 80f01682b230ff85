// Runs before `npm test` (the `pretest` script): the test suite starts real neighbours from
// Debian's packages, each listed below with what the tests use it for. Missing ones are installed
// when this runs as root with apt-get; otherwise it names the exact command.
// Debian's packages (Redis, HAProxy, dkimpy as a DKIM verifier, aiosmtpd as a next hop, Postfix
// and Cyrus SASL to compare `msac import postfix` with, PostgreSQL for `auth sql`). Missing
// and Cyrus SASL to compare `msac import postfix` with, OpenSSL and Dovecot's doveadm to make
// password hashes as sites do). Missing
// and Cyrus SASL to compare `msac import postfix` with, OpenLDAP's slapd for `auth ldap`). Missing
// ones are installed when this runs as root with apt-get; otherwise it names the exact command.
import { spawnSync } from "node:child_process";

/** Each package with the probe that tells whether the tests can use it (how the tests call it). */
const PACKAGES = [
  { name: "redis-server", probe: ["/usr/bin/redis-server", ["--version"]] },
  { name: "haproxy", probe: ["/usr/sbin/haproxy", ["-v"]] },
  { name: "python3-dkim", probe: ["/usr/bin/python3", ["-c", "import dkim"]] },
  { name: "python3-aiosmtpd", probe: ["/usr/bin/python3", ["-c", "import aiosmtpd"]] },
  // `msac import postfix` is compared with a real Postfix, its SASL logins in a Cyrus sasldb.
  { name: "postfix", probe: ["/usr/sbin/postconf", ["-d", "mail_version"]] },
  { name: "postfix-pcre", probe: ["/bin/sh", ["-c", "/usr/sbin/postconf -m | grep -qx pcre"]] },
  { name: "sasl2-bin", probe: ["/usr/sbin/saslpasswd2", ["-v"]] },
  { name: "libsasl2-modules", probe: ["/bin/sh", ["-c", "ls /usr/lib/*/sasl2/libplain.so*"]] },
  // Real milters for `milter`: rspamd's milter proxy, OpenDKIM signing (and opendkim-genkey for its key).
  { name: "rspamd", probe: ["/usr/bin/rspamd", ["--version"]] },
  { name: "opendkim", probe: ["/usr/sbin/opendkim", ["-V"]] },
  { name: "opendkim-tools", probe: ["/bin/sh", ["-c", "test -x /usr/sbin/opendkim-genkey"]] },
  // promtool checks and unit-tests the alert rules in deploy/prometheus/
  { name: "prometheus", probe: ["/usr/bin/promtool", ["--version"]] },
  // `auth sql` logins are tested against a cluster the tests create with initdb and pg_ctl.
  { name: "postgresql", probe: ["/bin/sh", ["-c", "ls /usr/lib/postgresql/*/bin/initdb"]] },
  // `msac sendmail` is tested as mutt's and git send-email's sendmail.
  { name: "mutt", probe: ["/usr/bin/mutt", ["-v"]] },
  { name: "git-email", probe: ["/usr/bin/git", ["send-email", "--dump-aliases"]] },
  // Users-file hashes made by the tools sites use: `openssl passwd -5/-6` and `doveadm pw`.
  { name: "openssl", probe: ["/usr/bin/openssl", ["version"]] },
  { name: "dovecot-core", probe: ["/usr/bin/doveadm", ["pw", "-s", "SHA512-CRYPT", "-p", "probe"]] },
  // `auth ldap` is tested against OpenLDAP: slapd (slapadd, slappasswd) and ldapmodify to change the directory.
  { name: "slapd", probe: ["/usr/sbin/slapd", ["-VV"]] },
  { name: "ldap-utils", probe: ["/usr/bin/ldapmodify", ["-VV"]] },
  // `auth dovecot` is tested against a real Dovecot auth service (dovecot-core), one passdb of it in PostgreSQL.
  { name: "dovecot-pgsql", probe: ["/bin/sh", ["-c", "ls /usr/lib/dovecot/modules/auth/libdriver_pgsql.so"]] },
];

const present = ({ probe: [command, args] }) => spawnSync(command, args, { stdio: "ignore" }).status === 0;
const missing = PACKAGES.filter((p) => !present(p)).map((p) => p.name);
if (missing.length === 0) process.exit(0);

const command = `apt-get install -y ${missing.join(" ")}`;
const canInstall = process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
if (!canInstall) {
  console.error(`npm test needs these Debian packages: ${missing.join(", ")}.\nInstall them with: sudo ${command}`);
  process.exit(1);
}
console.error(`npm test: installing ${missing.join(", ")} (${command})`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
for (const args of [
  ["update", "-qq"],
  ["install", "-y", "-qq", ...missing],
]) {
  const run = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env });
  if (run.status !== 0) {
    console.error(`npm test: \`apt-get ${args.join(" ")}\` failed; install the packages with: ${command}`);
    process.exit(1);
  }
}
const still = PACKAGES.filter((p) => missing.includes(p.name) && !present(p)).map((p) => p.name);
if (still.length > 0) {
  console.error(`npm test: still missing after apt-get: ${still.join(", ")}`);
  process.exit(1);
}
