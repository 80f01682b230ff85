// Starts Debian's PostgreSQL in a temporary folder on a free loopback port (trust logins, no
// fsync), so that Dovecot's SQL passdb in the tests reads a real database. PostgreSQL refuses to
// run as root, so its programs run as the `postgres` user (setpriv execs, so the pid is the server's).
import { readdirSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/freePort.js";
import { runProcess, startProcess } from "../support/processes.js";

/** The programs of the newest PostgreSQL Debian installed (`postgresql` depends on one version). */
export const POSTGRES_BIN = `/usr/lib/postgresql/${readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a))[0]}/bin`;
const POSTGRES_USER = "postgres";

export interface PostgresServer {
  port: number;
  /** Runs SQL statements through psql in the `postgres` database; rejects with psql's error. */
  sql(statements: string): Promise<void>;
  stop(): Promise<void>;
}

const asPostgres = (program: string, args: string[]): [string, string[]] => [
  "/usr/bin/setpriv",
  ["--reuid", POSTGRES_USER, "--regid", POSTGRES_USER, "--init-groups", "--", join(POSTGRES_BIN, program), ...args],
];

export async function startPostgres(): Promise<PostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), "msa-postgres-"));
  const ids = await runProcess("/usr/bin/id", ["-u", POSTGRES_USER]);
  const gids = await runProcess("/usr/bin/id", ["-g", POSTGRES_USER]);
  await chown(dir, Number(ids.stdout), Number(gids.stdout));
  const data = join(dir, "data");
  const init = await runProcess(...asPostgres("initdb", ["-D", data, "-A", "trust", "-U", POSTGRES_USER, "--no-sync", "-E", "UTF8"]), { timeoutMs: 60_000 });
  if (init.code !== 0) throw new Error(`initdb failed:\n${init.stderr}`);
  const port = await freePort();
  const server = startProcess(...asPostgres("postgres", ["-D", data, "-k", dir, "-h", "127.0.0.1", "-p", String(port), "-F"]));
  await eventually(
    async () => {
      if (server.exitCode !== null) throw new Error(`postgres exited with status ${server.exitCode}:\n${server.stderr}`);
      return (await runProcess(join(POSTGRES_BIN, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)])).code === 0;
    },
    30_000,
    100,
  );
  return {
    port,
    async sql(statements) {
      const run = await runProcess(join(POSTGRES_BIN, "psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", POSTGRES_USER, "-v", "ON_ERROR_STOP=1", "-q", "-c", statements]);
      if (run.code !== 0) throw new Error(`psql failed:\n${run.stderr}`);
    },
    async stop() {
      await server.stop("SIGTERM", 10_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
