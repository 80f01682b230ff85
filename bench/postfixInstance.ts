// A private, throwaway Postfix instance for the bench: its own config_directory (main.cf,
// master.cf, SASL config and sasldb), queue_directory and data_directory in a temporary
// folder, listening on 127.0.0.1 only, on ports the bench picks, relaying to the bench's
// sink. It shares nothing with the system's default instance (another queue, hence another
// master lock; no port 25; its own myhostname, syslog_name and maillog_file), and it is
// stopped and removed by stop(), which is safe to call after a failed start.
// Needs root (Postfix's master must start as root and drop to the `postfix` user).
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { BENCH_DOMAIN, BENCH_LOGIN, BENCH_PASSWORD, senderEntry } from "./benchPolicy.js";
import { freePort } from "./processes.js";

const run = promisify(execFile);

export interface PostfixInstanceOptions {
  /** The `postfix` command. */
  postfix: string;
  certificate: string;
  key: string;
  sinkPort: number;
  /** Generated `senders` entries besides the bench login's own, as in the msa policy (default 100). */
  senderEntries?: number;
  /**
   * Store only: every message goes to the hold queue (`header_checks`, `/^Subject:/ HOLD`), so
   * nothing is forwarded; with `in_flow_delay = 0`, since no queue manager hands out the flow
   * tokens for held mail and smtpd would otherwise pause up to a second per message.
   */
  holdEverything?: boolean;
  /** `default_process_limit` (Postfix's default is 100: as many smtpd processes as sessions). */
  processLimit?: number;
}

export interface PostfixInstance {
  dir: string;
  /** STARTTLS + AUTH required (the bench policy's nearest equivalent). */
  submissionPort: number;
  /** No TLS, no AUTH, permit_mynetworks (for smtp-source). */
  plainPort: number;
  /** The instance's own log (maillog_file), for error messages. */
  log(): string;
  /** The master's PID (its children are every other process of the instance). */
  masterPid(): number;
  /** `postconf -c DIR -h NAME`: the value the instance runs with. */
  setting(name: string): string;
  stop(): Promise<void>;
}

function findSaslpasswd2(): string | undefined {
  return ["/usr/sbin/saslpasswd2", "/usr/bin/saslpasswd2", "/usr/local/sbin/saslpasswd2"].find((candidate) => fs.existsSync(candidate));
}

function masterCf(submissionPort: number, plainPort: number): string {
  // Only loopback inet services; no chroot (a chroot would need copies of /etc files in the queue).
  const services = [
    `127.0.0.1:${submissionPort} inet n - n - - smtpd`,
    "  -o syslog_name=postfix-bench/submission",
    "  -o smtpd_tls_security_level=encrypt",
    "  -o smtpd_sasl_auth_enable=yes",
    "  -o smtpd_tls_auth_only=yes",
    "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject",
    "  -o smtpd_sender_restrictions=reject_sender_login_mismatch",
    "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject",
    "  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject",
    `127.0.0.1:${plainPort} inet n - n - - smtpd`,
    "  -o syslog_name=postfix-bench/plain",
    "  -o smtpd_tls_security_level=none",
    "  -o smtpd_sasl_auth_enable=no",
    "  -o smtpd_relay_restrictions=permit_mynetworks,reject",
    "  -o smtpd_recipient_restrictions=permit_mynetworks,reject",
    "pickup     unix  n - n 60    1 pickup",
    "cleanup    unix  n - n -     0 cleanup",
    "qmgr       unix  n - n 300   1 qmgr",
    "tlsmgr     unix  - - n 1000? 1 tlsmgr",
    "rewrite    unix  - - n -     - trivial-rewrite",
    "bounce     unix  - - n -     0 bounce",
    "defer      unix  - - n -     0 bounce",
    "trace      unix  - - n -     0 bounce",
    "verify     unix  - - n -     1 verify",
    "flush      unix  n - n 1000? 0 flush",
    "proxymap   unix  - - n -     - proxymap",
    "proxywrite unix  - - n -     1 proxymap",
    "smtp       unix  - - n -     - smtp",
    "relay      unix  - - n -     - smtp",
    "showq      unix  n - n -     - showq",
    "error      unix  - - n -     - error",
    "retry      unix  - - n -     - error",
    "discard    unix  - - n -     - discard",
    "local      unix  - n n -     - local",
    "anvil      unix  - - n -     1 anvil",
    "scache     unix  - - n -     1 scache",
    "postlog    unix-dgram n - n - 1 postlogd",
  ];
  return services.join("\n") + "\n";
}

