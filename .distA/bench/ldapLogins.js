// Logins per second through `auth ldap`'s backend against a local slapd (mdb, {SSHA} passwords):
// the bind form (plain and with StartTLS) and the search form (as a service account), with and
// without the entry cache, one login at a time and eight at once. Run: `npm run build && node dist/bench/ldapLogins.js [LOGINS]`.
// slapd and this process share the machine, so the figures are a floor for a directory elsewhere.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevCertificate } from "../cli/devCertificate.js";
import { LdapLogins } from "../runtime/auth/ldapLogins.js";
import { LDAP_PEOPLE, LDAP_SERVICE, writeDirectory } from "./ldapDirectory.js";
import { freePort, waitForPort } from "./processes.js";
const USERS = 200;
const LOGINS = Number(process.argv[2] ?? 2000);
const users = Array.from({ length: USERS }, (_, i) => ({
    uid: `user${i}`,
    password: `pw-${i}`,
    mail: `user${i}@example.com`,
    alternates: [`alias${i}@example.com`],
}));
async function loginsPerSecond(backend, concurrency) {
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < LOGINS) {
            const user = users[next++ % USERS];
            const result = await backend.verify(user.uid, user.password);
            if (result.kind !== "accepted")
                throw new Error(`${user.uid}: ${JSON.stringify(result)}`);
        }
    }));
    return LOGINS / (Number(process.hrtime.bigint() - started) / 1e9);
}
const dir = await mkdtemp(join(tmpdir(), "msa-bench-ldap-"));
const port = await freePort();
// Self-signed: the certificate is its own CA, for slapd and for the client.
const certificate = await ensureDevCertificate(dir, "localhost");
const { slapdArgs } = await writeDirectory(dir, users, { caPath: certificate.certificate, certPath: certificate.certificate, keyPath: certificate.key });
await writeFile(join(dir, "service.secret"), `${LDAP_SERVICE.password}\n`);
const slapd = spawn("/usr/sbin/slapd", slapdArgs([`ldap://127.0.0.1:${port}/`]), { stdio: "ignore" });
try {
    await waitForPort(port, { pid: slapd.pid, process: slapd, stdout: () => "", stderr: () => "", stop: async () => undefined });
    const bind = { by: "bind", dn: `uid=%u,${LDAP_PEOPLE}` };
    const forms = [
        ["bind", bind, false],
        ["bind, StartTLS", bind, true],
        [
            "search as service",
            { by: "search", base: LDAP_PEOPLE, filter: "(&(objectClass=inetOrgPerson)(uid=%u))", as: { dn: LDAP_SERVICE.dn, passwordPath: join(dir, "service.secret") } },
            false,
        ],
    ];
    console.log(`${LOGINS} logins over ${USERS} users, ldap://127.0.0.1, Node ${process.version}`);
    console.log("form               | cache | logins/s, 1 at a time | logins/s, 8 at once");
    for (const [name, find, startTls] of forms) {
        for (const cacheTtlMs of [0, 300_000]) {
            const source = {
                kind: "ldap",
                url: `ldap://127.0.0.1:${port}`,
                startTls,
                ...(startTls ? { caPath: certificate.certificate } : {}),
                find,
                addressAttributes: ["mail", "mailAlternateAddress"],
                cacheTtlMs,
                timeoutMs: 5000,
                origin: { file: "bench", line: 0, span: { start: 0, end: 0 } },
            };
            const backend = await LdapLogins.open(source);
            // A warm-up round fills the cache (when on) and the directory's own caches.
            await loginsPerSecond(backend, 8);
            const [one, eight] = [await loginsPerSecond(backend, 1), await loginsPerSecond(backend, 8)];
            console.log(`${name.padEnd(18)} | ${(cacheTtlMs ? "5m" : "off").padEnd(5)} | ${one.toFixed(0).padStart(21)} | ${eight.toFixed(0).padStart(19)}`);
            await backend.close();
        }
    }
}
finally {
    slapd.kill("SIGTERM");
    await new Promise((resolve) => slapd.once("exit", resolve));
    await rm(dir, { recursive: true, force: true });
}
//# sourceMappingURL=ldapLogins.js.map