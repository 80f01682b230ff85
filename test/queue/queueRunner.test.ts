// The queue runner against a real next hop (smtp-server) on a manual clock: forwarding, per-recipient
// results, retries with backoff, expiry, DSN content and NOTIFY/RET handling, and recovery.

import { mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Envelope } from "../../runtime/deliver/envelope.js";
import { relayMessage } from "../../runtime/deliver/relayClient.js";
import type { RelayOutcome } from "../../runtime/deliver/relayOutcome.js";
import { readSpoolRecord, spoolRecordPath } from "../../runtime/deliver/spoolWriter.js";
import { ManualClock } from "../../runtime/queue/clock.js";
import { DEFAULT_QUEUE_LIFETIME_MS } from "../../runtime/queue/queueRunner.js";
import { lockRecord } from "../../runtime/queue/recordLock.js";
import { DEFAULT_RETRY, retryDelay } from "../../runtime/queue/retrySchedule.js";
import { startNextHop, type NextHop } from "../support/nextHop.js";
import { dsnParts, manualRunner, queueMessage, scratchSpool, testMessage } from "./queueHelpers.js";

const hops: NextHop[] = [];
afterEach(async () => {
  for (const hop of hops.splice(0)) await hop.stop();
});
async function nextHop(...args: Parameters<typeof startNextHop>): Promise<NextHop> {
  const hop = await startNextHop(...args);
  hops.push(hop);
  return hop;
}

async function recordsIn(dir: string): Promise<string[]> {
  return (await readdir(join(dir, "new")).catch(() => [] as string[])).filter((name) => name.endsWith(".msg")).sort();
}

const MINUTE = 60_000;

