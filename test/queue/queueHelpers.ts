// Shared set-up for the queue tests: scratch spool folders, queued records, a runner on a manual
// clock against a next hop, and reading DSNs back from what the next hop received.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { Envelope } from "../../runtime/deliver/envelope.js";
import { writeSpoolRecord } from "../../runtime/deliver/spoolWriter.js";
import type { ManualClock } from "../../runtime/queue/clock.js";
import { QueueRunner, type QueueRunnerOptions } from "../../runtime/queue/queueRunner.js";

const scratch: string[] = [];
const runners: QueueRunner[] = [];
afterEach(async () => {
  for (const runner of runners.splice(0)) await runner.stop();
  while (scratch.length) await rm(scratch.pop()!, { recursive: true, force: true });
});

export async function scratchSpool(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "msa-queue-test-"));
  scratch.push(dir);
  return dir;
}

export function testMessage(subject: string, body = "Hello.\r\n"): Buffer {
  return Buffer.from(`From: alice@example.test\r\nTo: bob@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, "")}@example.test>\r\n\r\n${body}`);
}

export async function queueMessage(dir: string, envelope: Envelope, message: Buffer, clock: ManualClock): Promise<string> {
  const outcome = await writeSpoolRecord(dir, envelope, message, {}, { receivedAt: new Date(clock.now()) });
  if (outcome.kind !== "accepted") throw new Error(`spool write failed: ${outcome.text}`);
  return outcome.id;
}

/** A runner that is not started (no poll loop): tests drive it with clock.advance and runDue. */
export function manualRunner(dir: string, url: string, clock: ManualClock, options: Partial<QueueRunnerOptions> = {}): QueueRunner {
  const runner = new QueueRunner({
    dir,
    relay: { url },
    hostname: "msa.example.test",
    clock,
    random: () => 0.5, // jitter factor exactly 1: waits are initialMs * factor^n
    relayOptions: { totalTimeoutMs: 10_000 },
    ...options,
  });
  runners.push(runner);
  return runner;
}

/** The parts of a multipart/report DSN, split on its boundary. */
export function dsnParts(raw: Buffer): { head: string; parts: string[] } {
  const text = raw.toString("utf8");
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
  if (!boundary) throw new Error(`not a multipart message:\n${text}`);
  const split = text.split(`--${boundary}`);
  return { head: split[0]!, parts: split.slice(1, -1).map((part) => part.replace(/^\r\n/, "")) };
}

/**
 * Writes DIR/NAME.msa for `msac serve`: plain SMTP on 127.0.0.1:PORT, store and forward to
 * `hopUrl` with the spool in DIR/spool; `extra` lines (log level, workers) go before the deliver
 * rule. Returns the policy's path.
 */
export async function storeAndForwardPolicy(dir: string, name: string, port: number, hopUrl: string, extra: string[]): Promise<string> {
  const policy = join(dir, `${name}.msa`);
  const lines = ["hostname msa.example.test", `listen 127.0.0.1:${port} plain`, "allow unauthenticated", "qualify domains example.test", ...extra];
  await writeFile(policy, [...lines, `deliver spool "spool" relay ${hopUrl}`, ""].join("\n"));
  return policy;
}
