// A private instance of Debian's Postfix on a loopback port, standing in for the MTA msa relays
// to: its own config folder, queue and log file (maillog_file), the standard services of
// test/fixtures/postfix/services.cf, and accepted mail handed to `relayTo` (or discarded).
// Postfix must be started by root (it drops to its own user); a machine where that cannot
// happen fails the test with the reason.
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitUntilListening } from "./freePort.js";
import type { NextHop } from "./nextHop.js";

export interface PostfixNextHop {
  readonly host: string;
  readonly port: number;
  /** `smtp://127.0.0.1:PORT`, as a `deliver relay` rule writes it. */
  readonly url: string;
  /** Postfix's log so far (maillog_file). */
  log(): string;
  /** Resolves with the first log line `match` finds, checked every 50 ms; rejects after `timeoutMs`. */
  waitForLog(match: RegExp, timeoutMs?: number): Promise<string>;
  stop(): void;
}

export interface PostfixNextHopOptions {
  /** main.cf settings added to the instance's own (e.g. `smtpd_authorized_xforward_hosts`). */
  settings?: Record<string, string>;
  /** Accepted mail goes on to this next hop (relayhost); without it, it is discarded. */
  relayTo?: Pick<NextHop, "host" | "port">;
  /** Files written into the config folder before Postfix starts (main.cf names them with `${config_directory}/NAME`). */
  files?: Record<string, string>;
}

const HOST = "127.0.0.1";

export function postfixUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "Postfix can only be started by root (postfix start sets up its queue owned by the postfix user)";
  if (spawnSync("/usr/sbin/postconf", ["-d", "mail_version"]).status !== 0) return "Debian's postfix is not installed (test/debianPackages.mjs installs it)";
  return undefined;
}

export async function startPostfixNextHop(options: PostfixNextHopOptions = {}): Promise<PostfixNextHop> {
  const whyNot = postfixUnavailable();
  if (whyNot) throw new Error(`no Postfix next hop: ${whyNot}`);
  const dir = mkdtempSync(join(tmpdir(), "msa-postfix-next-hop-"));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const services = readFileSync(join("test", "fixtures", "postfix", "services.cf"), "utf8");
  writeFileSync(join(dir, "master.cf"), `${HOST}:${port} inet n - n - - smtpd\n${services}`);
  const settings: Record<string, string> = {
    compatibility_level: "3.6",
    myhostname: "postfix.example.test",
    queue_directory: join(dir, "queue"),
    data_directory: join(dir, "data"),
    mail_owner: "postfix",
    setgid_group: "postdrop",
    maillog_file: join(dir, "maillog"),
    maillog_file_prefixes: dir,
    inet_interfaces: HOST,
    inet_protocols: "ipv4",
    mydestination: "",
    mynetworks: "127.0.0.0/8",
    smtpd_relay_restrictions: "permit_mynetworks, reject",
    smtp_tls_security_level: "none",
    ...(options.relayTo ? { relayhost: `[${options.relayTo.host}]:${options.relayTo.port}`, default_transport: "smtp" } : { default_transport: "discard" }),
    ...options.settings,
  };
  writeFileSync(
    join(dir, "main.cf"),
    `${Object.entries(settings)
      .map(([name, value]) => `${name} = ${value}`)
      .join("\n")}\n`,
  );
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
  mkdirSync(join(dir, "queue"));
  mkdirSync(join(dir, "data"));
  chownSync(join(dir, "data"), Number(spawnSync("id", ["-u", "postfix"], { encoding: "utf8" }).stdout.trim()), 0);
  run(["-c", dir, "start"]);
  let running = true;
  const stop = () => {
    if (running) run(["-c", dir, "stop"]);
    running = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilListening(port, "Postfix");
  } catch (error) {
    stop();
    throw error;
  }
  const log = () => {
    try {
      return readFileSync(join(dir, "maillog"), "utf8");
    } catch {
      return "";
    }
  };
  return {
    host: HOST,
    port,
    url: `smtp://${HOST}:${port}`,
    log,
    async waitForLog(match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = log()
          .split("\n")
          .find((l) => match.test(l));
        if (line) return line;
        if (Date.now() > deadline) throw new Error(`Postfix logged no line matching ${match} within ${timeoutMs} ms:\n${log()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop,
  };
}

function run(args: string[]): void {
  const result = spawnSync("/usr/sbin/postfix", args, { encoding: "utf8", timeout: 30_000 });
  if (result.status !== 0) throw new Error(`postfix ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}`);
}

/** Postfix's master opens its listener just after `postfix start` returns. */
