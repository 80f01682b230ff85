// A real OpenLDAP slapd for the tests of `auth ldap` (the directory bench/ldapDirectory.ts writes:
// two users with {SSHA} passwords, mail and mailAlternateAddress), listening on loopback with
// ldap://, and ldaps:// with the test PKI. Stopped and removed after the test file.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { LDAP_ADMIN, writeDirectory } from "../../bench/ldapDirectory.js";
import type { TestPki } from "./certificates.js";
import { eventually } from "./eventually.js";
import { accepts, freePort } from "./freePort.js";
import { type RunningProcess, startProcess } from "./processes.js";

export { LDAP_BASE, LDAP_PEOPLE, LDAP_SERVICE } from "../../bench/ldapDirectory.js";

/** The directory's users: their passwords and the addresses their entries hold. */
export const LDAP_USERS = {
  carol: { uid: "carol", password: "carol-pw", mail: "carol@example.com", alternates: ["sales@example.com", "carol.smith@example.com"] },
  dave: { uid: "dave", password: "dave-pw", mail: "dave@example.com", alternates: [] },
} as const;

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

export async function startSlapd(options: { pki?: TestPki } = {}): Promise<Slapd> {
  const dir = await mkdtemp(join(tmpdir(), "msa-slapd-"));
  const { slapdArgs } = await writeDirectory(dir, Object.values(LDAP_USERS), options.pki);
  const port = await freePort();
  const ldapsPort = options.pki ? await freePort() : undefined;
  const args = slapdArgs([`ldap://127.0.0.1:${port}/`, ...(ldapsPort ? [`ldaps://127.0.0.1:${ldapsPort}/`] : [])]);
  let process: RunningProcess | undefined;
  const slapd: Slapd = {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: ldapsPort ? `ldaps://127.0.0.1:${ldapsPort}` : undefined,
    dir,
    modify(ldif) {
      execFileSync("/usr/bin/ldapmodify", ["-x", "-H", slapd.url, "-D", LDAP_ADMIN.dn, "-w", LDAP_ADMIN.password], { input: ldif, stdio: ["pipe", "pipe", "pipe"] });
    },
    async stop() {
      await process?.stop();
      process = undefined;
    },
    async start() {
      const running = startProcess("/usr/sbin/slapd", args);
      process = running;
      await eventually(async () => {
        if (running.exitCode !== null) throw new Error(`slapd exited with ${running.exitCode}: ${running.stderr}`);
        return (await accepts(port)) && (ldapsPort === undefined || (await accepts(ldapsPort)));
      }, 10_000);
    },
  };
  // Before it starts: a slapd that does not come up is stopped and its folder removed all the same.
  started.push(slapd);
  await slapd.start();
  return slapd;
}
