// `deliver spool "DIR" relay URL` on the delivery side: accepted means durably spooled (nothing is
// relayed in line), the runner is woken; crash-safe rewrites of a record with queue state; the
// tmp/ sweep that spares files younger than the process; startQueueRunner from a graph.

import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { DeliveryNode, RuleGraph } from "../../graph/graph.js";
import { createDelivery } from "../../runtime/deliver/delivery.js";
import { SpoolRecordError, decodeSpoolRecord, encodeSpoolRecord } from "../../runtime/deliver/spoolRecord.js";
import { readSpoolRecord, rewriteSpoolRecord, spoolRecordPath, sweepSpoolTmp, writeSpoolRecord } from "../../runtime/deliver/spoolWriter.js";
import { initialQueueState } from "../../runtime/queue/queueState.js";
import { startQueueRunner } from "../../runtime/queue/queueFromPolicy.js";
import { onSpooled } from "../../runtime/queue/spoolEvents.js";
import { startNextHop } from "../support/nextHop.js";

const scratch: string[] = [];
afterEach(async () => {
  while (scratch.length) await rm(scratch.pop()!, { recursive: true, force: true });
});
async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "msa-saf-test-"));
  scratch.push(dir);
  return dir;
}

const ENVELOPE = { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }] };
const MESSAGE = Buffer.from("Subject: s&f\r\n\r\nbody\r\n");
const ORIGIN = { file: "p.msa", line: 1, span: { start: 0, end: 1 } };

describe('deliver spool "DIR" relay URL', () => {
  it("accepts once the record is spooled, relays nothing in line, and wakes a runner", async () => {
    const hop = await startNextHop();
    try {
      const dir = await scratchDir();
      const node = { kind: "SpoolThenRelay", origin: ORIGIN, dir, url: hop.url } as DeliveryNode;
      let woken = 0;
      const unsubscribe = onSpooled(dir, () => woken++);
      const outcome = await createDelivery(node, "msa.example.test")(ENVELOPE, MESSAGE, { sessionId: "s1" });
      unsubscribe();
      expect(outcome.kind).toBe("accepted");
      const id = (outcome as { id: string }).id;
      expect(await readdir(join(dir, "new"))).toEqual([`${id}.msg`]);
      expect((await readSpoolRecord(spoolRecordPath(dir, id))).message.equals(MESSAGE)).toBe(true);
      expect(woken).toBe(1);
      expect(hop.connections).toBe(0);
    } finally {
      await hop.stop();
    }
  });

  it("starts a runner from the graph that forwards the spool, and none for the other forms", async () => {
    const hop = await startNextHop();
    try {
      const dir = await scratchDir();
      await writeSpoolRecord(dir, ENVELOPE, MESSAGE);
      const graph = {
        hostname: "msa.example.test",
        deliver: {
          kind: "SpoolThenRelay",
          origin: ORIGIN,
          dir,
          url: hop.url,
          lifetimeMs: 5 * 86_400_000,
          relay: { requireTls: false, require8BitMime: false, verifyCertificate: false, credentials: null },
        },
      } as unknown as RuleGraph;
      const events: object[] = [];
      const log = { info: (fields: object) => events.push(fields), warn: (fields: object) => events.push(fields), error: (fields: object) => events.push(fields) };
      const queue = startQueueRunner(graph, log);
      await hop.waitForMessages(1);
      await queue.stop();
      expect(hop.messages[0]!.raw.equals(MESSAGE)).toBe(true);
      expect(events).toContainEqual(expect.objectContaining({ event: "queue-attempt", result: "delivered" }));
      const spoolOnly = startQueueRunner({ ...graph, deliver: { kind: "Spool", origin: ORIGIN, dir } } as RuleGraph, log);
      expect(spoolOnly.runner).toBeUndefined();
      await spoolOnly.stop();
    } finally {
      await hop.stop();
    }
  });
});

describe("record rewrites", () => {
  it("replaces a record with its queue state and leaves nothing in tmp/", async () => {
    const dir = await scratchDir();
    const outcome = await writeSpoolRecord(dir, ENVELOPE, MESSAGE);
    const id = (outcome as { id: string }).id;
    const record = await readSpoolRecord(spoolRecordPath(dir, id));
    const queue = initialQueueState(record);
    queue.recipients[0]!.state = "delivered";
    queue.attempts.push({ at: new Date().toISOString(), result: "delivered", delivered: ["bob@example.test"], failed: [], deferred: [] });
    await rewriteSpoolRecord(dir, { ...record, queue });
    const back = await readSpoolRecord(spoolRecordPath(dir, id));
    expect(back.queue).toEqual(queue);
    expect(back.message.equals(MESSAGE)).toBe(true);
    expect(back.receivedAt).toBe(record.receivedAt);
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
    expect(await readdir(join(dir, "new"))).toEqual([`${id}.msg`]);
  });

  it("refuses a record whose queue state does not match its envelope", () => {
    const [header, body] = encodeSpoolRecord(
      { id: "X", receivedAt: new Date().toISOString(), envelope: ENVELOPE, meta: {}, queue: { recipients: [], attempts: [], nextAttemptAt: "" } },
      MESSAGE,
    );
    expect(() => decodeSpoolRecord(Buffer.concat([header, body]))).toThrow(SpoolRecordError);
  });

  it("sweeps only tmp/ files older than the given time", async () => {
    const dir = await scratchDir();
    await writeSpoolRecord(dir, ENVELOPE, MESSAGE); // creates the folders
    await writeFile(join(dir, "tmp", "old"), "x");
    await writeFile(join(dir, "tmp", "fresh"), "x");
    const past = new Date(Date.now() - 3_600_000);
    await utimes(join(dir, "tmp", "old"), past, past);
    expect(await sweepSpoolTmp(dir, { olderThan: new Date(Date.now() - 60_000) })).toEqual(["old"]);
    expect(await readdir(join(dir, "tmp"))).toEqual(["fresh"]);
  });
});
