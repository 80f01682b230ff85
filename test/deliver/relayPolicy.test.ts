// The next hop options of the policy (`require tls`, `verify certificate`, `auth "FILE"`, `limit
// queue lifetime`) reach the in-line relay and the queue runner, against real next hops.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DeliveryNode, RuleGraph } from "../../graph/graph.js";
import { createDelivery } from "../../runtime/deliver/delivery.js";
import { RelayConfigurationError, readRelayCredentials } from "../../runtime/deliver/relayTarget.js";
import { readSpoolRecord, spoolRecordPath, writeSpoolRecord } from "../../runtime/deliver/spoolWriter.js";
import { DEFAULT_QUEUE_LIFETIME_MS, type QueueLog } from "../../runtime/queue/queueRunner.js";
import { startQueueRunner } from "../../runtime/queue/queueFromPolicy.js";
import { graphWith, scratchDir, startAuthHop, writeCredentials } from "./relayHelpers.js";

const ENVELOPE = { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }] };
const MESSAGE = Buffer.from("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: relay options\r\n\r\nHello.\r\n");

/** A log that keeps every line, so a test can check that no secret was written. */
function recordingLog(): QueueLog & { lines: string[] } {
  const lines: string[] = [];
  const keep = (fields: object, message?: string) => void lines.push(JSON.stringify(fields) + " " + (message ?? ""));
  return { lines, info: keep, warn: keep, error: keep };
}

/** Queues one message in the spool of a `deliver spool ... relay ...` graph and runs one pass of its runner. */
async function queueAndRun(graph: RuleGraph, ca?: string): Promise<{ id: string; log: ReturnType<typeof recordingLog> }> {
  if (graph.deliver.kind !== "SpoolThenRelay") throw new Error("not store and forward");
  const written = await writeSpoolRecord(graph.deliver.dir, ENVELOPE, MESSAGE, {});
  if (written.kind !== "accepted") throw new Error(written.text);
  const log = recordingLog();
  const queue = startQueueRunner(graph, log, { pollIntervalMs: 60_000, relayOptions: { totalTimeoutMs: 5_000 }, ...(ca ? { relay: { ca } } : {}) });
  await queue.started;
  await queue.runner!.runDue();
  await queue.stop();
  return { id: written.id, log };
}

describe("require tls", () => {
  it("in line: refuses with 451 4.7.0 when the next hop offers no STARTTLS, sending nothing", async () => {
    const hop = await startAuthHop();
    const dir = await scratchDir();
    const deliver = createDelivery(graphWith(dir, `deliver relay ${hop.url} require tls`).deliver, "msa.example.test");
    const outcome = await deliver(ENVELOPE, MESSAGE, { sessionId: "s1" });
    deliver.close?.();
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.7.0" });
    expect(hop.received).toHaveLength(0);
  });

  it("queued: the message stays queued (pending, 451) when the next hop offers no STARTTLS", async () => {
    const hop = await startAuthHop();
    const dir = await scratchDir();
    const graph = graphWith(dir, `deliver spool "spool" relay ${hop.url} require tls`);
    const { id } = await queueAndRun(graph);
    const record = await readSpoolRecord(spoolRecordPath(join(dir, "spool"), id));
    expect(record.queue?.recipients[0]).toMatchObject({ state: "pending", code: 451, enhanced: "4.7.0" });
    expect(record.queue?.lastError).toMatch(/TLS/);
    expect(hop.received).toHaveLength(0);
  });

  it("relays under TLS when the next hop offers STARTTLS, verifying its certificate (graph.ts: always under require tls)", async () => {
    const hop = await startAuthHop({ starttls: true });
    const dir = await scratchDir();
    const node = graphWith(dir, `deliver relay ${hop.url} require tls`).deliver;
    const untrusted = createDelivery(node, "msa.example.test");
    expect(await untrusted(ENVELOPE, MESSAGE, { sessionId: "s1" })).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.7.0" });
    untrusted.close?.();
    const deliver = createDelivery(node, "msa.example.test", { relay: { ca: hop.pki.caCertPem } });
    const outcome = await deliver(ENVELOPE, MESSAGE, { sessionId: "s2" });
    deliver.close?.();
    expect(outcome.kind).toBe("accepted");
    expect(hop.received).toHaveLength(1);
    expect(hop.received[0]?.secure).toBe(true);
  });

  it("without require tls, STARTTLS is opportunistic: an unverified certificate still gets encryption", async () => {
    const hop = await startAuthHop({ starttls: true });
    const dir = await scratchDir();
    const deliver = createDelivery(graphWith(dir, `deliver relay ${hop.url}`).deliver, "msa.example.test");
    expect((await deliver(ENVELOPE, MESSAGE, { sessionId: "s1" })).kind).toBe("accepted");
    deliver.close?.();
    expect(hop.received[0]?.secure).toBe(true);
  });
});

