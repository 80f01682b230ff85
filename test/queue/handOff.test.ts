// The hand-off from the accepting side to the queue runner: a record the server accepts is
// attempted at once, without a scan of new/ (the runner's clock never moves, so no scan ever
// runs); a burst arrives exactly once; a record another process changed after the hand-off is
// read back from disk; and with `workers 2` the primary's runner delivers every worker's records once.

import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import nodemailer from "nodemailer";
import { afterEach, describe, expect, it } from "vitest";
import { type StoredRecord, rewriteSpoolRecord, SpoolWriter, writeSpoolRecord } from "../../runtime/deliver/spoolWriter.js";
import { ManualClock } from "../../runtime/queue/clock.js";
import { startQueueRunner } from "../../runtime/queue/queueFromPolicy.js";
import { DEFAULT_POLL_INTERVAL_MS } from "../../runtime/queue/queueRunner.js";
import { initialQueueState } from "../../runtime/queue/queueState.js";
import { startMsa } from "../server/harness.js";
import { freePort } from "../support/freePort.js";
import { startNextHop, type NextHop, type NextHopMessage } from "../support/nextHop.js";
import { startProcess } from "../support/processes.js";
import { manualRunner, scratchSpool, storeAndForwardPolicy, testMessage } from "./queueHelpers.js";

const MSAC = resolve(import.meta.dirname, "../../dist/cli/msac.js");
const silent = { info() {}, warn() {}, error() {} };

const hops: NextHop[] = [];
afterEach(async () => {
  for (const hop of hops.splice(0)) await hop.stop();
});
async function nextHop(): Promise<NextHop> {
  const hop = await startNextHop();
  hops.push(hop);
  return hop;
}

const storeAndForward = (hop: NextHop) => [
  "hostname msa.example.test",
  "listen 127.0.0.1:2525 plain",
  "allow unauthenticated",
  "qualify domains example.test",
  `deliver spool "{DIR}/spool" relay ${hop.url}`,
];

/** `count` messages with an X-Test-Id each, over `connections` sessions of one real client. */
async function sendBurst(port: number, count: number, connections: number): Promise<void> {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true, pool: true, maxConnections: connections });
  try {
    await Promise.all(
      Array.from({ length: count }, (_, n) =>
        transport.sendMail({
          envelope: { from: "client@example.test", to: ["sink@example.test"] },
          raw: `From: client@example.test\r\nTo: sink@example.test\r\nSubject: burst\r\nX-Test-Id: m${n}\r\n\r\nbody ${n}\r\n`,
        }),
      ),
    );
  } finally {
    transport.close();
  }
}