function mainCf(dir: string, options: PostfixInstanceOptions): string {
  return [
    "compatibility_level = 3.6",
    `queue_directory = ${path.join(dir, "queue")}`,
    `data_directory = ${path.join(dir, "data")}`,
    "syslog_name = postfix-bench",
    `maillog_file = ${path.join(dir, "maillog")}`,
    `maillog_file_prefixes = ${dir}`,
    "myhostname = postfix-bench.bench.test",
    `mydomain = ${BENCH_DOMAIN}`,
    "myorigin = $mydomain",
    "mydestination =",
    "local_recipient_maps =",
    "relay_domains =",
    "alias_maps =",
    "alias_database =",
    "biff = no",
    "inet_interfaces = 127.0.0.1",
    "inet_protocols = ipv4",
    "mynetworks = 127.0.0.0/8",
    `relayhost = [127.0.0.1]:${options.sinkPort}`,
    "smtp_tls_security_level = none",
    `smtpd_tls_cert_file = ${options.certificate}`,
    `smtpd_tls_key_file = ${options.key}`,
    "smtpd_tls_security_level = may",
    "smtpd_sasl_type = cyrus",
    "smtpd_sasl_path = smtpd",
    `cyrus_sasl_config_path = ${path.join(dir, "sasl")}`,
    `smtpd_sasl_local_domain = ${BENCH_DOMAIN}`,
    `smtpd_sender_login_maps = texthash:${path.join(dir, "senders")}`,
    "smtpd_relay_restrictions = permit_sasl_authenticated, reject",
    "append_dot_mydomain = yes",
    "always_add_missing_headers = yes",
    "message_size_limit = 10485760",
    "smtpd_recipient_limit = 50",
    // The bench's clients all come from 127.0.0.1: no per-client rate limits.
    "smtpd_client_connection_rate_limit = 0",
    "smtpd_client_connection_count_limit = 0",
    // msa looks no client name up: neither does Postfix here (like for like)
    "smtpd_peername_lookup = no",
    `default_process_limit = ${options.processLimit ?? 100}`,
    ...(options.holdEverything ? [`header_checks = regexp:${path.join(dir, "hold_everything")}`, "in_flow_delay = 0"] : []),
    "",
  ].join("\n");
}

