// An OpenLDAP directory in a folder, for the `auth ldap` tests and benchmark: a slapd.conf with an
// mdb database loaded by slapadd (users with {SSHA} passwords, mail and mailAlternateAddress, a
// service account), and the command line that serves it on loopback. Starting and stopping the
// process is the caller's (the tests' processes.ts, the benchmark's own).
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
export const LDAP_BASE = "dc=example,dc=com";
export const LDAP_PEOPLE = `ou=people,${LDAP_BASE}`;
/** The service account a search-then-bind policy binds as before searching. */
export const LDAP_SERVICE = { dn: `cn=msa,${LDAP_BASE}`, password: "msa-service-pw" };
export const LDAP_ADMIN = { dn: `cn=admin,${LDAP_BASE}`, password: "admin-pw" };
// mailAlternateAddress is not in the schemas Debian ships (it comes from Netscape's and Sun's mail schema).
const MAIL_SCHEMA = `attributetype ( 2.16.840.1.113730.3.1.13 NAME 'mailAlternateAddress'
  EQUALITY caseIgnoreIA5Match SUBSTR caseIgnoreIA5SubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} )
objectclass ( 2.16.840.1.113730.3.2.3 NAME 'mailRecipient' SUP top AUXILIARY
  MAY ( mail $ mailAlternateAddress ) )
`;
/** The `{SSHA}` hash slappasswd writes for `password`. */
function ssha(password) {
    return execFileSync("/usr/sbin/slappasswd", ["-h", "{SSHA}", "-s", password], { encoding: "utf8" }).trim();
}
function directoryLdif(users) {
    // Users who share a password share its hash (slappasswd per user costs a process each).
    const hashes = new Map();
    const hashOf = (password) => hashes.get(password) ?? hashes.set(password, ssha(password)).get(password);
    const entries = users.map((user) => [
        `dn: uid=${user.uid},${LDAP_PEOPLE}`,
        "objectClass: inetOrgPerson",
        "objectClass: mailRecipient",
        `uid: ${user.uid}`,
        `cn: ${user.uid}`,
        `sn: ${user.uid}`,
        `mail: ${user.mail}`,
        ...user.alternates.map((address) => `mailAlternateAddress: ${address}`),
        `userPassword: ${hashOf(user.password)}`,
    ].join("\n"));
    return [
        [`dn: ${LDAP_BASE}`, "objectClass: dcObject", "objectClass: organization", "dc: example", "o: Example"].join("\n"),
        [`dn: ${LDAP_PEOPLE}`, "objectClass: organizationalUnit", "ou: people"].join("\n"),
        [`dn: ${LDAP_SERVICE.dn}`, "objectClass: organizationalRole", "objectClass: simpleSecurityObject", "cn: msa", `userPassword: ${ssha(LDAP_SERVICE.password)}`].join("\n"),
        ...entries,
    ].join("\n\n");
}
/**
 * Writes the configuration and loads the users into `dir`; returns slapd's arguments for serving
 * it at `urls` (`-d 0` keeps it in the foreground, a child its starter can stop).
 */
export async function writeDirectory(dir, users, tls) {
    await mkdir(join(dir, "db"), { recursive: true });
    await writeFile(join(dir, "mail.schema"), MAIL_SCHEMA);
    const conf = [
        "include /etc/ldap/schema/core.schema",
        "include /etc/ldap/schema/cosine.schema",
        "include /etc/ldap/schema/inetorgperson.schema",
        `include ${join(dir, "mail.schema")}`,
        `pidfile ${join(dir, "slapd.pid")}`,
        "modulepath /usr/lib/ldap",
        "moduleload back_mdb",
        ...(tls ? [`TLSCACertificateFile ${tls.caPath}`, `TLSCertificateFile ${tls.certPath}`, `TLSCertificateKeyFile ${tls.keyPath}`] : []),
        "database mdb",
        `suffix "${LDAP_BASE}"`,
        `rootdn "${LDAP_ADMIN.dn}"`,
        `rootpw ${LDAP_ADMIN.password}`,
        `directory ${join(dir, "db")}`,
        "maxsize 104857600",
        // Anyone may bind; users read their own entry, the service account and anonymous searches everyone's.
        "access to attrs=userPassword by anonymous auth by * none",
        `access to * by self read by dn.exact="${LDAP_SERVICE.dn}" read by anonymous read by * none`,
    ].join("\n");
    const confPath = join(dir, "slapd.conf");
    await writeFile(confPath, `${conf}\n`);
    await writeFile(join(dir, "directory.ldif"), `${directoryLdif(users)}\n`);
    execFileSync("/usr/sbin/slapadd", ["-f", confPath, "-l", join(dir, "directory.ldif")], { stdio: "pipe" });
    return { confPath, slapdArgs: (urls) => ["-f", confPath, "-h", urls.join(" "), "-d", "0"] };
}
//# sourceMappingURL=ldapDirectory.js.map