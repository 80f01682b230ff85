// A real OpenLDAP slapd for the tests of `auth ldap`: a temporary folder with a slapd.conf and an
// mdb database loaded by slapadd (two users with {SSHA} passwords, mail and mailAlternateAddress),
// listening on loopback (ldap://, and ldaps:// with the test PKI). Stopped after the test file.
import { execFileSync } from "node:child_process";
import { connect } from "node:net";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import type { TestPki } from "./certificates.js";
import { eventually } from "./eventually.js";
import { freePort } from "./freePort.js";
import { type RunningProcess, startProcess } from "./processes.js";

export const LDAP_BASE = "dc=example,dc=com";
export const LDAP_PEOPLE = `ou=people,${LDAP_BASE}`;
/** The service account a search-then-bind policy binds as before searching. */
export const LDAP_SERVICE = { dn: `cn=msa,${LDAP_BASE}`, password: "msa-service-pw" } as const;
/** The directory's users: their passwords and the addresses their entries hold. */
export const LDAP_USERS = {
  carol: { password: "carol-pw", mail: "carol@example.com", alternates: ["sales@example.com", "carol.smith@example.com"] },
  dave: { password: "dave-pw", mail: "dave@example.com", alternates: [] },
} as const;
const ADMIN = { dn: `cn=admin,${LDAP_BASE}`, password: "admin-pw" } as const;

// mailAlternateAddress is not in the schemas Debian ships (it comes from Netscape's/Sun's mail schema).
const MAIL_SCHEMA = `attributetype ( 2.16.840.1.113730.3.1.13 NAME 'mailAlternateAddress'
  EQUALITY caseIgnoreIA5Match SUBSTR caseIgnoreIA5SubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} )
objectclass ( 2.16.840.1.113730.3.2.3 NAME 'mailRecipient' SUP top AUXILIARY
  MAY ( mail $ mailAlternateAddress ) )
`;

export interface Slapd {
  /** `ldap://127.0.0.1:PORT` */
  url: string;
  /** `ldaps://127.0.0.1:PORT`, when started with a PKI. */
  ldapsUrl: string | undefined;
  dir: string;
  /** Applies an LDIF change record as the directory's administrator (ldapmodify). */
  modify(ldif: string): void;
  /** Stops slapd (the database stays). */
  stop(): Promise<void>;
  /** Starts it again on the same ports. */
  start(): Promise<void>;
}

const started: Slapd[] = [];
afterAll(async () => {
  for (const slapd of started.splice(0)) {
    await slapd.stop();
    await rm(slapd.dir, { recursive: true, force: true });
  }
});

/** The `{SSHA}` hash slappasswd writes for `password`. */
function ssha(password: string): string {
  return execFileSync("/usr/sbin/slappasswd", ["-h", "{SSHA}", "-s", password], { encoding: "utf8" }).trim();
}

function directoryLdif(): string {
  const users = Object.entries(LDAP_USERS).map(([uid, user]) =>
    [
      `dn: uid=${uid},${LDAP_PEOPLE}`,
      "objectClass: inetOrgPerson",
      "objectClass: mailRecipient",
      `uid: ${uid}`,
      `cn: ${uid}`,
      `sn: ${uid}`,
      `mail: ${user.mail}`,
      ...user.alternates.map((address) => `mailAlternateAddress: ${address}`),
      `userPassword: ${ssha(user.password)}`,
    ].join("\n"),
  );
  return [
    [`dn: ${LDAP_BASE}`, "objectClass: dcObject", "objectClass: organization", "dc: example", "o: Example"].join("\n"),
    [`dn: ${LDAP_PEOPLE}`, "objectClass: organizationalUnit", "ou: people"].join("\n"),
    [`dn: ${LDAP_SERVICE.dn}`, "objectClass: organizationalRole", "objectClass: simpleSecurityObject", "cn: msa", `userPassword: ${ssha(LDAP_SERVICE.password)}`].join("\n"),
    ...users,
  ].join("\n\n");
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function startSlapd(options: { pki?: TestPki } = {}): Promise<Slapd> {
  const dir = await mkdtemp(join(tmpdir(), "msa-slapd-"));
  await mkdir(join(dir, "db"));
  await writeFile(join(dir, "mail.schema"), MAIL_SCHEMA);
  const tls = options.pki ? [`TLSCACertificateFile ${options.pki.caPath}`, `TLSCertificateFile ${options.pki.certPath}`, `TLSCertificateKeyFile ${options.pki.keyPath}`] : [];
  const conf = [
    "include /etc/ldap/schema/core.schema",
    "include /etc/ldap/schema/cosine.schema",
    "include /etc/ldap/schema/inetorgperson.schema",
    `include ${join(dir, "mail.schema")}`,
    `pidfile ${join(dir, "slapd.pid")}`,
    "modulepath /usr/lib/ldap",
    "moduleload back_mdb",
    ...tls,
    // Anyone may bind (auth); users read their own entry, the service account reads everyone's.
    "database mdb",
    `suffix "${LDAP_BASE}"`,
    `rootdn "${ADMIN.dn}"`,
    `rootpw ${ADMIN.password}`,
    `directory ${join(dir, "db")}`,
    "maxsize 10485760",
    "access to attrs=userPassword by anonymous auth by * none",
    `access to * by self read by dn.exact="${LDAP_SERVICE.dn}" read by anonymous read by * none`,
  ].join("\n");
  const confPath = join(dir, "slapd.conf");
  await writeFile(confPath, `${conf}\n`);
  await writeFile(join(dir, "directory.ldif"), `${directoryLdif()}\n`);
  execFileSync("/usr/sbin/slapadd", ["-f", confPath, "-l", join(dir, "directory.ldif")], { stdio: "pipe" });

  const port = await freePort();
  const ldapsPort = options.pki ? await freePort() : undefined;
  const urls = [`ldap://127.0.0.1:${port}/`, ...(ldapsPort ? [`ldaps://127.0.0.1:${ldapsPort}/`] : [])];
  let process: RunningProcess | undefined;
  const slapd: Slapd = {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: ldapsPort ? `ldaps://127.0.0.1:${ldapsPort}` : undefined,
    dir,
    modify(ldif) {
      execFileSync("/usr/bin/ldapmodify", ["-x", "-H", slapd.url, "-D", ADMIN.dn, "-w", ADMIN.password], { input: ldif, stdio: ["pipe", "pipe", "pipe"] });
    },
    async stop() {
      await process?.stop();
      process = undefined;
    },
    async start() {
      // -d 0: stay in the foreground (a child the test can stop) without debug output.
      const running = startProcess("/usr/sbin/slapd", ["-f", confPath, "-h", urls.join(" "), "-d", "0"]);
      process = running;
      await eventually(async () => {
        if (running.exitCode !== null) throw new Error(`slapd exited with ${running.exitCode}: ${running.stderr}`);
        return (await accepts(port)) && (ldapsPort === undefined || (await accepts(ldapsPort)));
      }, 10_000);
    },
  };
  await slapd.start();
  started.push(slapd);
  return slapd;
}
