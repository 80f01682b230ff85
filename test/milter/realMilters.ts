// Real milters from Debian for the milter tests, each started on a free loopback port in a temp
// folder and stopped after the file: rspamd's proxy worker in milter mode (no Redis: only its
// built-in checks, which refuse the GTUBE test string) and OpenDKIM signing `example.test`.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { freePort } from "../support/freePort.js";
import { type RunningProcess, startProcess } from "../support/processes.js";

export const RSPAMD = "/usr/bin/rspamd";
export const OPENDKIM = "/usr/sbin/opendkim";
export const OPENDKIM_GENKEY = "/usr/sbin/opendkim-genkey";

export interface RunningMilter {
  port: number;
  process: RunningProcess;
  dir: string;
}

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A folder the daemon's own user may use (both refuse to run as root). */
function folderFor(user: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-milter-"));
  folders.push(dir);
  execFileSync("chown", [`${user}:`, dir]);
  return dir;
}

/** Waits until something accepts connections on the port (at most `tries` attempts, 200 ms apart). */
async function listening(port: number, daemon: RunningProcess, tries = 150): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (daemon.exitCode !== null) throw new Error(`milter exited with ${daemon.exitCode}: ${daemon.stderr}${daemon.stdout}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** rspamd 3 as a milter: the proxy worker scanning itself, modules off, no DNS. */
export async function startRspamd(): Promise<RunningMilter> {
  const dir = folderFor("_rspamd");
  const port = await freePort();
  const config = `options {
  pidfile = "${dir}/rspamd.pid";
  dbdir = "${dir}";
  filters = "";
  dns { nameserver = ["127.0.0.1:1"]; timeout = 1s; retransmits = 1; }
}
logging { type = "console"; level = "error"; }
worker "rspamd_proxy" {
  bind_socket = "127.0.0.1:${port}";
  milter = yes;
  timeout = 30s;
  upstream "local" { default = yes; self_scan = yes; }
  count = 1;
}
actions { reject = 15; add_header = 6; greylist = 4; }
`;
  fs.writeFileSync(path.join(dir, "rspamd.conf"), config);
  const process = startProcess(RSPAMD, ["-f", "-c", path.join(dir, "rspamd.conf"), "-u", "_rspamd", "-g", "_rspamd"]);
  await listening(port, process);
  return { port, process, dir };
}

export interface RunningOpenDkim extends RunningMilter {
  /** The key's TXT record as a zone line for dkimpy: `mil._domainkey.example.test. IN TXT "..."`. */
  zoneLine: string;
}

/** OpenDKIM signing mail from example.test with selector `mil`, simple/simple (every byte counts). */
export async function startOpenDkim(): Promise<RunningOpenDkim> {
  const dir = folderFor("opendkim");
  const port = await freePort();
  execFileSync(OPENDKIM_GENKEY, ["-D", dir, "-d", "example.test", "-s", "mil"]);
  execFileSync("chown", ["-R", "opendkim:", dir]);
  const record = fs.readFileSync(path.join(dir, "mil.txt"), "utf8");
  const text = [...record.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join("");
  const config = [
    "Syslog no",
    "Mode s",
    "Domain example.test",
    "Selector mil",
    `KeyFile ${dir}/mil.private`,
    `Socket inet:${port}@127.0.0.1`,
    "Background no",
    "UserID opendkim",
    `PidFile ${dir}/opendkim.pid`,
    "Canonicalization simple/simple",
    // The key lies below /tmp, which others may write to.
    "RequireSafeKeys no",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "opendkim.conf"), `${config}\n`);
  const process = startProcess(OPENDKIM, ["-f", "-x", path.join(dir, "opendkim.conf")]);
  await listening(port, process);
  return { port, process, dir, zoneLine: `mil._domainkey.example.test. IN TXT "${text}"` };
}
