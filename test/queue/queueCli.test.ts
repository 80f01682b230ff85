// `msac queue list|show|retry|delete|bounce` on a spool folder, run in-process, including what
// happens while the runner holds a record's lock; and `--policy` through the built msac.

import { readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runQueue, type QueueCommandOptions } from "../../cli/queue.js";
import { readSpoolRecord, spoolRecordPath } from "../../runtime/deliver/spoolWriter.js";
import { ManualClock } from "../../runtime/queue/clock.js";
import { lockRecord } from "../../runtime/queue/recordLock.js";
import { runProcess } from "../support/processes.js";
import { startNextHop } from "../support/nextHop.js";
import { dsnParts, manualRunner, queueMessage, scratchSpool, testMessage } from "./queueHelpers.js";

async function msacQueue(action: string, id: string | undefined, options: QueueCommandOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const code = await runQueue(action, id, options, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

const ENVELOPE = { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }, { address: "carol@example.test" }] };

describe("msac queue", () => {
  it("lists and shows records with sender, recipients, attempts and last error", async () => {
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const id = await queueMessage(dir, ENVELOPE, testMessage("listed", "BODY TEXT\r\n"), clock);
    // one failed attempt against a port where nothing listens
    await manualRunner(dir, "smtp://127.0.0.1:9", clock).runDue();
    const list = await msacQueue("list", undefined, { spool: dir });
    expect(list.code).toBe(0);
    const [heading, row, footer] = list.stdout.trim().split("\n");
    expect(heading).toBe("ID\tAGE\tSENDER\tRECIPIENTS\tATTEMPTS\tNEXT\tLAST ERROR");
    expect(row!.split("\t").slice(0, 5)).toEqual([id, "0s", "alice@example.test", "bob@example.test,carol@example.test", "1"]);
    expect(row).toMatch(/unreachable \(ECONNREFUSED\)$/);
    expect(footer).toBe(`1 record(s) in ${resolve(dir)}`);
    const json = await msacQueue("list", undefined, { spool: dir, json: true });
    expect(JSON.parse(json.stdout)).toMatchObject({ id, sender: "alice@example.test", attempts: 1, pending: ["bob@example.test", "carol@example.test"] });
    const show = await msacQueue("show", id, { spool: dir });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`"id": "${id}"`);
    expect(show.stdout).toContain("Subject: listed");
    expect(show.stdout).not.toContain("BODY TEXT");
    expect((await msacQueue("show", "01NOSUCHRECORD", { spool: dir })).stderr).toBe("msac queue: no record 01NOSUCHRECORD\n");
  });

  it("retry makes a record due now; delete removes it; both refuse while the record is locked", async () => {
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const id = await queueMessage(dir, ENVELOPE, testMessage("retried"), clock);
    await manualRunner(dir, "smtp://127.0.0.1:9", clock).runDue();
    const before = Date.parse((await readSpoolRecord(spoolRecordPath(dir, id))).queue!.nextAttemptAt);
    expect(before).toBeGreaterThan(Date.now());
    const lock = (await lockRecord(dir, id))!; // as the runner holds it during an attempt
    expect(await msacQueue("retry", id, { spool: dir })).toMatchObject({ code: 1, stderr: `msac queue: ${id} is being delivered or changed right now; try again\n` });
    expect((await msacQueue("delete", id, { spool: dir })).code).toBe(1);
    await lock.release();
    expect(await msacQueue("retry", undefined, { spool: dir })).toMatchObject({ code: 0, stdout: `${id}: due now\n` });
    expect(Date.parse((await readSpoolRecord(spoolRecordPath(dir, id))).queue!.nextAttemptAt)).toBeLessThanOrEqual(Date.now());
    expect(await msacQueue("delete", id, { spool: dir })).toMatchObject({ code: 0, stdout: `${id}: deleted\n` });
    expect((await msacQueue("list", undefined, { spool: dir })).stdout).toContain("0 record(s)");
    expect((await msacQueue("delete", id, { spool: dir })).stderr).toBe(`msac queue: no record ${id}\n`);
  });

  it("bounce returns the message to its sender with a failed DSN", async () => {
    const hop = await startNextHop();
    try {
      const dir = await scratchSpool();
      const clock = new ManualClock();
      const id = await queueMessage(dir, ENVELOPE, testMessage("bounced"), clock);
      expect(await msacQueue("bounce", id, { spool: dir, hostname: "msa.example.test" })).toMatchObject({ code: 0, stdout: `${id}: returned to the sender\n` });
      await manualRunner(dir, hop.url, new ManualClock()).runDue(); // a clock from after the bounce
      expect(hop.messages).toHaveLength(1);
      expect(hop.messages[0]!.mailFrom).toBe("");
      const report = dsnParts(hop.messages[0]!.raw).parts[1]!;
      expect(report).toContain("Final-Recipient: rfc822; bob@example.test");
      expect(report).toContain("Final-Recipient: rfc822; carol@example.test");
      expect(report).toContain("Status: 5.0.0");
      expect(report).toContain("Reporting-MTA: dns; msa.example.test");
    } finally {
      await hop.stop();
    }
  });

  it("finds the spool of a policy, and refuses usage mistakes with status 2", async () => {
    const dir = await scratchSpool();
    const policy = join(dir, "q.msa");
    await writeFile(policy, 'hostname msa.example.test\nlisten 127.0.0.1:2525 plain\nallow unauthenticated\ndeliver spool "spool" relay smtp://127.0.0.1:9\n');
    await queueMessage(join(dir, "spool"), ENVELOPE, testMessage("via policy"), new ManualClock());
    const msac = resolve(import.meta.dirname, "../../dist/cli/msac.js");
    const listed = await runProcess(process.execPath, [msac, "queue", "list", "--policy", policy]);
    expect(listed.stderr).toBe("");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`1 record(s) in ${join(dir, "spool")}`);
    expect((await msacQueue("frobnicate", undefined, { spool: dir })).code).toBe(2);
    expect((await msacQueue("show", undefined, { spool: dir })).code).toBe(2);
    expect((await msacQueue("list", undefined, {})).code).toBe(2);
    expect((await msacQueue("delete", "../etc", { spool: dir })).code).toBe(2);
  });

  it("leaves no holder file behind: a process removes its own at exit", async () => {
    const dir = await scratchSpool();
    const id = await queueMessage(dir, ENVELOPE, testMessage("deleted by hand"), new ManualClock());
    const msac = resolve(import.meta.dirname, "../../dist/cli/msac.js");
    const deleted = await runProcess(process.execPath, [msac, "queue", "delete", id, "--spool", dir]);
    expect(deleted).toMatchObject({ code: 0, stdout: `${id}: deleted\n` });
    // the delete took the record's lock, so it made a holder file, and removed it as it exited
    expect(await readdir(join(dir, "lock"))).toEqual([]);
    expect(await readdir(join(dir, "holders"))).toEqual([]);
  });
});
