// `node dist/bench/loginSources.js [--sessions N] [--clients C] [--rounds R]`: logins per second
// through each login source, like for like: one `msac serve` per source on a plain loopback
// listener, the same 50 logins, the same clients, each session connect, EHLO, AUTH, QUIT (235
// checked). Rounds visit the sources in rotated order, so a machine that slows down does not
// favour one. The neighbours are real and made for the run: a PostgreSQL cluster (`auth sql`), a
// slapd (`auth ldap`, bind form, without and with the entry cache), a Dovecot with a passwd-file
// (`auth dovecot`); `auth oauth` checks ES256 JWTs against a JWKS file. Password hashes are
// bcrypt cost 10 (SHA512-CRYPT for Dovecot, SSHA in the directory, as those sites keep them);
// after the warm-up, msa's credential cache answers repeated passwords of the users file and SQL.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { LDAP_PEOPLE, writeDirectory } from "./ldapDirectory.js";
import { freePort, msacPath, startNode, waitForPort } from "./processes.js";
import { startPostgresCluster } from "./servers/postgresCluster.js";
import { formatRatio, formatSummary, median, ratio, summarize } from "./stats.js";
const LOGINS = 50;
const loginOf = (i) => `user${String(i).padStart(3, "0")}`;
const passwordOf = (login) => `${login}-password`;
function option(name, fallback) {
    const at = process.argv.indexOf(`--${name}`);
    return at < 0 ? fallback : Number(process.argv[at + 1]);
}
/** One SMTP session that logs in with `auth` (an AUTH command line) and leaves; rejects unless AUTH answered 235. */
function loginSession(port, auth) {
    return new Promise((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port });
        const commands = ["EHLO bench.example", auth, "QUIT"];
        let buffered = "";
        socket.setEncoding("utf8");
        socket.on("data", (chunk) => {
            buffered += chunk;
            let end;
            while ((end = buffered.indexOf("\r\n")) >= 0) {
                const line = buffered.slice(0, end);
                buffered = buffered.slice(end + 2);
                // A reply's last line has a space after the code; send the next command then.
                if (line[3] !== " ")
                    continue;
                if (commands.length === 1 && !line.startsWith("235"))
                    return socket.destroy(new Error(`AUTH answered ${line}`));
                const next = commands.shift();
                if (next === undefined)
                    socket.end();
                else
                    socket.write(`${next}\r\n`);
            }
        });
        socket.once("error", reject);
        socket.once("close", () => (commands.length === 0 ? resolve() : reject(new Error("msa closed the session early"))));
    });
}
/** `sessions` logins spread over `clients` concurrent connections; logins per second. */
async function loginRate(port, authLine, sessions, clients) {
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: clients }, async () => {
        while (next < sessions)
            await loginSession(port, authLine(next++ % LOGINS));
    }));
    return sessions / (Number(process.hrtime.bigint() - started) / 1e9);
}
const plain = (i) => `AUTH PLAIN ${Buffer.from(`\0${loginOf(i)}\0${passwordOf(loginOf(i))}`).toString("base64")}`;
/** Waits until something accepts connections at `where` (a TCP port on 127.0.0.1, or a unix socket), 20 s at most. */
async function accepting(where, what) {
    const deadline = Date.now() + 20_000;
    for (;;) {
        const ok = await new Promise((resolve) => {
            const socket = connect(where, () => {
                socket.destroy();
                resolve(true);
            });
            socket.once("error", () => resolve(false));
        });
        if (ok)
            return;
        if (Date.now() > deadline)
            throw new Error(`${what} did not start within 20 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}
/** Stops a daemon and what its master started (Dovecot's services), as systemd stops a unit. */
async function stopDaemon(child) {
    // ps exits 1 when there are none (slapd).
    const children = spawnSync("ps", ["-o", "pid=", "--ppid", String(child.pid)], { encoding: "utf8" })
        .stdout.split("\n")
        .map(Number)
        .filter((pid) => pid > 0);
    for (const pid of children)
        process.kill(pid, "SIGTERM");
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
}
async function main() {
    const sessions = option("sessions", 1000);
    const clients = option("clients", 8);
    const rounds = option("rounds", 5);
    const dir = await mkdtemp(path.join(tmpdir(), "msa-bench-logins-"));
    await chmod(dir, 0o755);
    const logins = Array.from({ length: LOGINS }, (_, i) => loginOf(i));
    const bcryptHashes = logins.map((login) => bcrypt.hashSync(passwordOf(login), 10));
    await writeFile(path.join(dir, "users.passwd"), logins.map((login, i) => `${login}:${bcryptHashes[i]}\n`).join(""));
    const postgres = await startPostgresCluster(await freePort());
    const daemons = [];
    const servers = [];
    try {
        await postgres.sql("CREATE ROLE msa LOGIN PASSWORD 'bench-secret'");
        await postgres.sql("CREATE DATABASE mail");
        await postgres.sql("CREATE TABLE users (login text PRIMARY KEY, password text NOT NULL); GRANT SELECT ON users TO msa", undefined, "mail");
        for (const [i, login] of logins.entries())
            await postgres.sql("INSERT INTO users VALUES ($1, $2)", [login, bcryptHashes[i]], "mail");
        await writeFile(path.join(dir, "db.secret"), "bench-secret\n");
        const ldapPort = await freePort();
        const users = logins.map((login) => ({ uid: login, password: passwordOf(login), mail: `${login}@example.com`, alternates: [] }));
        const { slapdArgs } = await writeDirectory(path.join(dir), users);
        daemons.push(spawn("/usr/sbin/slapd", slapdArgs([`ldap://127.0.0.1:${ldapPort}/`]), { stdio: "ignore" }));
        const dovecotDir = path.join(dir, "dovecot");
        execFileSync("mkdir", ["-p", dovecotDir]);
        const sha512 = (password) => execFileSync("doveadm", ["-c", "/dev/null", "pw", "-s", "SHA512-CRYPT", "-p", password], { encoding: "utf8" }).trim();
        await writeFile(path.join(dovecotDir, "users"), logins.map((login) => `${login}:${sha512(passwordOf(login))}::::::\n`).join(""));
        await writeFile(path.join(dovecotDir, "dovecot.conf"), [
            `base_dir = ${path.join(dovecotDir, "run")}`,
            `state_dir = ${path.join(dovecotDir, "state")}`,
            `log_path = ${path.join(dovecotDir, "dovecot.log")}`,
            "protocols =",
            "default_internal_user = dovecot",
            "default_login_user = dovenull",
            "auth_mechanisms = plain login",
            "ssl = no",
            `passdb {\n  driver = passwd-file\n  args = scheme=SHA512-CRYPT ${path.join(dovecotDir, "users")}\n}`,
            "userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=/nonexistent\n}",
            "service auth {\n  unix_listener auth-client {\n    mode = 0666\n  }\n}",
            "",
        ].join("\n"));
        daemons.push(spawn("dovecot", ["-c", path.join(dovecotDir, "dovecot.conf"), "-F"], { stdio: "ignore" }));
        await accepting({ port: ldapPort, host: "127.0.0.1" }, "slapd");
        await accepting({ path: path.join(dovecotDir, "run", "auth-client") }, "Dovecot");
        const issuer = await generateKeyPair("ES256");
        await writeFile(path.join(dir, "jwks.json"), JSON.stringify({ keys: [{ ...(await exportJWK(issuer.publicKey)), kid: "k1", alg: "ES256" }] }));
        const tokens = await Promise.all(logins.map((login) => new SignJWT({ sub: login })
            .setProtectedHeader({ alg: "ES256", kid: "k1" })
            .setIssuer("https://id.bench.example")
            .setAudience("msa")
            .setExpirationTime("2h")
            .sign(issuer.privateKey)));
        const bearer = (i) => `AUTH OAUTHBEARER ${Buffer.from(`n,,\x01auth=Bearer ${tokens[i]}\x01\x01`).toString("base64")}`;
        const sources = [
            { name: "auth users (bcrypt 10)", rule: 'auth users "users.passwd"', auth: plain },
            {
                name: "auth sql (bcrypt 10)",
                rule: `auth sql "postgresql://msa@127.0.0.1:${postgres.port}/mail" password "db.secret" password query "SELECT password FROM users WHERE login = $1"`,
                auth: plain,
            },
            { name: "auth ldap, bind, no cache", rule: `auth ldap "ldap://127.0.0.1:${ldapPort}" {\n  bind "uid=%u,${LDAP_PEOPLE}"\n  cache off\n}`, auth: plain },
            { name: "auth ldap, bind, cache 5m", rule: `auth ldap "ldap://127.0.0.1:${ldapPort}" {\n  bind "uid=%u,${LDAP_PEOPLE}"\n}`, auth: plain },
            { name: "auth dovecot (SHA512-CRYPT)", rule: `auth dovecot "${path.join(dovecotDir, "run", "auth-client")}"`, auth: plain },
            { name: "auth oauth (ES256 JWT)", rule: `auth users "users.passwd"\nauth oauth issuer "https://id.bench.example" audience "msa" keys "jwks.json"`, auth: bearer },
        ];
        const ports = [];
        for (const [index, source] of sources.entries()) {
            const port = await freePort();
            const policy = path.join(dir, `source${index}.msa`);
            await writeFile(policy, ["hostname msa.bench.example", `listen 127.0.0.1:${port} plain`, source.rule, "log errors", 'deliver spool "spool"', ""].join("\n"));
            const server = startNode([msacPath, "serve", policy]);
            servers.push(server);
            await waitForPort(port, server);
            ports.push(port);
        }
        // Warm-up: every login once through every source (hash caches, the directory's caches, JIT).
        for (const [index, source] of sources.entries())
            await loginRate(ports[index], source.auth, LOGINS * 2, clients);
        const rates = sources.map(() => []);
        for (let round = 0; round < rounds; round++) {
            for (let k = 0; k < sources.length; k++) {
                const index = (round + k) % sources.length;
                rates[index].push(await loginRate(ports[index], sources[index].auth, sessions, clients));
            }
        }
        const baseline = median(rates[0]);
        process.stdout.write([
            `logins per second, ${sessions} sessions x ${rounds} rotated rounds, ${clients} clients, plain loopback, Node ${process.version}; median (min-max), ratio to auth users:`,
            ...sources.map((source, index) => `  ${source.name.padEnd(30)} ${formatSummary(summarize(rates[index])).padEnd(28)} ${formatRatio(ratio(median(rates[index]), baseline))}`),
            "",
        ].join("\n"));
    }
    finally {
        for (const server of servers)
            await server.stop();
        for (const daemon of daemons)
            await stopDaemon(daemon);
        await postgres.remove();
        await rm(dir, { recursive: true, force: true });
    }
}
main().then(() => process.exit(0), (error) => {
    process.stderr.write(`bench: ${error.stack ?? String(error)}\n`);
    process.exit(1);
});
//# sourceMappingURL=loginSources.js.map