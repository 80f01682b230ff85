// `node dist/bench/sqlLogins.js [--sessions N] [--clients C] [--rounds R]`: logins per second
// through `auth sql` (a PostgreSQL cluster made for the run) against `auth users` with the same
// hashes, both served by `msac serve` on a plain loopback listener. Each session is connect,
// EHLO, AUTH PLAIN, QUIT; logins repeat, so after the first round verifications come from the
// credential cache and what differs is the backend (a pooled query against a table in memory).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import { freePort, msacPath, startNode, waitForPort } from "./processes.js";
import { startPostgresCluster } from "./servers/postgresCluster.js";
import { formatRatio, formatSummary, median, ratio, summarize } from "./stats.js";
const LOGINS = 50;
const passwordOf = (login) => `${login}-password`;
function option(name, fallback) {
    const at = process.argv.indexOf(`--${name}`);
    return at < 0 ? fallback : Number(process.argv[at + 1]);
}
/** One SMTP session that logs in and leaves; resolves with the AUTH reply's code. */
function loginSession(port, login) {
    return new Promise((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port });
        const commands = ["EHLO bench.example", `AUTH PLAIN ${Buffer.from(`\0${login}\0${passwordOf(login)}`).toString("base64")}`, "QUIT"];
        let buffered = "";
        let authReply = "";
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
                if (commands.length === 1)
                    authReply = line.slice(0, 3);
                const next = commands.shift();
                if (next === undefined)
                    socket.end();
                else
                    socket.write(`${next}\r\n`);
            }
        });
        socket.once("error", reject);
        socket.once("close", () => resolve(authReply));
    });
}
/** `sessions` logins spread over `clients` concurrent connections; logins per second. */
async function loginRate(port, sessions, clients) {
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: clients }, async () => {
        while (next < sessions) {
            const login = `user${String(next++ % LOGINS).padStart(3, "0")}`;
            const code = await loginSession(port, login);
            if (code !== "235")
                throw new Error(`login ${login} answered ${code}`);
        }
    }));
    return sessions / (Number(process.hrtime.bigint() - started) / 1e9);
}
async function main() {
    const sessions = option("sessions", 2000);
    const clients = option("clients", 8);
    const rounds = option("rounds", 3);
    const dir = await mkdtemp(path.join(tmpdir(), "msa-bench-sql-"));
    const cluster = await startPostgresCluster(await freePort());
    try {
        // bcrypt cost 10, a common cost; each login's first verification pays it, the rest hit the cache.
        const hashes = Array.from({ length: LOGINS }, (_, i) => {
            const login = `user${String(i).padStart(3, "0")}`;
            return { login, hash: bcrypt.hashSync(passwordOf(login), 10) };
        });
        await cluster.sql("CREATE ROLE msa LOGIN PASSWORD 'bench-secret'");
        await cluster.sql("CREATE DATABASE mail");
        await cluster.sql("CREATE TABLE users (login text PRIMARY KEY, password text NOT NULL); CREATE TABLE aliases (login text NOT NULL, address text NOT NULL); CREATE INDEX ON aliases (login); GRANT SELECT ON users, aliases TO msa", undefined, "mail");
        for (const { login, hash } of hashes) {
            await cluster.sql("INSERT INTO users VALUES ($1, $2)", [login, hash], "mail");
            await cluster.sql("INSERT INTO aliases VALUES ($1, $2)", [login, `${login}@bench.example`], "mail");
        }
        await writeFile(path.join(dir, "db.secret"), "bench-secret\n");
        await writeFile(path.join(dir, "users.passwd"), hashes.map(({ login, hash }) => `${login}:${hash}\n`).join(""));
        const backends = {
            users: 'auth users "users.passwd"',
            sql: `auth sql "postgresql://msa@127.0.0.1:${cluster.port}/mail" password "db.secret" password query "SELECT password FROM users WHERE login = $1" senders query "SELECT address FROM aliases WHERE login = $1"`,
        };
        const rates = { users: [], sql: [] };
        for (const [name, authRule] of Object.entries(backends)) {
            const port = await freePort();
            const policy = path.join(dir, `${name}.msa`);
            await writeFile(policy, ["hostname msa.bench.example", `listen 127.0.0.1:${port} plain`, authRule, "log errors", 'deliver spool "spool"', ""].join("\n"));
            const server = startNode([msacPath, "serve", policy]);
            try {
                await waitForPort(port, server);
                // Warm-up: every login verified once, so the rounds compare backends, not first verifications.
                await loginRate(port, LOGINS, clients);
                for (let round = 0; round < rounds; round++)
                    rates[name].push(await loginRate(port, sessions, clients));
            }
            finally {
                await server.stop();
            }
        }
        const users = summarize(rates.users);
        const sql = summarize(rates.sql);
        process.stdout.write([
            `logins per second, ${sessions} sessions x ${rounds} rounds, ${clients} clients (median (min-max)):`,
            `  auth users: ${formatSummary(users)}`,
            `  auth sql:   ${formatSummary(sql)}`,
            `  sql / users: ${formatRatio(ratio(median(rates.sql), median(rates.users)))}`,
            "",
        ].join("\n"));
    }
    finally {
        await cluster.remove();
        await rm(dir, { recursive: true, force: true });
    }
}
main().then(() => process.exit(0), (error) => {
    process.stderr.write(`bench: ${error.stack ?? String(error)}\n`);
    process.exit(1);
});
//# sourceMappingURL=sqlLogins.js.map