describe("forwarding", () => {
  it("relays a queued record byte for byte and removes it", async () => {
    const hop = await nextHop();
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const message = testMessage("plain forward");
    await queueMessage(dir, { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }, { address: "carol@example.test" }] }, message, clock);
    await manualRunner(dir, hop.url, clock).runDue();
    expect(hop.messages).toHaveLength(1);
    expect(hop.messages[0]!.mailFrom).toBe("alice@example.test");
    expect(hop.messages[0]!.rcptTo).toEqual(["bob@example.test", "carol@example.test"]);
    expect(hop.messages[0]!.raw.equals(message)).toBe(true);
    expect(await recordsIn(dir)).toEqual([]);
  });

  it("picks up records on start (recovery) and through its own poll loop, with bounded concurrency", async () => {
    const hop = await nextHop();
    const dir = await scratchSpool();
    const clock = new ManualClock();
    for (let i = 0; i < 12; i++) await queueMessage(dir, { mailFrom: "alice@example.test", recipients: [{ address: `r${i}@example.test` }] }, testMessage(`n${i}`), clock);
    let active = 0;
    let peak = 0;
    const counting: typeof relayMessage = async (...args) => {
      peak = Math.max(peak, ++active);
      try {
        return await relayMessage(...args);
      } finally {
        active--;
      }
    };
    const runner = manualRunner(dir, hop.url, clock, { concurrency: 3, relayFn: counting });
    await runner.start();
    clock.advance(0); // the first poll is due at once
    await hop.waitForMessages(12);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
    await expect.poll(() => recordsIn(dir)).toEqual([]);
  });

  it("sends a refused recipient a failed DSN and the others the message once", async () => {
    const hop = await nextHop({ refuseRecipients: ["nobody@example.test"] });
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const envelope: Envelope = {
      mailFrom: "alice@example.test",
      dsn: { ret: "HDRS", envid: "env 42+" },
      recipients: [{ address: "bob@example.test" }, { address: "nobody@example.test", dsn: { notify: ["FAILURE"], orcpt: "rfc822;Nobody@Example.test" } }],
    };
    const id = await queueMessage(dir, envelope, testMessage("one refused", "SECRET BODY\r\n"), clock);
    const runner = manualRunner(dir, hop.url, clock);
    await runner.runDue();
    expect(hop.messages).toHaveLength(1);
    expect(hop.messages[0]!.rcptTo).toEqual(["bob@example.test"]);
    const [dsnRecord] = await recordsIn(dir);
    expect(dsnRecord).toBe(`${id}-F1.msg`); // the original is gone, its DSN is queued
    await runner.runDue();
    expect(hop.messages).toHaveLength(2);
    const dsn = hop.messages[1]!;
    expect(dsn.mailFrom).toBe(""); // MAIL FROM:<>
    expect(dsn.rcptTo).toEqual(["alice@example.test"]);
    const { head, parts } = dsnParts(dsn.raw);
    expect(head).toMatch(/^Content-Type: multipart\/report; report-type=delivery-status;/m);
    expect(head).toMatch(/^To: <alice@example\.test>/m);
    expect(head).toMatch(/^Auto-Submitted: auto-replied/m);
    expect(parts).toHaveLength(3);
    expect(parts[0]).toMatch(/^Content-Type: text\/plain/);
    expect(parts[1]).toMatch(/^Content-Type: message\/delivery-status/);
    expect(parts[1]).toContain("Reporting-MTA: dns; msa.example.test");
    expect(parts[1]).toContain("Original-Envelope-Id: env+2042+2B");
    expect(parts[1]).toContain("Original-Recipient: rfc822; Nobody@Example.test");
    expect(parts[1]).toContain("Final-Recipient: rfc822; nobody@example.test");
    expect(parts[1]).toContain("Action: failed");
    expect(parts[1]).toContain("Status: 5.1.1");
    expect(parts[1]).toMatch(/Diagnostic-Code: smtp; 550 5\.1\.1 <nobody@example\.test>: no such user here/);
    expect(parts[1]).not.toContain("bob@example.test");
    // RET=HDRS: the header section only
    expect(parts[2]).toMatch(/^Content-Type: text\/rfc822-headers/);
    expect(parts[2]).toContain("Subject: one refused");
    expect(parts[2]).not.toContain("SECRET BODY");
    expect(await recordsIn(dir)).toEqual([]);
  });

  it("returns the whole message for RET=FULL, and only the headers when it is big", async () => {
    const hop = await nextHop({ mode: "refuse-data" });
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const small = testMessage("small full", "SMALL BODY\r\n");
    const big = testMessage("big full", "B".repeat(2000) + "\r\n");
    await queueMessage(dir, { mailFrom: "alice@example.test", dsn: { ret: "FULL" }, recipients: [{ address: "bob@example.test" }] }, small, clock);
    await queueMessage(dir, { mailFrom: "alice@example.test", dsn: { ret: "FULL" }, recipients: [{ address: "bob@example.test" }] }, big, clock);
    const runner = manualRunner(dir, hop.url, clock, { dsnFullMessageLimit: 1000 });
    await runner.runDue();
    hop.mode = "accept";
    await runner.runDue();
    expect(hop.messages.map((m) => m.mailFrom)).toEqual(["", ""]);
    const bySubject = (subject: string) => hop.messages.find((m) => m.raw.includes(`Subject: ${subject}`))!;
    const smallParts = dsnParts(bySubject("small full").raw).parts;
    expect(smallParts[1]).toContain("Status: 5.7.1");
    expect(smallParts[2]).toMatch(/^Content-Type: message\/rfc822/);
    expect(smallParts[2]).toContain("SMALL BODY");
    const bigParts = dsnParts(bySubject("big full").raw).parts;
    expect(bigParts[2]).toMatch(/^Content-Type: text\/rfc822-headers/);
    expect(bigParts[2]).not.toContain("BBBB");
  });
});