/** How often each X-Test-Id arrived. */
function arrivals(messages: NextHopMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) {
    const id = /^X-Test-Id: (\S+)/m.exec(message.raw.toString("utf8"))?.[1] ?? "(none)";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

const recordsIn = async (spool: string) => (await readdir(join(spool, "new")).catch(() => [] as string[])).filter((name) => name.endsWith(".msg"));

describe("hand-off from the server to the runner", () => {
  it("attempts an accepted record at once, while a record no hand-off announced waits for a scan", async () => {
    const hop = await nextHop();
    const msa = await startMsa(storeAndForward(hop));
    const spool = join(msa.dir, "spool");
    // written by "another process": only a scan of new/ can find it
    const foreign = await writeSpoolRecord(spool, { mailFrom: "other@example.test", recipients: [{ address: "sink@example.test" }] }, testMessage("foreign"));
    expect(foreign.kind).toBe("accepted");
    const clock = new ManualClock();
    const queue = startQueueRunner(msa.graph, silent, { clock });
    await queue.started;
    try {
      // the clock never moves: no scan runs, not even the one at start
      await sendBurst(msa.port, 1, 1);
      const [arrived] = await hop.waitForMessages(1);
      expect(arrived!.raw.toString()).toContain("X-Test-Id: m0");
      // the runner removes the delivered record once the next hop said 250: the other one stays
      await expect.poll(() => recordsIn(spool)).toEqual([`${(foreign as { id: string }).id}.msg`]);
      expect(hop.messages).toHaveLength(1);
      // the safety-net scan finds the other one
      clock.advance(DEFAULT_POLL_INTERVAL_MS);
      const both = await hop.waitForMessages(2);
      expect(both[1]!.mailFrom).toBe("other@example.test");
      await expect.poll(() => recordsIn(spool)).toEqual([]);
    } finally {
      await queue.stop();
    }
  });

  it("delivers a burst of 300 messages over 10 sessions exactly once each", { timeout: 60_000 }, async () => {
    const hop = await nextHop();
    const msa = await startMsa(storeAndForward(hop));
    const spool = join(msa.dir, "spool");
    // scans only an hour apart: the hand-off alone moves the burst
    const queue = startQueueRunner(msa.graph, silent, { pollIntervalMs: 3_600_000 });
    await queue.started;
    try {
      await sendBurst(msa.port, 300, 10);
      await hop.waitForMessages(300, 30_000);
      // every record removed: no attempt is left that could still send one again
      await expect.poll(() => recordsIn(spool), { timeout: 10_000 }).toEqual([]);
      await expect.poll(() => readdir(join(spool, "lock"))).toEqual([]);
      const counts = arrivals(hop.messages);
      expect(hop.messages).toHaveLength(300);
      expect(counts.size).toBe(300);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await queue.stop();
    }
  });
});

describe("a handed-over record changed by another process before its attempt", () => {
  async function handedOver(spool: string): Promise<StoredRecord> {
    let stored: StoredRecord | undefined;
    const writer = new SpoolWriter({ dir: spool, groupCommit: true, onStored: (record) => (stored = record) });
    const outcome = await writer.write({ mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }, { address: "carol@example.test" }] }, testMessage("handed"));
    expect(outcome.kind).toBe("accepted");
    return stored!;
  }

  it("is read back from disk, so a recipient delivered meanwhile is not sent again", async () => {
    const hop = await nextHop();
    const spool = await scratchSpool();
    const stored = await handedOver(spool);
    // another runner delivered to bob and rewrote the record before ours got to it
    const state = initialQueueState(stored.record);
    state.recipients[0] = { address: "bob@example.test", state: "delivered", code: 250 };
    await rewriteSpoolRecord(spool, { ...stored.record, queue: state });
    const runner = manualRunner(spool, hop.url, new ManualClock(Date.parse(stored.record.receivedAt)));
    await runner.handOff(stored.record.id, stored);
    expect(hop.messages.map((m) => m.rcptTo)).toEqual([["carol@example.test"]]);
  });

  it("is not sent at all once it was deleted (`msac queue delete`, or delivered by another runner)", async () => {
    const hop = await nextHop();
    const spool = await scratchSpool();
    const stored = await handedOver(spool);
    const clock = new ManualClock(Date.parse(stored.record.receivedAt));
    const deleted = startProcess(process.execPath, [MSAC, "queue", "delete", stored.record.id, "--spool", spool]);
    expect(await deleted.waitForExit()).toBe(0);
    const runner = manualRunner(spool, hop.url, clock);
    await runner.handOff(stored.record.id, stored);
    expect(hop.mailAttempts).toBe(0);
  });
});

describe("the files of delivered records", () => {
  it("are written over by the next records, and none is left in tmp/ once the server stopped", { timeout: 60_000 }, async () => {
    const hop = await nextHop();
    const dir = await scratchSpool();
    const port = await freePort();
    const policy = await storeAndForwardPolicy(dir, "spares", port, hop.url, ["log info"]);
    const msa = startProcess(process.execPath, [MSAC, "serve", policy]);
    const spool = join(dir, "spool");
    const spares = async () => (await readdir(join(spool, "tmp"))).filter((name) => name.startsWith("spare-"));
    try {
      await msa.waitForLine((line) => line.json?.event === "listening", 15_000);
      await sendBurst(port, 20, 4);
      await hop.waitForMessages(20, 30_000);
      await expect.poll(() => recordsIn(spool), { timeout: 10_000 }).toEqual([]);
      // the delivered records' files wait in tmp/ for the next ones, which take them back
      const kept = await spares();
      expect(kept.length).toBeGreaterThan(0);
      await sendBurst(port, kept.length, 1);
      await hop.waitForMessages(20 + kept.length, 30_000);
      expect(arrivals(hop.messages).size).toBe(20);
    } finally {
      expect(await msa.stop()).toBe(0);
    }
    // they held delivered mail: the server removed them as it exited
    expect(await readdir(join(spool, "tmp"))).toEqual([]);
  });
});

