// Durable spool: record round trip, layout (only new/ holds records), nothing left behind on
// error, both group-commit modes under concurrent writers, and the files of removed records
// written over by the next records.

import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Envelope } from "../../runtime/deliver/envelope.js";
import { SpoolRecordError, createSpoolId, decodeSpoolRecord, encodeSpoolRecord, spoolIdTime } from "../../runtime/deliver/spoolRecord.js";
import { SpoolWriter, readSpoolRecord, removeSpoolRecord, spoolRecordPath, sweepSpoolTmp, writeSpoolRecord } from "../../runtime/deliver/spoolWriter.js";

const scratch: string[] = [];
afterEach(async () => {
  while (scratch.length) await rm(scratch.pop()!, { recursive: true, force: true });
});

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "msa-spool-test-"));
  scratch.push(dir);
  return dir;
}

const ENVELOPE: Envelope = {
  mailFrom: "alice@example.test",
  recipients: [{ address: "bob@example.test", dsn: { notify: ["FAILURE", "DELAY"], orcpt: "rfc822;bob@example.test" } }, { address: "jörg@example.test" }],
  dsn: { ret: "HDRS", envid: "QQ314159" },
  smtputf8: true,
  bodyType: "8BITMIME",
};

// 8-bit bytes, CRLF, a bare LF and a line that is only a dot: none of it may change
const MESSAGE = Buffer.concat([Buffer.from("From: alice@example.test\r\nSubject: Grüße\r\n\r\n", "utf8"), Buffer.from([0xff, 0x00, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a, 0x0a, 0x80])]);

describe("spool record format", () => {
  it("encodes and decodes a record byte for byte", () => {
    const [header, body] = encodeSpoolRecord({ id: "ID1", receivedAt: "2024-01-01T00:00:00.000Z", envelope: ENVELOPE, meta: { login: "alice" } }, MESSAGE);
    expect(header.subarray(0, -1).includes(0x0a)).toBe(false);
    const record = decodeSpoolRecord(Buffer.concat([header, body]));
    expect(record).toMatchObject({ format: "msa-spool", version: 1, id: "ID1", size: MESSAGE.length });
    expect(record.envelope).toEqual(ENVELOPE);
    expect(record.meta).toEqual({ login: "alice" });
    expect(record.message.equals(MESSAGE)).toBe(true);
  });

  it("refuses truncated records and unknown versions", () => {
    const whole = Buffer.concat(encodeSpoolRecord({ id: "ID2", receivedAt: new Date().toISOString(), envelope: ENVELOPE, meta: {} }, MESSAGE));
    expect(() => decodeSpoolRecord(whole.subarray(0, whole.length - 1))).toThrow(SpoolRecordError);
    const newer = Buffer.from(whole.toString("latin1").replace('"version":1', '"version":2'), "latin1");
    expect(() => decodeSpoolRecord(newer)).toThrow(/version 2/);
    expect(() => decodeSpoolRecord(Buffer.from("no header line"))).toThrow(SpoolRecordError);
  });

  it("makes ids that sort in creation order and carry their time", () => {
    const ids = Array.from({ length: 1000 }, () => createSpoolId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(Math.abs(spoolIdTime(ids[0]).getTime() - Date.now())).toBeLessThan(10_000);
  });
});

describe("writeSpoolRecord", () => {
  it("creates the folders (0700), writes the record into new/ only, and reads it back", async () => {
    const dir = join(await scratchDir(), "spool");
    const before = Date.now();
    const outcome = await writeSpoolRecord(dir, ENVELOPE, MESSAGE, { login: "alice", clientAddress: "127.0.0.1" });
    expect(outcome.kind).toBe("accepted");
    if (outcome.kind !== "accepted") return;

    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, "new"))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
    expect(await readdir(join(dir, "new"))).toEqual([`${outcome.id}.msg`]);
    const path = spoolRecordPath(dir, outcome.id);
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const record = await readSpoolRecord(path);
    expect(record.id).toBe(outcome.id);
    expect(record.envelope).toEqual(ENVELOPE);
    expect(record.meta).toEqual({ login: "alice", clientAddress: "127.0.0.1" });
    expect(record.message.equals(MESSAGE)).toBe(true);
    expect(Date.parse(record.receivedAt)).toBeGreaterThanOrEqual(before - 1);
  });

  it("answers 451 4.3.0 when the spool folder cannot be created, leaving nothing", async () => {
    const parent = await scratchDir();
    await writeFile(join(parent, "blocker"), "a file where the spool folder should be");
    const outcome = await writeSpoolRecord(join(parent, "blocker", "spool"), ENVELOPE, MESSAGE);
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.3.0" });
    expect(await readdir(parent)).toEqual(["blocker"]);
  });

  it("removes its tmp file when the record cannot be moved into new/", async () => {
    const dir = await scratchDir();
    const writer = new SpoolWriter({ dir, groupCommit: false });
    expect((await writer.write(ENVELOPE, MESSAGE)).kind).toBe("accepted");
    // new/ turns into a file: the tmp file is written and fsync'd, then the rename fails
    await rm(join(dir, "new"), { recursive: true });
    await writeFile(join(dir, "new"), "");
    const outcome = await writer.write(ENVELOPE, MESSAGE);
    expect(outcome).toMatchObject({ kind: "temporary", code: 451, enhanced: "4.3.0" });
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
  });

  it("creates the folders again when they are removed under a running writer", async () => {
    const dir = await scratchDir();
    const writer = new SpoolWriter({ dir, groupCommit: true });
    expect((await writer.write(ENVELOPE, MESSAGE)).kind).toBe("accepted");
    await rm(dir, { recursive: true });
    expect((await writer.write(ENVELOPE, MESSAGE)).kind).toBe("accepted");
    expect(await readdir(join(dir, "new"))).toHaveLength(1);
  });

  it("sweeps what a crash left in tmp/", async () => {
    const dir = await scratchDir();
    expect(await sweepSpoolTmp(dir)).toEqual([]);
    expect((await writeSpoolRecord(dir, ENVELOPE, MESSAGE)).kind).toBe("accepted");
    await writeFile(join(dir, "tmp", "half-written"), "partial");
    expect(await sweepSpoolTmp(dir)).toEqual(["half-written"]);
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
    expect(await readdir(join(dir, "new"))).toHaveLength(1);
  });
});

