// Delivery over real sockets: deliver relay in line (250 only after the next hop's 250, 451 4.4.x when it is down or defers, its 5xx passed on), deliver spool (250 only once the record is in new/, 451 and nothing half-written when the spool cannot write), and the SMTP smuggling sequences refused with nothing smuggled delivered.
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { startNextHop, type NextHop, type NextHopMode } from "../support/nextHop.js";
import { rawSmtp } from "../support/smtplib.js";
import { PASSWORDS, SUBMISSION_POLICY, authPlain, codes, eventually, rejections, startMsa, type RunningMsa, startMsaWithNextHop } from "./harness.js";

const BASE = SUBMISSION_POLICY;
const session = (_ca: string) => ["EHLO client.example", "STARTTLS", "EHLO client.example", authPlain("alice", PASSWORDS.alice)];
const transaction = (text = "Subject: t\r\n\r\nbody\r\n") => ["MAIL FROM:<alice>", "RCPT TO:<bob>", "DATA", Buffer.from(text + ".\r\n")];

describe("deliver relay (in line)", () => {
  let hop: NextHop;
  let msa: RunningMsa;
  beforeAll(async () => {
    // One connection per message, so every failure mode of the next hop is met by a new session.
    ({ hop, msa } = await startMsaWithNextHop((url) => [...BASE, `deliver relay ${url}`], { delivery: { pool: false } }));
  });
  const submit = async () => (await rawSmtp(msa.port, [...session(msa.pki.caCertPem), ...transaction()], { ca: msa.pki.caCertPem })).at(-1);

  it("answers 250 2.0.0 only once the next hop has the message", async () => {
    hop.mode = "accept";
    const count = hop.messages.length;
    const reply = await submit();
    expect(codes(reply)).toBe("250 2.0.0");
    // no waiting: the next hop said 250 before we did
    expect(hop.messages.length).toBe(count + 1);
  });
  it.each<[NextHopMode, RegExp]>([
    ["drop-connect", /^451 4\.4\.\d+$/],
    ["drop-mail", /^451 4\.4\.\d+$/],
    ["drop-data", /^451 4\.4\.\d+$/],
    ["defer-mail", /^451 4\.\d+\.\d+$/],
    ["defer-data", /^451 4\.\d+\.\d+$/],
  ])("answers 451 when the next hop does %s, and logs the deliver rule", async (mode, expected) => {
    hop.mode = mode;
    const before = msa.logs.length;
    const count = hop.messages.length;
    const reply = await submit();
    expect(codes(reply)).toMatch(expected);
    expect(hop.messages.length).toBe(count);
    await eventually(() => rejections(msa.logs.slice(before)).length > 0);
    expect(rejections(msa.logs.slice(before))[0]).toMatchObject({ stage: "deliver", code: 451, rule: msa.rule("deliver") });
    hop.mode = "accept";
  });
  it.each<NextHopMode>(["refuse-mail", "refuse-data"])("passes a 5xx on when the next hop does %s", async (mode) => {
    hop.mode = mode;
    const reply = await submit();
    expect(codes(reply)).toBe("550 5.7.1");
    hop.mode = "accept";
  });
  it("answers 451 4.4.x when nothing listens at the next hop", async () => {
    const down = await startNextHop();
    const url = down.url;
    await down.stop();
    const lonely = await startMsa([...BASE, `deliver relay ${url}`]);
    const replies = await rawSmtp(lonely.port, [...session(lonely.pki.caCertPem), ...transaction()], { ca: lonely.pki.caCertPem });
    expect(codes(replies.at(-1))).toMatch(/^451 4\.4\.\d+$/);
    await lonely.stop();
  });
});

describe("limit rate with deliver relay", () => {
  it("takes a message the next hop defers back out of the counts: the retry is not refused as over the rate", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => [...BASE, "limit rate 1 messages per hour per user", `deliver relay ${url}`], { delivery: { pool: false } });
    const submit = async () => (await rawSmtp(msa.port, [...session(msa.pki.caCertPem), ...transaction()], { ca: msa.pki.caCertPem })).at(-1);
    hop.mode = "defer-data";
    expect(codes(await submit())).toBe("451 4.3.0");
    hop.mode = "accept";
    expect(codes(await submit())).toBe("250 2.0.0");
    // the one message of the hour is now spent: refused at MAIL
    const over = await rawSmtp(msa.port, [...session(msa.pki.caCertPem), "MAIL FROM:<alice>"], { ca: msa.pki.caCertPem });
    expect(codes(over.at(-1))).toBe("451 4.7.1");
    expect(hop.messages).toHaveLength(1);
  });
});