/** `msac serve` with `workers 2` storing and forwarding to `hop`, once both workers listen. */
async function startWorkers(hop: NextHop, logLevel: "info" | "debug") {
  const dir = await scratchSpool();
  const port = await freePort();
  const policy = await storeAndForwardPolicy(dir, "workers", port, hop.url, [`log ${logLevel}`, "workers 2"]);
  const msa = startProcess(process.execPath, [MSAC, "serve", policy]);
  await msa.waitForLine((line) => line.json?.event === "workers-started", 30_000);
  const events = () => msa.lines.flatMap((line) => (line.json ? [line.json] : []));
  return { msa, port, dir, events };
}

describe("workers 2", () => {
  it("delivers the records both workers spool exactly once, from the primary's runner", { timeout: 60_000 }, async () => {
    const hop = await nextHop();
    const { msa, port, dir, events } = await startWorkers(hop, "info");
    try {
      await sendBurst(port, 120, 8);
      await hop.waitForMessages(120, 30_000);
      await expect.poll(() => recordsIn(join(dir, "spool")), { timeout: 10_000 }).toEqual([]);
      // both workers accepted, and only the primary (no worker field) attempted; its log lines may trail the removals
      const attempts = () => events().filter((e) => e.event === "queue-attempt");
      await expect.poll(() => attempts().length).toBe(120);
      expect(
        new Set(
          events()
            .filter((e) => e.event === "accept")
            .map((e) => e.worker),
        ),
      ).toEqual(new Set([0, 1]));
      expect(attempts().every((e) => e.worker === undefined)).toBe(true);
      const counts = arrivals(hop.messages);
      expect(hop.messages).toHaveLength(120);
      expect(counts.size).toBe(120);
    } finally {
      expect(await msa.stop()).toBe(0);
    }
  });

  it("holds MAIL FROM in the workers while the primary's runner is behind, then takes and forwards every message once", { timeout: 60_000 }, async () => {
    const hop = await nextHop();
    const release = hop.hold();
    const { msa, port, events } = await startWorkers(hop, "debug");
    try {
      // the next hop answers no MAIL: the runner's backlog fills (80 records with 20 attempt slots) and the primary says so
      const burst = sendBurst(port, 120, 12);
      await msa.waitForLine((line) => line.json?.event === "in-flow-wait" && line.json.worker !== undefined, 30_000);
      release();
      await burst;
      await hop.waitForMessages(120, 30_000);
      expect([...arrivals(hop.messages).values()].every((count) => count === 1)).toBe(true);
      expect(arrivals(hop.messages).size).toBe(120);
      expect(events().filter((e) => e.event === "reject")).toEqual([]);
      // once both workers heard there is room again, a new message waits no more
      const roomAgain = (worker: number) => events().some((e) => e.event === "in-flow-room" && e.hasRoom === true && e.worker === worker);
      await expect.poll(() => roomAgain(0) && roomAgain(1), { timeout: 30_000 }).toBe(true);
      const waitsBefore = events().filter((e) => e.event === "in-flow-wait").length;
      await sendBurst(port, 4, 2);
      await hop.waitForMessages(124, 30_000);
      expect(events().filter((e) => e.event === "in-flow-wait")).toHaveLength(waitsBefore);
    } finally {
      release();
      expect(await msa.stop()).toBe(0);
    }
  });
});