describe("SpoolWriter under concurrent writes", () => {
  for (const groupCommit of [false, true]) {
    it(`writes 50 concurrent records correctly (groupCommit: ${groupCommit})`, async () => {
      const dir = await scratchDir();
      const writer = new SpoolWriter({ dir, groupCommit });
      const messages = Array.from({ length: 50 }, (_, i) => Buffer.concat([Buffer.from(`Subject: message ${i}\r\n\r\n`), Buffer.alloc(1000 + i * 37, i)]));
      const outcomes = await Promise.all(
        messages.map((message, i) =>
          writer.write({ mailFrom: `sender${i}@example.test`, recipients: [{ address: "bob@example.test" }] }, message, {
            sessionId: `s${i}`,
          }),
        ),
      );
      expect(outcomes.every((outcome) => outcome.kind === "accepted")).toBe(true);
      const ids = outcomes.map((outcome) => (outcome.kind === "accepted" ? outcome.id : ""));
      expect(new Set(ids).size).toBe(50);
      expect(await readdir(join(dir, "tmp"))).toEqual([]);
      expect((await readdir(join(dir, "new"))).sort()).toEqual(ids.map((id) => `${id}.msg`).sort());
      for (const [i, id] of ids.entries()) {
        const record = await readSpoolRecord(spoolRecordPath(dir, id));
        expect(record.envelope.mailFrom).toBe(`sender${i}@example.test`);
        expect(record.meta.sessionId).toBe(`s${i}`);
        expect(record.message.equals(messages[i])).toBe(true);
        expect((await readFile(spoolRecordPath(dir, id))).length).toBeGreaterThan(messages[i].length);
      }
    });
  }
});

