// `msac serve` in production, as a process: SIGHUP / `msac reload` swaps a clean policy in (new
// sessions use it, a session in flight finishes on the old one, log events carry each policy's
// hash) and keeps the running one when the new text has errors; `metrics listen` is scraped after
// real sessions; `workers 2` serves from two processes and stops cleanly on SIGTERM.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/freePort.js";
import { startNextHop, type NextHop } from "../support/nextHop.js";
import { runProcess, startProcess, type RunningProcess } from "../support/processes.js";
import { rawSmtp } from "../support/smtplib.js";
import { codes, eventually } from "./harness.js";

const MSAC = join(resolve(import.meta.dirname, "../.."), "dist/cli/msac.js");
let dir: string;
let hop: NextHop;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "msa-operations-"));
  hop = await startNextHop();
});
afterAll(async () => {
  await hop.stop();
  await rm(dir, { recursive: true, force: true });
});

const policy = (port: number, extra: string[]) =>
  ["hostname msa.example.test", `listen 127.0.0.1:${port} plain`, "allow unauthenticated", "qualify domains example.test", "log info", `deliver relay ${hop.url}`, ...extra].join(
    "\n",
  ) + "\n";
const MESSAGE = Buffer.from("From: alice@example.test\r\nSubject: ops\r\n\r\nhello\r\n.\r\n");
const transaction = (recipients: string[]) => ["EHLO client.example", "MAIL FROM:<alice>", ...recipients.map((r) => `RCPT TO:<${r}>`), "DATA", MESSAGE];
const json = (p: RunningProcess) => p.lines.flatMap((l) => (l.json ? [l.json] : []));

async function serve(file: string, args: string[] = []): Promise<RunningProcess> {
  const msa = startProcess(process.execPath, [MSAC, "serve", file, ...args]);
  await msa.waitForLine((l) => l.json?.event === "listening", 20_000);
  return msa;
}

/** A session held open across a reload: reads one reply per command. */
async function openSession(port: number) {
  const socket = net.connect({ host: "127.0.0.1", port });
  let buffer = "";
  const waiters: ((line: string) => void)[] = [];
  const ready: string[] = [];
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf("\r\n")) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^\d{3}-/.test(line)) continue;
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else ready.push(line);
    }
  });
  const reply = () => (ready.length ? Promise.resolve(ready.shift()!) : new Promise<string>((r) => waiters.push(r)));
  await reply();
  return {
    async send(step: string | Buffer) {
      socket.write(typeof step === "string" ? `${step}\r\n` : step);
      return reply();
    },
    close: () => socket.destroy(),
  };
}

describe("hot reload", () => {
  it("swaps a clean policy in for new sessions, finishes the session in flight on the old one, and keeps it when the new text has errors", async () => {
    const port = await freePort();
    const file = join(dir, "reload.msa");
    const pidFile = join(dir, "msa.pid");
    await writeFile(file, policy(port, []));
    const msa = await serve(file, ["--pid-file", pidFile]);
    const oldHash = json(msa).find((e) => e.event === "listening")!.policy as string;

    // a session in flight: connected and greeted under the old policy
    const inFlight = await openSession(port);
    expect(await inFlight.send("EHLO client.example")).toMatch(/^250 /);

    // new policy: at most one recipient per message
    await writeFile(file, policy(port, ["limit recipients 1"]));
    const reload = await runProcess(process.execPath, [MSAC, "reload", "--pid-file", pidFile]);
    expect(reload.code).toBe(0);
    const reloaded = (await msa.waitForLine((l) => l.json?.event === "reloaded", 10_000)).json!;
    const newHash = reloaded.policy as string;
    expect(newHash).not.toBe(oldHash);
    expect(reloaded.previous).toBe(oldHash);

    // new sessions: the second recipient is refused, and their events carry the new hash
    const fresh = await rawSmtp(port, transaction(["bob", "carol"]));
    expect(codes(fresh[4])).toMatch(/^452 |^550 /);
    // the session in flight still runs the old policy: two recipients, accepted
    expect(await inFlight.send("MAIL FROM:<alice>")).toMatch(/^250 /);
    expect(await inFlight.send("RCPT TO:<bob>")).toMatch(/^250 /);
    expect(await inFlight.send("RCPT TO:<carol>")).toMatch(/^250 /);
    expect(await inFlight.send("DATA")).toMatch(/^354 /);
    expect(await inFlight.send(MESSAGE)).toMatch(/^250 /);
    inFlight.close();
    await eventually(() => json(msa).some((e) => e.event === "accept" && e.recipients === 2), 5000);
    // the fresh session delivered to bob alone under the new policy; the one in flight to both under the old
    const accept = json(msa).find((e) => e.event === "accept" && e.recipients === 2)!;
    expect(accept.policy).toBe(oldHash);
    const refusal = json(msa).find((e) => e.event === "reject")!;
    expect(refusal.policy).toBe(newHash);

    // a policy with errors: logged, the running policy stays (SIGHUP sent directly this time)
    await writeFile(file, policy(port, ["limit recipients banana"]));
    const since = msa.lines.length;
    process.kill(msa.pid, "SIGHUP");
    const failed = (await msa.waitForLine((l) => l.json?.event === "reload-failed", 10_000, since)).json!;
    expect(failed.policy).toBe(newHash);
    expect((failed.errors as string[]).join("\n")).toMatch(/banana/);
    const still = await rawSmtp(port, transaction(["bob", "carol"]));
    expect(codes(still[4])).toMatch(/^452 |^550 /);

    expect(await msa.stop("SIGTERM")).toBe(0);
  });
});

