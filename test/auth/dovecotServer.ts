// Starts Debian's Dovecot (dovecot-core) in a temporary folder with only its auth service: the
// `auth-client` socket and a loopback TCP listener, a passwd-file passdb and, when asked, a SQL
// (PostgreSQL) passdb and userdb after it. Runs as root in the foreground (`dovecot -F`) with the
// Debian users `dovecot`/`dovenull` for its own processes; restartable in place.
import { connect } from "node:net";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/freePort.js";
import { runProcess, startProcess, type RunningProcess } from "../support/processes.js";
import type { PostgresCluster } from "../support/postgres.js";

export const DOVECOT = "/usr/sbin/dovecot";
export const DOVEADM = "/usr/bin/doveadm";

export interface DovecotOptions {
  /** passwd-file logins and their passwords (stored as SHA512-CRYPT hashes). */
  users: Record<string, string>;
  /** A SQL passdb (for encrypted sessions only) and userdb after the passwd-file, reading the `mail_users` table (see `addSqlUsers`). */
  postgres?: PostgresCluster;
  /** `auth_mechanisms` (default `plain login`). */
  mechanisms?: string;
}

export interface DovecotServer {
  /** The `auth-client` unix socket. */
  socketPath: string;
  /** The auth service's loopback TCP port. */
  port: number;
  /** Its log (Dovecot logs to stderr here). */
  readonly log: string;
  /**
   * Stops it as `systemctl stop dovecot` does (SIGTERM to every process of the service, not only the
   * master: Dovecot's auth process would otherwise keep serving the connections it has for a while).
   */
  stop(): Promise<void>;
  /** Kills the auth process alone (the master starts a new one): connections to it drop mid-request. */
  killAuthProcess(): Promise<void>;
  /** Starts it again with the same folder, socket and port. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

/** A password hash as `doveadm pw` makes it, `{SCHEME}` prefix included. */
export async function dovecotHash(password: string, scheme = "SHA512-CRYPT"): Promise<string> {
  const run = await runProcess(DOVEADM, ["-c", "/dev/null", "pw", "-s", scheme, "-p", password]);
  if (run.code !== 0) throw new Error(`doveadm pw failed: ${run.stderr}`);
  return run.stdout.trim();
}

/** Creates the table the SQL passdb reads (if missing) and adds logins with BLF-CRYPT hashes. */
export async function addSqlUsers(postgres: PostgresCluster, users: Record<string, string>): Promise<void> {
  const rows = await Promise.all(Object.entries(users).map(async ([login, password]) => `('${login}', '${await dovecotHash(password, "BLF-CRYPT")}')`));
  await postgres.sql(`CREATE TABLE IF NOT EXISTS mail_users (username text PRIMARY KEY, password text NOT NULL); INSERT INTO mail_users VALUES ${rows.join(", ")};`);
}

export async function startDovecot(options: DovecotOptions): Promise<DovecotServer> {
  const dir = await mkdtemp(join(tmpdir(), "msa-dovecot-"));
  // Dovecot's auth process runs as `dovecot` and reads the passwd-file from here.
  await chmod(dir, 0o755);
  const port = await freePort();
  const usersFile = join(dir, "users");
  const lines = await Promise.all(Object.entries(options.users).map(async ([login, password]) => `${login}:${await dovecotHash(password)}::::::`));
  await writeFile(usersFile, lines.join("\n") + "\n");
  const sql = options.postgres
    ? [
        "driver = pgsql",
        // Over the cluster's unix socket, where the superuser needs no password.
        `connect = host=${options.postgres.socketDir} port=${options.postgres.port} dbname=postgres user=postgres`,
        // SQL logins only on encrypted sessions: `%c` is `secured` when the auth client says the session is.
        "password_query = SELECT username AS user, password FROM mail_users WHERE username = '%u' AND '%c' = 'secured'",
        "user_query = SELECT '/nonexistent' AS home, 65534 AS uid, 65534 AS gid FROM mail_users WHERE username = '%u'",
      ]
    : [];
  if (sql.length > 0) await writeFile(join(dir, "dovecot-sql.conf.ext"), sql.join("\n") + "\n");
  // Dovecot's auth worker (user `dovecot`) reaches the cluster's socket through its folder.
  if (options.postgres) await chmod(options.postgres.socketDir, 0o711);
  const config = [
    `base_dir = ${join(dir, "run")}`,
    `state_dir = ${join(dir, "state")}`,
    "log_path = /dev/stderr",
    "protocols =",
    "default_internal_user = dovecot",
    "default_login_user = dovenull",
    `auth_mechanisms = ${options.mechanisms ?? "plain login"}`,
    // Logins are compared in lower case and answered that way (the canonical name msa records).
    "auth_username_format = %Lu",
    "auth_verbose = yes",
    // msa delays failed logins itself; Dovecot's own 2 s on top would only slow the tests.
    "auth_failure_delay = 0",
    "ssl = no",
    "passdb {",
    "  driver = passwd-file",
    `  args = scheme=SHA512-CRYPT username_format=%u ${usersFile}`,
    "}",
    ...(sql.length > 0
      ? ["passdb {", "  driver = sql", `  args = ${join(dir, "dovecot-sql.conf.ext")}`, "}", "userdb {", "  driver = sql", `  args = ${join(dir, "dovecot-sql.conf.ext")}`, "}"]
      : []),
    "userdb {",
    "  driver = static",
    "  args = uid=nobody gid=nogroup home=/nonexistent",
    "}",
    "service auth {",
    "  unix_listener auth-client {",
    "    mode = 0666",
    "  }",
    "  inet_listener {",
    "    address = 127.0.0.1",
    `    port = ${port}`,
    "  }",
    "}",
  ];
  const configFile = join(dir, "dovecot.conf");
  await writeFile(configFile, config.join("\n") + "\n");
  const socketPath = join(dir, "run", "auth-client");

  let running: RunningProcess | null = null;
  let log = "";
  const start = async (): Promise<void> => {
    const started = startProcess(DOVECOT, ["-c", configFile, "-F"]);
    running = started;
    await eventually(
      async () => {
        if (started.exitCode !== null) throw new Error(`dovecot exited with status ${started.exitCode}:\n${started.stderr}`);
        return (await accepts(socketPath)) && (await accepts(port));
      },
      15_000,
      50,
    );
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    const stopping = running;
    running = null;
    for (const child of await childrenOf(stopping.pid)) process.kill(child.pid, "SIGTERM");
    await stopping.stop("SIGTERM", 10_000);
    log += stopping.stderr;
  };
  try {
    await start();
  } catch (error) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    socketPath,
    port,
    get log() {
      return log + (running?.stderr ?? "");
    },
    stop,
    async killAuthProcess() {
      const auth = running && (await childrenOf(running.pid)).find((child) => child.name === "auth");
      if (!auth) throw new Error("Dovecot has no auth process running");
      process.kill(auth.pid, "SIGKILL");
    },
    async restart() {
      await stop();
      await start();
    },
    async remove() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The processes `pid` started (Dovecot's master starts each service as a child). */
async function childrenOf(pid: number): Promise<{ pid: number; name: string }[]> {
  const run = await runProcess("/usr/bin/ps", ["-o", "pid=,comm=", "--ppid", String(pid)]);
  return run.stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([child, name]) => child && name)
    .map(([child, name]) => ({ pid: Number(child), name: name! }));
}

/** Whether a connection to the unix socket path or loopback port is accepted. */
function accepts(where: string | number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = typeof where === "string" ? connect({ path: where }) : connect({ host: "127.0.0.1", port: where });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