describe("retries", () => {
  it("retries a deferred message with exponential backoff, then delivers it once", async () => {
    const hop = await nextHop({ mode: "defer-mail" });
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const id = await queueMessage(dir, { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }] }, testMessage("retry me"), clock);
    const attempts: string[] = [];
    const runner = manualRunner(dir, hop.url, clock, { onAttempt: (result) => attempts.push(result) });
    await runner.runDue();
    expect(hop.mailAttempts).toBe(1);
    expect(attempts).toEqual(["deferred"]);
    let record = await readSpoolRecord(spoolRecordPath(dir, id));
    expect(record.queue!.attempts).toHaveLength(1);
    expect(record.queue!.attempts[0]!.result).toBe("deferred");
    expect(record.queue!.lastError).toMatch(/451 4\.3\.0/);
    expect(Date.parse(record.queue!.nextAttemptAt) - clock.now()).toBe(DEFAULT_RETRY.initialMs);
    // not due yet: nothing is sent
    clock.advance(DEFAULT_RETRY.initialMs - 1);
    await runner.runDue();
    expect(hop.mailAttempts).toBe(1);
    clock.advance(1);
    await runner.runDue();
    expect(hop.mailAttempts).toBe(2);
    record = await readSpoolRecord(spoolRecordPath(dir, id));
    expect(Date.parse(record.queue!.nextAttemptAt) - clock.now()).toBe(2 * DEFAULT_RETRY.initialMs);
    hop.mode = "accept";
    clock.advance(2 * DEFAULT_RETRY.initialMs);
    await runner.runDue();
    expect(hop.messages).toHaveLength(1);
    expect(await recordsIn(dir)).toEqual([]);
  });

  it("computes waits with exponential growth, a cap and jitter", () => {
    const schedule = { initialMs: MINUTE, factor: 2, maxMs: 60 * MINUTE, jitter: 0.2 };
    expect([1, 2, 3, 4].map((n) => retryDelay(n, schedule, () => 0.5))).toEqual([MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]);
    expect(retryDelay(20, schedule, () => 0.5)).toBe(60 * MINUTE);
    expect(retryDelay(1, schedule, () => 0)).toBe(0.8 * MINUTE);
    expect(retryDelay(1, schedule, () => 0.999999)).toBeCloseTo(1.2 * MINUTE, -2);
  });

  it("never resends to a recipient that was accepted while another was deferred", async () => {
    const hop = await nextHop();
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const id = await queueMessage(
      dir,
      { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }, { address: "later@example.test" }] },
      testMessage("partial"),
      clock,
    );
    const calls: string[][] = [];
    let deferLater = true;
    // the next hop defers later@ at RCPT (relayClient then sends nothing and says so per recipient)
    const relayFn: typeof relayMessage = async (target, envelope, message, options) => {
      const addresses = envelope.recipients.map((r) => r.address);
      calls.push(addresses);
      if (deferLater && addresses.includes("later@example.test")) {
        const outcome: RelayOutcome = {
          kind: "temporary",
          code: 451,
          enhanced: "4.2.1",
          text: "recipient <later@example.test> deferred: 451 4.2.1 mailbox busy",
          perRecipient: addresses.map((address) =>
            address === "later@example.test"
              ? { address, status: "temporary", code: 451, enhanced: "4.2.1", text: "said: 451 4.2.1 mailbox busy" }
              : { address, status: "accepted" },
          ),
        };
        return outcome;
      }
      return relayMessage(target, envelope, message, options);
    };
    const runner = manualRunner(dir, hop.url, clock, { relayFn });
    await runner.runDue();
    expect(calls).toEqual([["bob@example.test", "later@example.test"], ["bob@example.test"]]);
    expect(hop.messages.map((m) => m.rcptTo)).toEqual([["bob@example.test"]]);
    const record = await readSpoolRecord(spoolRecordPath(dir, id));
    expect(record.queue!.recipients.map((r) => r.state)).toEqual(["delivered", "pending"]);
    expect(record.queue!.attempts[0]).toMatchObject({ delivered: ["bob@example.test"], deferred: ["later@example.test"] });
    deferLater = false;
    clock.advance(DEFAULT_RETRY.initialMs);
    await runner.runDue();
    expect(calls.at(-1)).toEqual(["later@example.test"]);
    expect(hop.messages.map((m) => m.rcptTo)).toEqual([["bob@example.test"], ["later@example.test"]]);
    expect(await recordsIn(dir)).toEqual([]);
  });
});