describe("metrics listen", () => {
  it("serves Prometheus text counting a real session", async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const file = join(dir, "metrics.msa");
    await writeFile(file, policy(port, ["limit recipients 1", "observe limit size 10B", `metrics listen 127.0.0.1:${metricsPort}`]));
    const msa = await serve(file);
    await msa.waitForLine((l) => l.json?.event === "metrics-listening", 10_000);
    const replies = await rawSmtp(port, transaction(["bob", "carol"]));
    expect(codes(replies.at(-1))).toBe("250 2.0.0");
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);
    expect(value("msa_sessions_total")).toBe(1);
    expect(value("msa_messages_accepted_total")).toBe(1);
    expect(value(`msa_refusals_by_rule_total{rule="${file}:7"}`)).toBe(1);
    expect(value('msa_messages_refused_total{stage="rcpt"}')).toBe(1);
    // the observed size limit let the message through and counted what it would have refused
    expect(value(`msa_would_reject_total{rule="${file}:8"}`)).toBe(1);
    expect(value("msa_message_bytes_total")).toBeGreaterThan(40);
    expect(value('msa_relay_attempts_total{result="delivered"}')).toBe(1);
    expect(value("msa_decision_duration_seconds_count")).toBeGreaterThanOrEqual(4);
    expect(value("msa_delivery_duration_seconds_count")).toBe(1);
    expect(text).toMatch(/^msa_queue_messages 0$/m);
    expect(await msa.stop("SIGTERM")).toBe(0);
  });
});

describe("workers 2", () => {
  it("serves connections from two worker processes, sums their metrics, and stops on SIGTERM", async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const file = join(dir, "workers.msa");
    await writeFile(file, policy(port, ["workers 2", `metrics listen 127.0.0.1:${metricsPort}`]));
    const msa = startProcess(process.execPath, [MSAC, "serve", file]);
    await msa.waitForLine((l) => l.json?.event === "workers-started", 30_000);
    expect(
      json(msa)
        .filter((e) => e.event === "listening")
        .map((e) => e.worker)
        .sort(),
    ).toEqual([0, 1]);
    for (let i = 0; i < 6; i++) expect(codes((await rawSmtp(port, transaction(["bob"]))).at(-1))).toBe("250 2.0.0");
    await eventually(() => json(msa).filter((e) => e.event === "accept").length === 6, 5000);
    const workers = new Set(
      json(msa)
        .filter((e) => e.event === "accept")
        .map((e) => e.worker),
    );
    expect([...workers].sort()).toEqual([0, 1]);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/^msa_messages_accepted_total 6$/m);
    expect(await msa.stop("SIGTERM")).toBe(0);
    expect(json(msa).filter((e) => e.event === "stopped" && e.worker !== undefined).length).toBe(2);
    expect(json(msa).some((e) => e.event === "stopped" && e.worker === undefined)).toBe(true);
  });
});