describe("spare record files", () => {
  const spares = async (dir: string) => (await readdir(join(dir, "tmp"))).filter((name) => name.startsWith("spare-"));

  it("writes a new record over the file of a removed one, with nothing of the old bytes left", async () => {
    const dir = await scratchDir();
    const writer = new SpoolWriter({ dir, groupCommit: true });
    const long = Buffer.concat([MESSAGE, Buffer.alloc(20_000, 0x41)]);
    const first = await writer.write(ENVELOPE, long);
    if (first.kind !== "accepted") throw new Error("not stored");
    const inode = (await stat(spoolRecordPath(dir, first.id))).ino;
    await removeSpoolRecord(dir, first.id, { groupCommit: true });
    expect(await readdir(join(dir, "new"))).toEqual([]);
    expect(await spares(dir)).toEqual([expect.stringMatching(new RegExp(`^spare-${process.pid}-[0-9a-f]+-\\d+$`))]);

    const second = await writer.write(ENVELOPE, MESSAGE);
    if (second.kind !== "accepted") throw new Error("not stored");
    expect((await stat(spoolRecordPath(dir, second.id))).ino).toBe(inode);
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
    // the shorter record is whole and alone in the file: no tail of the 20 KB one
    const record = await readSpoolRecord(spoolRecordPath(dir, second.id));
    expect(record.message.equals(MESSAGE)).toBe(true);
    expect((await readFile(spoolRecordPath(dir, second.id))).includes(Buffer.alloc(64, 0x41))).toBe(false);

    // with no spare left, the next record gets a file of its own
    const third = await writer.write(ENVELOPE, MESSAGE);
    if (third.kind !== "accepted") throw new Error("not stored");
    expect((await stat(spoolRecordPath(dir, third.id))).ino).not.toBe(inode);
  });

  it("hands a spare out only once its removal from new/ is on disk, and keeps no file over 1 MB", async () => {
    const dir = await scratchDir();
    const writer = new SpoolWriter({ dir, groupCommit: true });
    const first = await writer.write(ENVELOPE, MESSAGE);
    if (first.kind !== "accepted") throw new Error("not stored");
    const inode = (await stat(spoolRecordPath(dir, first.id))).ino;
    // a record written while the removal's fsync runs gets a file of its own: written over before,
    // a crash could leave new/ naming the removed record with this one's bytes in it
    const removal = removeSpoolRecord(dir, first.id, { groupCommit: true });
    const during = await writer.write(ENVELOPE, MESSAGE);
    await removal;
    if (during.kind !== "accepted") throw new Error("not stored");
    expect((await stat(spoolRecordPath(dir, during.id))).ino).not.toBe(inode);
    const after = await writer.write(ENVELOPE, MESSAGE);
    if (after.kind !== "accepted") throw new Error("not stored");
    expect((await stat(spoolRecordPath(dir, after.id))).ino).toBe(inode);

    const big = await writer.write(ENVELOPE, Buffer.concat([MESSAGE, Buffer.alloc(1024 * 1024, 0x41)]));
    if (big.kind !== "accepted") throw new Error("not stored");
    await removeSpoolRecord(dir, big.id, { groupCommit: true });
    expect(await spares(dir)).toEqual([]);
  });

  it("unlinks a removed record in a process that writes none into that spool (msac queue delete)", async () => {
    const dir = await scratchDir();
    const stored = await writeSpoolRecord(dir, ENVELOPE, MESSAGE);
    if (stored.kind !== "accepted") throw new Error("not stored");
    await removeSpoolRecord(dir, stored.id);
    expect(await readdir(join(dir, "new"))).toEqual([]);
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
  });

  it("removes a delivered record from new/ even with tmp/ removed under the writer (left there, it would go out again at every scan)", async () => {
    const dir = await scratchDir();
    const writer = new SpoolWriter({ dir, groupCommit: false });
    const stored = await writer.write(ENVELOPE, MESSAGE);
    if (stored.kind !== "accepted") throw new Error("not stored");
    await rm(join(dir, "tmp"), { recursive: true });
    await removeSpoolRecord(dir, stored.id);
    expect(await readdir(join(dir, "new"))).toEqual([]);
  });

  it("takes a new file when a spare was removed under the writer", async () => {
    const dir = await scratchDir();
    const writer = new SpoolWriter({ dir, groupCommit: false });
    const first = await writer.write(ENVELOPE, MESSAGE);
    if (first.kind !== "accepted") throw new Error("not stored");
    await removeSpoolRecord(dir, first.id);
    const [spare] = await spares(dir);
    await rm(join(dir, "tmp", spare!));
    const second = await writer.write(ENVELOPE, MESSAGE);
    expect(second.kind).toBe("accepted");
    if (second.kind === "accepted") expect((await readSpoolRecord(spoolRecordPath(dir, second.id))).message.equals(MESSAGE)).toBe(true);
  });

  it("are left alone by the tmp/ sweep while their process runs, and swept once it is gone", async () => {
    const dir = await scratchDir();
    const writer = new SpoolWriter({ dir, groupCommit: false });
    const stored = await writer.write(ENVELOPE, MESSAGE);
    if (stored.kind !== "accepted") throw new Error("not stored");
    await removeSpoolRecord(dir, stored.id);
    const [ours] = await spares(dir);
    // a process that ran with the spool before and is gone; our pid with another token is a process before us
    await writeFile(join(dir, "tmp", "spare-999999999-deadbeef-0"), "x");
    await writeFile(join(dir, "tmp", `spare-${process.pid}-0000000000000000-3`), "x");
    const swept = await sweepSpoolTmp(dir);
    expect(swept.sort()).toEqual([`spare-${process.pid}-0000000000000000-3`, "spare-999999999-deadbeef-0"]);
    expect(await readdir(join(dir, "tmp"))).toEqual([ours]);
  });
});