describe("deliver spool", () => {
  it("answers 250 2.0.0 only once the record is in new/, and the record carries the Received queue id", async () => {
    const msa = await startMsa([...BASE, "add Received", 'deliver spool "spool"']);
    const replies = await rawSmtp(msa.port, [...session(msa.pki.caCertPem), ...transaction()], { ca: msa.pki.caCertPem });
    expect(codes(replies.at(-1))).toBe("250 2.0.0");
    const records = await readdir(join(msa.dir, "spool", "new"));
    expect(records).toHaveLength(1);
    expect(await readdir(join(msa.dir, "spool", "tmp"))).toEqual([]);
    const accepted = msa.logs.find((l) => l.event === "accept")!;
    // the record is named by the queue id the client was told and the Received field carries
    expect(records).toEqual([`${String(accepted.queueId)}.msg`]);
    expect(replies.at(-1)).toContain(`queued as ${String(accepted.queueId)}`);
    const record = await readFile(join(msa.dir, "spool", "new", records[0]!), "latin1");
    expect(record).toContain(`"queueId":"${String(accepted.queueId)}"`);
    expect(record).toContain(`id ${String(accepted.queueId)}`);
    await msa.stop();
  });
  it("answers 451 4.3.x when the spool cannot take the message, leaving nothing half-written", async () => {
    const msa = await startMsa([...BASE, 'deliver spool "spool"']);
    // a first message creates the folders; then new/ is replaced by a file, so the rename fails
    const ca = msa.pki.caCertPem;
    expect(codes((await rawSmtp(msa.port, [...session(ca), ...transaction()], { ca })).at(-1))).toBe("250 2.0.0");
    await rm(join(msa.dir, "spool", "new"), { recursive: true });
    await writeFile(join(msa.dir, "spool", "new"), "not a folder");
    const before = msa.logs.length;
    expect(codes((await rawSmtp(msa.port, [...session(ca), ...transaction()], { ca })).at(-1))).toMatch(/^451 4\.3\.\d+$/);
    expect(await readdir(join(msa.dir, "spool", "tmp"))).toEqual([]);
    expect(rejections(msa.logs.slice(before))[0]).toMatchObject({ stage: "deliver", rule: msa.rule("deliver") });
    await msa.stop();
  });
});

describe("SMTP smuggling", () => {
  let hop: NextHop;
  let msa: RunningMsa;
  beforeAll(async () => {
    // One connection per message, so every failure mode of the next hop is met by a new session.
    ({ hop, msa } = await startMsaWithNextHop((url) => [...BASE, `deliver relay ${url}`], { delivery: { pool: false } }));
  });

  const smuggled = "MAIL FROM:<alice@example.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled body\r\n";
  it.each([
    ["\\n.\\n", "\n.\n"],
    ["\\r.\\r", "\r.\r"],
    ["\\r\\n.\\n", "\r\n.\n"],
    ["\\n.\\r\\n", "\n.\r\n"],
    ["\\r.\\r\\n", "\r.\r\n"],
  ])("refuses a message containing %s and delivers nothing smuggled", async (_name, sequence) => {
    const ca = msa.pki.caCertPem;
    const count = hop.mailAttempts;
    const data = Buffer.from(`Subject: real\r\n\r\nreal body${sequence}${smuggled}.\r\n`);
    const replies = await rawSmtp(msa.port, [...session(ca), "MAIL FROM:<alice>", "RCPT TO:<bob>", "DATA", { send: data, replies: 1 }, "QUIT"], { ca });
    expect(codes(replies.at(-2))).toBe("554 5.6.0");
    expect(replies.at(-1)).toMatch(/^221 /);
    expect(hop.mailAttempts).toBe(count);
    expect(hop.messages.some((m) => m.raw.toString().includes("smuggled"))).toBe(false);
  });
});
