// Crash safety of store and forward, end to end: `msac serve` and `msac queue run` as child
// processes, clients on several connections, SIGKILL of both mid-stream, restart, and every
// message a client saw accepted (250) must reach the next hop; duplicates are counted and reported.

import { resolve } from "node:path";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { afterAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/freePort.js";
import { startNextHop, type NextHop } from "../support/nextHop.js";
import { startProcess, type RunningProcess } from "../support/processes.js";
import { scratchSpool, storeAndForwardPolicy } from "./queueHelpers.js";

const MSAC = resolve(import.meta.dirname, "../../dist/cli/msac.js");
const CONNECTIONS = 12;
const MESSAGES_PER_CONNECTION = 40;
const KILL_AFTER_ACCEPTED = 120;
/** ...and once the runner is forwarding, so the kill also cuts relay attempts in flight; but at
 * the latest at 70 % accepted, so the clients are always cut mid-stream */
const KILL_AFTER_FORWARDED = 5;
const KILL_AT_THE_LATEST = Math.floor(0.7 * CONNECTIONS * MESSAGES_PER_CONNECTION);

let hop: NextHop | undefined;
afterAll(async () => {
  await hop?.stop();
});

/** Sends messages one after another on one connection; resolves with the ids answered 250 and stops at the first failure. */
async function sendBatch(port: number, ids: string[], accepted: Set<string>): Promise<number> {
  const connection = new SMTPConnection({
    host: "127.0.0.1",
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 2000,
    greetingTimeout: 2000,
    socketTimeout: 5000,
    logger: false,
  });
  // nodemailer may never call back when the server dies mid-command: race its error and end events
  const broken = new Promise<never>((_, fail) => {
    connection.on("error", fail);
    connection.on("end", () => fail(new Error("connection closed")));
  });
  broken.catch(() => undefined);
  const step = <T>(work: Promise<T>): Promise<T> => Promise.race([work, broken]);
  let sent = 0;
  try {
    await step(new Promise<void>((done, fail) => connection.connect((error) => (error ? fail(error) : done()))));
    for (const id of ids) {
      const message = `From: client@example.test\r\nTo: sink@example.test\r\nSubject: crash test\r\nX-Test-Id: ${id}\r\n\r\nbody of ${id}\r\n`;
      await step(
        new Promise<void>((done, fail) => connection.send({ from: "client@example.test", to: ["sink@example.test"] }, message, (error) => (error ? fail(error) : done()))),
      );
      accepted.add(id); // the client saw 250
      sent++;
    }
  } catch {
    // the server died under us, or refused (451 while going down): the rest is sent again later
  } finally {
    connection.close();
  }
  return sent;
}

function testIds(raw: Buffer): string | undefined {
  return /^X-Test-Id: (\S+)/m.exec(raw.toString("utf8"))?.[1];
}

describe("store and forward across SIGKILL", () => {
  it("forwards every accepted message after a crash and restart", { timeout: 120_000 }, async () => {
    hop = await startNextHop();
    const dir = await scratchSpool();
    const port = await freePort();
    const policy = await storeAndForwardPolicy(dir, "crash", port, hop.url, ["log info"]);
    const startServer = async (): Promise<RunningProcess> => {
      const server = startProcess(process.execPath, [MSAC, "serve", policy]);
      await server.waitForLine((line) => line.json?.event === "listening", 15_000);
      return server;
    };
    const startRunner = async (): Promise<RunningProcess> => {
      const runner = startProcess(process.execPath, [MSAC, "queue", "run", "--policy", policy]);
      await runner.waitForLine((line) => line.json?.event === "queue-started", 15_000);
      return runner;
    };

    let server = await startServer();
    let runner = await startRunner();
    const accepted = new Set<string>();
    let killed = false;
    // a client whose connection broke waits for the restarted server, then sends the rest
    let restarted!: () => void;
    const serverBack = new Promise<void>((resolve) => (restarted = resolve));
    const clients = Array.from({ length: CONNECTIONS }, async (_, client) => {
      const ids = Array.from({ length: MESSAGES_PER_CONNECTION }, (_, n) => `c${client}-m${n}`);
      const deadline = Date.now() + 60_000;
      while (ids.length > 0 && Date.now() < deadline) {
        const sent = await sendBatch(port, ids, accepted);
        ids.splice(0, sent);
        // a message whose 250 was lost is sent again with the same id: it may arrive twice
        if (ids.length > 0) await serverBack;
      }
      return ids.length;
    });
    // mid-stream: kill both without warning, then bring them back
    await eventually(() => (accepted.size >= KILL_AFTER_ACCEPTED && hop!.messages.length >= KILL_AFTER_FORWARDED) || accepted.size >= KILL_AT_THE_LATEST, 20_000).catch(() => {
      throw new Error(`only ${accepted.size} accepted, ${hop!.messages.length} forwarded in 20 s\n${server.stdout}\n${runner.stdout}`);
    });
    const acceptedAtKill = accepted.size;
    const deliveredAtKill = hop.messages.length;
    server.child.kill("SIGKILL");
    runner.child.kill("SIGKILL");
    await Promise.all([server.waitForExit(), runner.waitForExit()]);
    killed = true;
    expect(acceptedAtKill).toBeLessThan(CONNECTIONS * MESSAGES_PER_CONNECTION);
    server = await startServer();
    restarted();
    runner = await startRunner();
    const unsent = await Promise.all(clients);
    expect(unsent.every((n) => n === 0)).toBe(true);
    expect(killed).toBe(true);

    const total = CONNECTIONS * MESSAGES_PER_CONNECTION;
    expect(accepted.size).toBe(total);
    const arrived = (): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const message of hop!.messages) {
        const id = testIds(message.raw);
        if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    };
    // at most a minute for the rest to arrive; what does not is reported as lost below
    await hop.waitUntil((messages) => messages.length >= accepted.size && [...accepted].every((id) => arrived().has(id)), 60_000).catch(() => undefined);
    const counts = arrived();
    const lost = [...accepted].filter((id) => !counts.has(id));
    const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
    console.log(
      `crash test: ${total} messages over ${CONNECTIONS} connections; SIGKILL of serve and queue run after ${acceptedAtKill} accepted ` +
        `(${deliveredAtKill} already at the next hop); after restart ${counts.size} distinct arrived, ${lost.length} lost, ${duplicates} duplicate(s)`,
    );
    expect(lost).toEqual([]);
    expect(counts.size).toBe(total);
    await Promise.all([server.stop(), runner.stop()]);
    expect(server.exitCode).toBe(0);
    expect(runner.exitCode).toBe(0);
  });
});
