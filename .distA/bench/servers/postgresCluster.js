// A throwaway PostgreSQL cluster from Debian's `postgresql` package (initdb in a temp folder, run
// as the `postgres` user since PostgreSQL refuses root) on a loopback port, stopped with pg_ctl
// and restartable in place; for the `auth sql` tests and the SQL login benchmark.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
/** Debian installs each major version's programs under /usr/lib/postgresql/N/bin; the newest wins. */
export function postgresBin() {
    const root = "/usr/lib/postgresql";
    const versions = existsSync(root)
        ? readdirSync(root)
            .filter((name) => existsSync(join(root, name, "bin", "initdb")))
            .sort((a, b) => Number(b) - Number(a))
        : [];
    if (versions.length === 0)
        throw new Error("no initdb under /usr/lib/postgresql/*/bin: install the `postgresql` package");
    return join(root, versions[0], "bin");
}
const isRoot = process.getuid?.() === 0;
// PostgreSQL refuses to run as root: root runs the programs as `postgres` (setpriv execs, no extra process), anyone else as themselves.
function asPostgres(program, args) {
    const run = isRoot
        ? spawnSync("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program, ...args], { encoding: "utf8" })
        : spawnSync(program, args, { encoding: "utf8" });
    if (run.status !== 0)
        throw new Error(`${program} ${args.join(" ")} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
}
/** A new cluster: superuser `postgres` over the socket (trust), password logins (SCRAM) over TCP on 127.0.0.1. */
export async function startPostgresCluster(port) {
    const bin = postgresBin();
    const dir = await mkdtemp(join(tmpdir(), "msa-postgres-"));
    if (isRoot) {
        const user = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
        const group = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
        chownSync(dir, Number(user.stdout), Number(group.stdout));
    }
    const data = join(dir, "data");
    asPostgres(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C"]);
    const logFile = join(dir, "server.log");
    const options = `-k ${dir} -p ${port} -h 127.0.0.1 -c fsync=off`;
    let up = false;
    const cluster = {
        port,
        socketDir: dir,
        async sql(text, values, database = "postgres") {
            const client = new pg.Client({ host: dir, port, user: "postgres", database });
            await client.connect();
            try {
                return await client.query(text, values);
            }
            finally {
                await client.end();
            }
        },
        async start() {
            asPostgres(join(bin, "pg_ctl"), ["start", "-w", "-D", data, "-l", logFile, "-o", options]);
            up = true;
        },
        async stop() {
            if (!up)
                return;
            up = false;
            asPostgres(join(bin, "pg_ctl"), ["stop", "-w", "-m", "fast", "-D", data]);
        },
        async remove() {
            await cluster.stop();
            await rm(dir, { recursive: true, force: true });
        },
    };
    await cluster.start();
    return cluster;
}
//# sourceMappingURL=postgresCluster.js.map