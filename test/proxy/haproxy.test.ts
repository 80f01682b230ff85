// msa behind a real HAProxy (Debian's haproxy), configured as deploy/haproxy.cfg is: PROXY v2 to
// both listeners, and health checks every few hundred milliseconds that send the header too.
// The checks must not fill the log with refusals, and clients must come through with their address.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/freePort.js";
import { rawSmtp } from "../support/smtplib.js";
import { codes, eventually, startMsa, type RunningMsa } from "../server/harness.js";

let haproxy: ChildProcess;
let dir: string;
let msa: RunningMsa;
let frontends: { submission: number; submissions: number };

beforeAll(async () => {
  msa = await startMsa([
    "hostname msa.example.test",
    "{TLS}",
    "listen 127.0.0.1:2587 starttls proxy from 127.0.0.1",
    "listen 127.0.0.1:2465 tls proxy from 127.0.0.1",
    'auth users "users.passwd"',
    "require tls",
    "require auth",
    'deliver spool "spool"',
  ]);
  frontends = { submission: await freePort(), submissions: await freePort() };
  dir = await mkdtemp(join(tmpdir(), "msa-haproxy-"));
  const config = [
    "global",
    "    maxconn 100",
    `    stats socket ${join(dir, "haproxy.sock")}`,
    "defaults",
    "    mode tcp",
    "    timeout connect 2s",
    "    timeout client 30s",
    "    timeout server 30s",
    "frontend submission",
    `    bind 127.0.0.1:${frontends.submission}`,
    "    default_backend msa_submission",
    "frontend submissions",
    `    bind 127.0.0.1:${frontends.submissions}`,
    "    default_backend msa_submissions",
    "backend msa_submission",
    "    option smtpchk EHLO haproxy.invalid",
    `    server msa1 127.0.0.1:${msa.ports[0]} send-proxy-v2 check check-send-proxy inter 200ms`,
    "backend msa_submissions",
    `    server msa1 127.0.0.1:${msa.ports[1]} send-proxy-v2 check check-send-proxy inter 200ms`,
    "",
  ].join("\n");
  await writeFile(join(dir, "haproxy.cfg"), config);
  haproxy = spawn("/usr/sbin/haproxy", ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: "ignore" });
});

afterAll(async () => {
  haproxy?.kill("SIGTERM");
  await new Promise((resolve) => haproxy?.once("exit", resolve));
  await rm(dir, { recursive: true, force: true });
});

/** How many backend servers HAProxy reports UP after a successful check (`show stat` on its stats socket). */
async function serversPassingChecks(socketPath: string): Promise<number> {
  const csv = await new Promise<string>((resolve) => {
    let text = "";
    const socket = connect(socketPath, () => socket.end("show stat\n"));
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.on("close", () => resolve(text));
    socket.on("error", () => resolve("")); // not listening yet
  });
  const [header, ...rows] = csv.trim().split("\n");
  const names = (header ?? "").replace(/^# /, "").split(",");
  const field = (row: string, name: string) => row.split(",")[names.indexOf(name)];
  return rows.filter((row) => !/^(FRONTEND|BACKEND)$/.test(field(row, "svname") ?? "") && field(row, "status") === "UP" && /^L[47]OK$/.test(field(row, "check_status") ?? ""))
    .length;
}

describe("behind HAProxy", () => {
  it("logs no refusal for its health checks on either listener, and serves clients with their own address", async () => {
    // HAProxy has seen both servers pass their checks, and msa has answered a few rounds of them
    // (every 200 ms; the checks of the implicit TLS listener end before TLS, so msa logs none)
    const checksSeen = () => msa.logs.filter((l) => l.event === "connect" && l.mode === "starttls" && msa.logs.some((c) => c.event === "close" && c.session === l.session)).length;
    await eventually(async () => checksSeen() >= 3 && (await serversPassingChecks(join(dir, "haproxy.sock"))) === 2, 15_000, 50);
    const [greeting, ehlo] = await rawSmtp(frontends.submissions, ["EHLO client.example"], { tls: true, ca: msa.pki.caCertPem });
    expect(greeting).toMatch(/^220 msa\.example\.test/);
    expect(codes(ehlo)).toMatch(/^250/);
    const [plainGreeting] = await rawSmtp(frontends.submission, ["EHLO client.example"]);
    expect(plainGreeting).toMatch(/^220 msa\.example\.test/);
    await eventually(() => msa.logs.filter((l) => l.event === "connect").length >= 4);
    expect(msa.logs.filter((l) => l.event === "proxy-refused")).toEqual([]);
    expect(msa.logs.filter((l) => l.level === "warn" || l.level === "error")).toEqual([]);
    expect(msa.logs.filter((l) => l.event === "connect").every((l) => l.client === "127.0.0.1")).toBe(true);
  });
});