export async function startPostfixInstance(options: PostfixInstanceOptions): Promise<PostfixInstance> {
  const saslpasswd2 = findSaslpasswd2();
  if (!saslpasswd2) throw new Error("saslpasswd2 not found (apt-get install sasl2-bin libsasl2-modules)");
  if (typeof process.getuid === "function" && process.getuid() !== 0) throw new Error("starting a private Postfix instance needs root (its master starts as root)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-bench-postfix-"));
  // smtpd runs as the postfix user and must reach the sasldb and the senders table.
  fs.chmodSync(dir, 0o755);
  let started = false;
  const postfix = (command: string) => run(options.postfix, ["-c", dir, command], { timeout: 60_000 });
  const instance: PostfixInstance = {
    dir,
    submissionPort: 0,
    plainPort: 0,
    log: () => {
      try {
        return fs.readFileSync(path.join(dir, "maillog"), "utf8");
      } catch {
        return "";
      }
    },
    masterPid() {
      return Number(fs.readFileSync(path.join(dir, "queue", "pid", "master.pid"), "utf8").trim());
    },
    setting(name: string) {
      return execFileSync(path.join(path.dirname(options.postfix), "postconf"), ["-c", dir, "-h", name], { encoding: "utf8" }).trim();
    },
    async stop() {
      try {
        if (started) await postfix("stop").catch(() => postfix("abort"));
        // master exits asynchronously after `stop`; wait for its pid file to go.
        const pidFile = path.join(dir, "queue", "pid", "master.pid");
        for (let i = 0; i < 100 && started && fs.existsSync(pidFile); i++) {
          const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
          if (!pid || !alive(pid)) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        if (!process.env.MSA_BENCH_KEEP_POSTFIX) fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    instance.submissionPort = await freePort();
    instance.plainPort = await freePort();
    for (const sub of ["queue", "data", "sasl"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.chmodSync(path.join(dir, "sasl"), 0o755);
    fs.writeFileSync(path.join(dir, "main.cf"), mainCf(dir, options));
    fs.writeFileSync(path.join(dir, "master.cf"), masterCf(instance.submissionPort, instance.plainPort));
    if (options.holdEverything) fs.writeFileSync(path.join(dir, "hold_everything"), "/^Subject:/ HOLD store only\n");
    // The same senders table as the msa policy: the bench login's own address plus generated ones.
    const senders = [`${BENCH_LOGIN}@${BENCH_DOMAIN} ${BENCH_LOGIN}, ${BENCH_LOGIN}@${BENCH_DOMAIN}`];
    for (let index = 0; index < (options.senderEntries ?? 100); index++) {
      const { login, address } = senderEntry(index);
      senders.push(`${address} ${login}`, `${login}.alias@${BENCH_DOMAIN} ${login}`);
    }
    fs.writeFileSync(path.join(dir, "senders"), senders.join("\n") + "\n");
    const sasldb = path.join(dir, "sasl", "sasldb2");
    fs.writeFileSync(
      path.join(dir, "sasl", "smtpd.conf"),
      [`pwcheck_method: auxprop`, `auxprop_plugin: sasldb`, `mech_list: PLAIN LOGIN`, `sasldb_path: ${sasldb}`, ""].join("\n"),
    );
    await new Promise<void>((resolve, reject) => {
      const child = execFile(saslpasswd2, ["-p", "-c", "-f", sasldb, "-u", BENCH_DOMAIN, BENCH_LOGIN], (error) => (error ? reject(error) : resolve()));
      child.stdin!.end(BENCH_PASSWORD);
    });
    await run("chown", ["postfix:postfix", sasldb, path.join(dir, "data")]);
    fs.chmodSync(sasldb, 0o640);
    started = true;
    // If the bench dies without stop(), do not leave a master running: abort it on exit.
    const abortOnExit = () => {
      try {
        execFileSync(options.postfix, ["-c", dir, "abort"], { stdio: "ignore", timeout: 10_000 });
      } catch {
        // already stopped
      }
    };
    process.once("exit", abortOnExit);
    const stop = instance.stop;
    instance.stop = async () => {
      process.removeListener("exit", abortOnExit);
      await stop();
    };
    await postfix("start");
    await waitForSmtp(instance.submissionPort);
    await waitForSmtp(instance.plainPort);
    return instance;
  } catch (error) {
    const log = instance
      .log()
      .split("\n")
      .filter((line) => /fatal|error|panic/.test(line))
      .slice(-3)
      .join(" | ");
    await instance.stop().catch(() => undefined);
    const stderr = String((error as { stderr?: unknown }).stderr ?? "")
      .trim()
      .split("\n")
      .slice(-3)
      .join(" | ");
    throw new Error(`postfix instance: ${(error as Error).message.split("\n")[0]}${stderr ? ` (${stderr})` : ""}${log ? ` (maillog: ${log})` : ""}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForSmtp(port: number, timeoutMs = 20_000): Promise<void> {
  const { connect } = await import("node:net");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const greeting = await new Promise<string>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      let text = "";
      const done = (value: string) => {
        socket.destroy();
        resolve(value);
      };
      socket.setTimeout(2_000, () => done(text));
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("\n")) {
          socket.write("QUIT\r\n");
          done(text);
        }
      });
      socket.once("error", () => done(""));
    });
    if (greeting.startsWith("220")) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`postfix smtpd does not greet on 127.0.0.1:${port} after ${timeoutMs} ms`);
}