describe("expiry and NOTIFY", () => {
  it("gives up after the queue lifetime with a failed DSN (4.4.7), after one delay DSN for NOTIFY=DELAY", async () => {
    const hop = await nextHop({ mode: "defer-mail" });
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const envelope: Envelope = { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test", dsn: { notify: ["FAILURE", "DELAY"] } }] };
    const id = await queueMessage(dir, envelope, testMessage("too late"), clock);
    const runner = manualRunner(dir, hop.url, clock);
    const deliverDsns = async (): Promise<string[]> => {
      // DSN records are ordinary queue records: let them through, then defer again
      hop.mode = "accept";
      await runner.runDue();
      hop.mode = "defer-mail";
      return hop.messages.filter((m) => m.mailFrom === "").map((m) => /^Action: (\w+)/m.exec(m.raw.toString())![1]!);
    };
    await runner.runDue();
    // hour by hour, then in six-hour steps to five days (the waits are capped at one hour, so
    // each step is one attempt)
    for (let hour = 1; hour <= 5 * 24; hour += hour < 6 ? 1 : 6) {
      clock.advance((hour < 6 ? 1 : hour === 6 ? 1 : 6) * 60 * MINUTE);
      await runner.runDue();
      // 4 hours after arrival (DEFAULT_DELAY_NOTICE_MS), once
      if (hour === 3) expect(await deliverDsns()).toEqual([]);
      if (hour === 4 || hour === 6) expect(await deliverDsns()).toEqual(["delayed"]);
    }
    expect(hop.messages.filter((m) => m.mailFrom !== "")).toEqual([]);
    const actions = await deliverDsns();
    expect(actions).toEqual(["delayed", "failed"]);
    const failed = hop.messages.filter((m) => m.mailFrom === "")[1]!;
    const report = dsnParts(failed.raw).parts[1]!;
    expect(report).toContain("Status: 4.4.7");
    expect(report).toMatch(/Diagnostic-Code: smtp; .*not delivered within 5 days; last error: .*451 4\.3\.0/);
    expect(await recordsIn(dir)).toEqual([]);
    // the first attempt, 6 + 19 steps, and the DSNs' own deferred tries
    expect(hop.mailAttempts).toBeGreaterThan(25);
    expect(hop.mailAttempts).toBeLessThan(35);
    expect(DEFAULT_QUEUE_LIFETIME_MS).toBe(5 * 24 * 60 * MINUTE);
    expect(id).toMatch(/^[0-9A-Z]{26}$/);
  });

  it("never bounces a message from the null sender", async () => {
    const hop = await nextHop({ mode: "refuse-mail" });
    const dir = await scratchSpool();
    const clock = new ManualClock();
    await queueMessage(dir, { mailFrom: "", recipients: [{ address: "bob@example.test" }] }, testMessage("a bounce"), clock);
    const runner = manualRunner(dir, hop.url, clock);
    await runner.runDue();
    expect(hop.mailAttempts).toBe(1);
    expect(await recordsIn(dir)).toEqual([]);
    hop.mode = "accept";
    await runner.runDue();
    expect(hop.messages).toEqual([]);
  });

  it("honours NOTIFY=NEVER, and NOTIFY=SUCCESS only where the next hop lacks DSN", async () => {
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const refusing = await nextHop({ mode: "refuse-mail" });
    await queueMessage(dir, { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test", dsn: { notify: ["NEVER"] } }] }, testMessage("never"), clock);
    await manualRunner(dir, refusing.url, clock).runDue();
    expect(await recordsIn(dir)).toEqual([]); // refused, no DSN queued

    const withDsn = await nextHop();
    await queueMessage(dir, { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test", dsn: { notify: ["SUCCESS"] } }] }, testMessage("success one"), clock);
    await manualRunner(dir, withDsn.url, clock).runDue();
    expect(withDsn.messages).toHaveLength(1);
    expect(withDsn.messages[0]!.rcptParams[0]).toMatchObject({ NOTIFY: "SUCCESS" }); // passed on: the next hop reports
    expect(await recordsIn(dir)).toEqual([]);

    const withoutDsn = await nextHop({ advertise: { dsn: false } });
    await queueMessage(dir, { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test", dsn: { notify: ["SUCCESS"] } }] }, testMessage("success two"), clock);
    const runner = manualRunner(dir, withoutDsn.url, clock);
    await runner.runDue();
    await runner.runDue();
    expect(withoutDsn.messages.map((m) => m.mailFrom)).toEqual(["alice@example.test", ""]);
    const report = dsnParts(withoutDsn.messages[1]!.raw).parts[1]!;
    expect(report).toContain("Action: relayed");
    expect(report).toContain("Status: 2.0.0");
  });
});

describe("recovery", () => {
  it("never sends a half-written record from tmp/, sweeps it, breaks stale locks and sets bad records aside", async () => {
    const hop = await nextHop();
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const id = await queueMessage(dir, { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }] }, testMessage("locked by the dead"), clock);
    const older = await queueMessage(dir, { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }] }, testMessage("after the bad one"), clock);
    // a crash mid-write leaves tmp/ files; a crash mid-attempt leaves a lock of a dead process
    const halfWritten = join(dir, "tmp", "01HALFWRITTEN0000000000000");
    await writeFile(halfWritten, '{"format":"msa-spool","version":1,"id":"01HALF');
    const beforeThisProcess = new Date(Date.now() - process.uptime() * 1000 - 60_000);
    await utimes(halfWritten, beforeThisProcess, beforeThisProcess);
    await mkdir(join(dir, "lock"), { recursive: true });
    await symlink("999999999 deadbeef", join(dir, "lock", id));
    // the lock file of an msa from before locks were symbolic links
    await writeFile(join(dir, "lock", older), "999999998 deadbeef\n");
    await writeFile(join(dir, "new", "00000000000000000000000000.msg"), "not a record\n");
    const runner = manualRunner(dir, hop.url, clock);
    await runner.start();
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
    expect(await readdir(join(dir, "lock"))).toEqual([]);
    await runner.runDue();
    expect(hop.messages.map((m) => /Subject: (.*)\r/.exec(m.raw.toString())![1]).sort()).toEqual(["after the bad one", "locked by the dead"]);
    expect(await readdir(join(dir, "bad"))).toEqual(["00000000000000000000000000.msg"]);
    expect(await recordsIn(dir)).toEqual([]);
  });

  it("leaves a record alone while a live process holds its lock", async () => {
    const hop = await nextHop();
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const id = await queueMessage(dir, { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }] }, testMessage("locked"), clock);
    await mkdir(join(dir, "lock"), { recursive: true });
    await symlink(`${process.ppid} othertoken`, join(dir, "lock", id));
    const runner = manualRunner(dir, hop.url, clock);
    await runner.runDue();
    expect(hop.mailAttempts).toBe(0);
    expect(await recordsIn(dir)).toEqual([`${id}.msg`]);
  });

  it("gives a dead process's lock to one taker at most when several break it at once, and none is left behind", async () => {
    const dir = await scratchSpool();
    await mkdir(join(dir, "lock"), { recursive: true });
    // the takers interleave at every file call, so each round races them anew (removing the stale
    // lock by name, a taker removed another's fresh lock in about one round in six)
    for (let round = 0; round < 100; round++) {
      const id = `R${round}`;
      await symlink("999999999 deadbeef", join(dir, "lock", id));
      const locks = await Promise.all(Array.from({ length: 6 }, () => lockRecord(dir, id)));
      expect(locks.filter(Boolean).length).toBeLessThanOrEqual(1);
      await Promise.all(locks.map((lock) => lock?.release()));
      const after = await lockRecord(dir, id);
      expect(after).toBeDefined();
      await after!.release();
    }
    expect(await readdir(join(dir, "lock"))).toEqual([]);
  });

  it("makes a lock a hard link to its process's holder file, which names the process, even after the holders folder was removed", async () => {
    const dir = await scratchSpool();
    for (let round = 0; round < 2; round++) {
      const lock = await lockRecord(dir, "L1");
      expect(lock).toBeDefined();
      const [holder, ...others] = await readdir(join(dir, "holders"));
      expect(others).toEqual([]);
      const lockFile = await stat(join(dir, "lock", "L1"));
      // no inode of its own: the lock is one more name of the holder file
      expect(lockFile.ino).toBe((await stat(join(dir, "holders", holder!))).ino);
      expect(lockFile.nlink).toBe(2);
      expect((await readFile(join(dir, "lock", "L1"), "utf8")).split(" ")[0]).toBe(String(process.pid));
      expect(await lockRecord(dir, "L1")).toBeUndefined();
      await lock!.release();
      expect(await readdir(join(dir, "lock"))).toEqual([]);
      // an admin clearing the spool's folders by hand: the next lock makes its holder file again
      await rm(join(dir, "holders"), { recursive: true });
    }
  });

  it("removes at start the holder files of processes gone, and keeps those of live ones", async () => {
    const dir = await scratchSpool();
    await mkdir(join(dir, "holders"), { recursive: true });
    await writeFile(join(dir, "holders", "999999999-deadbeef-0000"), "999999999 deadbeef");
    await writeFile(join(dir, "holders", `${process.ppid}-cafe-0000`), `${process.ppid} cafe`);
    const runner = manualRunner(dir, "smtp://127.0.0.1:9", new ManualClock());
    await runner.start();
    expect(await readdir(join(dir, "holders"))).toEqual([`${process.ppid}-cafe-0000`]);
    await runner.stop();
  });

  it("breaks at start a lock whose breaker died while breaking it", async () => {
    const hop = await nextHop();
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const id = await queueMessage(dir, { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }] }, testMessage("broken twice"), clock);
    await mkdir(join(dir, "lock"), { recursive: true });
    await symlink("999999999 deadbeef", join(dir, "lock", id));
    await symlink("999999998 deadbeef", join(dir, "lock", `${id}.break`));
    const runner = manualRunner(dir, hop.url, clock);
    await runner.start();
    expect(await readdir(join(dir, "lock"))).toEqual([]);
    await runner.runDue();
    expect(hop.messages).toHaveLength(1);
  });
});