describe("verify certificate", () => {
  it("fails (451 4.7.0) against a certificate from a CA we do not trust, succeeds with the CA trusted", async () => {
    const hop = await startAuthHop({ starttls: true });
    const dir = await scratchDir();
    const node = graphWith(dir, `deliver relay ${hop.url} require tls verify certificate`).deliver;
    const untrusted = createDelivery(node, "msa.example.test");
    expect(await untrusted(ENVELOPE, MESSAGE, { sessionId: "s1" })).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.7.0" });
    untrusted.close?.();
    expect(hop.received).toHaveLength(0);

    const trusted = createDelivery(node, "msa.example.test", { relay: { ca: hop.pki.caCertPem } });
    expect((await trusted(ENVELOPE, MESSAGE, { sessionId: "s2" })).kind).toBe("accepted");
    trusted.close?.();
    expect(hop.received).toHaveLength(1);
  });

  it("queued: an untrusted certificate leaves the message queued", async () => {
    const hop = await startAuthHop({ starttls: true });
    const dir = await scratchDir();
    const graph = graphWith(dir, `deliver spool "spool" relay ${hop.url} require tls verify certificate`);
    const { id } = await queueAndRun(graph);
    const record = await readSpoolRecord(spoolRecordPath(join(dir, "spool"), id));
    expect(record.queue?.recipients[0]).toMatchObject({ state: "pending", enhanced: "4.7.0" });
    expect(hop.received).toHaveLength(0);
  });
});

describe('auth "FILE"', () => {
  it("queued: authenticates with the credentials file over verified TLS, and never logs the password", async () => {
    const hop = await startAuthHop({ starttls: true, credentials: { user: "relay", pass: "pa:ss-W0rd" } });
    const dir = await scratchDir();
    await writeCredentials(dir, "relay:pa:ss-W0rd\n");
    const graph = graphWith(dir, `deliver spool "spool" relay ${hop.url} require tls verify certificate auth "relay.secret"`);
    const { log } = await queueAndRun(graph, hop.pki.caCertPem);
    expect(hop.received).toHaveLength(1);
    expect(hop.received[0]).toMatchObject({ secure: true, user: "relay" });
    expect(log.lines.join("\n")).not.toContain("pa:ss-W0rd");
    expect(log.lines.join("\n")).toContain('"auth":true');
  });

  it("in line: authenticates; wrong credentials are a 451 (our configuration, not the message)", async () => {
    const hop = await startAuthHop({ credentials: { user: "relay", pass: "secret" } });
    const dir = await scratchDir();
    await writeCredentials(dir, "relay:secret\n");
    const good = createDelivery(graphWith(dir, `deliver relay ${hop.url} auth "relay.secret"`).deliver, "msa.example.test");
    expect((await good(ENVELOPE, MESSAGE, { sessionId: "s1" })).kind).toBe("accepted");
    good.close?.();
    expect(hop.received[0]?.user).toBe("relay");

    await writeCredentials(dir, "relay:wrong\n");
    const bad = createDelivery(graphWith(dir, `deliver relay ${hop.url} auth "relay.secret"`).deliver, "msa.example.test");
    expect(await bad(ENVELOPE, MESSAGE, { sessionId: "s2" })).toMatchObject({ kind: "temporary", code: 451 });
    bad.close?.();
    expect(hop.received).toHaveLength(1);
  });

  it("a missing or malformed credentials file is a startup error that names the file, not its content", async () => {
    const dir = await scratchDir();
    const path = join(dir, "relay.secret");
    const base = graphWith(dir, 'deliver spool "spool" relay smtp://127.0.0.1:25');
    if (base.deliver.kind !== "SpoolThenRelay") throw new Error("unexpected deliver node");
    const queued: RuleGraph = { ...base, deliver: { ...base.deliver, relay: { requireTls: false, require8BitMime: false, verifyCertificate: false, credentials: path } } };
    const inline: DeliveryNode = {
      kind: "Relay",
      origin: base.deliver.origin,
      url: "smtp://127.0.0.1:25",
      relay: { requireTls: false, require8BitMime: false, verifyCertificate: false, credentials: path },
    };

    expect(() => createDelivery(inline, "msa.example.test")).toThrow(RelayConfigurationError);
    expect(() => createDelivery(queued.deliver, "msa.example.test")).toThrow(/cannot read the relay credentials file .*relay\.secret \(ENOENT\)/);
    expect(() => startQueueRunner(queued, recordingLog())).toThrow(RelayConfigurationError);

    for (const content of ["just-a-password\n", "relay:\n", ":secret-value\n", "relay:first-secret\nrelay:second-secret\n", ""]) {
      await writeFile(path, content);
      let message = "";
      try {
        readRelayCredentials(path);
      } catch (error) {
        expect(error).toBeInstanceOf(RelayConfigurationError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/must hold exactly one USER:PASSWORD line/);
      expect(message).not.toMatch(/just-a-password|secret-value|first-secret|second-secret/);
    }
    await writeFile(path, "\nrelay:x:y\n");
    expect(readRelayCredentials(path)).toEqual({ user: "relay", pass: "x:y" });
  });
});

describe("limit queue lifetime", () => {
  it("comes from the policy, 5 days when the policy is silent", async () => {
    const dir = await scratchDir();
    const log = recordingLog();
    const set = startQueueRunner(graphWith(dir, 'deliver spool "spool" relay smtp://127.0.0.1:25', ["limit queue lifetime 2h"]), log, { pollIntervalMs: 60_000 });
    const silent = startQueueRunner(graphWith(dir, 'deliver spool "spool2" relay smtp://127.0.0.1:25'), log, { pollIntervalMs: 60_000 });
    expect(set.runner?.lifetimeMs).toBe(2 * 3_600_000);
    expect(silent.runner?.lifetimeMs).toBe(DEFAULT_QUEUE_LIFETIME_MS);
    expect(DEFAULT_QUEUE_LIFETIME_MS).toBe(5 * 86_400_000);
    await Promise.all([set.stop(), silent.stop()]);
  });
});
