// `msac simulate` and the server run the same decision core, so they must give the same replies.
// Each scripted session here is played twice, through `simulate` and through a real server over
// loopback (STARTTLS with the test CA, AUTH PLAIN with the real password), and every reply code
// and enhanced code is compared; for messages that aliases expand or DKIM signs, the recipients and
// signatures of the message handed on are compared too. A drift between the two is a bug in one of them. The server's
// rate counters run on a clock the test moves a day ahead before each session, so every session
// starts with fresh windows, as each simulation does; sessions that share counters say so.
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readSpoolRecord, spoolRecordPath } from "../../runtime/deliver/spoolWriter.js";
import { MemoryCounterStore } from "../../runtime/limits/counterStore.js";
import { ManualClock } from "../../runtime/queue/clock.js";
import { parseScript } from "../../tooling/simulate/script.js";
import { simulate } from "../../tooling/simulate/session.js";
import { SimulatedLimits } from "../../tooling/simulate/simulatedLimits.js";
import { rawSmtp, type RawSmtpStep } from "../support/smtplib.js";
import { temporaryFolder } from "../support/temporaryFolder.js";
import { PASSWORDS, SUBMISSION_POLICY, authPlain, startMsa, type RunningMsa } from "../server/harness.js";

/** A command line, STARTTLS, a successful AUTH, or the message lines after a DATA command. */
type Step = string | { tls: true } | { auth: keyof typeof PASSWORDS } | { data: string[] };

const POLICY = [
  ...SUBMISSION_POLICY,
  "enforce address syntax",
  "require helo",
  "allow postmaster",
  "senders {",
  "  alice: alice@example.test, sales@example.test",
  "}",
  "limit size 2KB",
  "limit recipients 2",
  "limit recipients except @competitor.example",
  "add Date",
  "add Message-ID",
  "add Sender",
  "add Received",
  "limit rate 2 messages per hour per user",
  'aliases "{FILES}/aliases"',
  'sign dkim domain example.test selector s1 key "{FILES}/s1.key"',
  'sign dkim domain other.test selector s2 key "{FILES}/s2.key"',
  'deliver spool "spool"',
];

/** `staff` expands to two people, `team` to staff and one more (a loop is refused by `msac check`). */
const ALIASES = ["staff: bob@example.org, carol@example.org", "team: staff, dave@example.org", ""].join("\n");

const TLS: Step[] = ["EHLO client.example", { tls: true }, "EHLO client.example"];
const ALICE: Step[] = [...TLS, { auth: "alice" }];
const BOB: Step[] = [...TLS, { auth: "bob" }];
const MESSAGE = { data: ["From: alice@example.test", "Subject: hello", "", "body"] };

const SESSIONS: Record<string, Step[]> = {
  "MAIL before TLS": ["EHLO client.example", "MAIL FROM:<alice@example.test>"],
  "AUTH before TLS": ["EHLO client.example", { auth: "alice" }],
  "ETRN, VRFY and EXPN": ["EHLO client.example", "ETRN example.test", "VRFY alice", "EXPN staff"],
  "unknown command and NOOP": ["EHLO client.example", "FROB", "NOOP"],
  "MAIL without AUTH moves the refusal to RCPT": [...TLS, "MAIL FROM:<someone@example.org>", "RCPT TO:<bob@example.org>"],
  "postmaster without AUTH": [...TLS, "MAIL FROM:<someone@example.org>", "RCPT TO:<postmaster>", "RCPT TO:<PostMaster@msa.example.test>", "DATA", MESSAGE],
  "malformed recipient without AUTH learns nothing": [...TLS, "MAIL FROM:<someone@example.org>", "RCPT TO:<bad@@example.test>"],
  "a whole message as alice": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@example.org>", "DATA", MESSAGE],
  "alice's second address": [...ALICE, "MAIL FROM:<sales@example.test>", "RCPT TO:<bob@example.org>", "DATA", MESSAGE],
  "a sender alice may not use": [...ALICE, "MAIL FROM:<ceo@example.test>"],
  "bob may use only his own address": [...BOB, "MAIL FROM:<bob>", "RSET", "MAIL FROM:<alice@example.test>"],
  "bad sender syntax": [...ALICE, "MAIL FROM:<alice@@example.test>"],
  "bad recipient syntax": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@@example.org>"],
  "too many recipients": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<a@example.org>", "RCPT TO:<b@example.org>", "RCPT TO:<c@example.org>"],
  "a refused target": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<rival@competitor.example>", "RCPT TO:<friend@example.org>"],
  "percent hack and bang path": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<x%competitor.example@example.test>", "RCPT TO:<competitor.example!x@example.test>"],
  "declared size over the limit": [...ALICE, "MAIL FROM:<alice> SIZE=5000"],
  "message over the limit": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@example.org>", "DATA", { data: ["Subject: big", "", "x".repeat(900), "x".repeat(900), "x".repeat(900)] }],
  "unknown MAIL parameter": [...ALICE, "MAIL FROM:<alice> FROB=1"],
  "non-ASCII sender without SMTPUTF8": [...ALICE, "MAIL FROM:<jösé@example.test>"],
  "header line without a colon": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@example.org>", "DATA", { data: ["Subject: hi", "this is not a field", "", "body"] }],
  "commands out of order": [...ALICE, "RCPT TO:<bob@example.org>", "MAIL FROM:<alice>", "MAIL FROM:<alice>"],
  "AUTH inside a transaction": [...TLS, "MAIL FROM:<someone@example.org>", { auth: "alice" }],
  "AUTH twice": [...ALICE, { auth: "alice" }],
  "RSET then AUTH": [...TLS, "MAIL FROM:<someone@example.org>", "RSET", { auth: "alice" }, "MAIL FROM:<alice>"],
  "two messages in one session": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<a@example.org>", "DATA", MESSAGE, "MAIL FROM:<sales>", "RCPT TO:<b@example.org>", "DATA", MESSAGE],
  "DSN parameters": [...ALICE, "MAIL FROM:<alice> RET=HDRS ENVID=abc", "RCPT TO:<bob@example.org> NOTIFY=FAILURE,DELAY", "DATA", MESSAGE],
  "null sender": [...ALICE, "MAIL FROM:<>", "RCPT TO:<bob@example.org>", "DATA", MESSAGE],
  "HELO instead of EHLO": ["HELO client.example", "MAIL FROM:<alice@example.test>"],
  "NOOP and RSET inside a transaction": [...ALICE, "MAIL FROM:<alice>", "NOOP", "RSET", "RCPT TO:<bob@example.org>"],
  QUIT: [...ALICE, "QUIT"],
  "BODY=8BITMIME": [...ALICE, "MAIL FROM:<alice> BODY=8BITMIME", "RCPT TO:<bob@example.org>", "DATA", { data: ["Subject: caf\u00e9", "", "cr\u00e8me"] }],
  "SMTPUTF8 with a non-ASCII recipient": [...ALICE, "MAIL FROM:<alice> SMTPUTF8", "RCPT TO:<jos\u00e9@example.org>", "DATA", MESSAGE],
  "unknown RCPT parameter": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@example.org> FROB=1"],
  "NOTIFY=NEVER and ORCPT": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@example.org> NOTIFY=NEVER ORCPT=rfc822;bob@example.org", "DATA", MESSAGE],
  "declared size within the limit": [...ALICE, "MAIL FROM:<alice> SIZE=500", "RCPT TO:<bob@example.org>", "DATA", MESSAGE],
  "quoted local part": [...ALICE, "MAIL FROM:<alice>", 'RCPT TO:<"john smith"@example.org>', "DATA", MESSAGE],
  "address literal": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@[192.0.2.1]>"],
  "single-label domain is qualified": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@intranet>", "DATA", MESSAGE],
  "a third recipient after a refused one": [
    ...ALICE,
    "MAIL FROM:<alice>",
    "RCPT TO:<a@example.org>",
    "RCPT TO:<rival@competitor.example>",
    "RCPT TO:<b@example.org>",
    "RCPT TO:<c@example.org>",
  ],
  "header line over 998 octets": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@example.org>", "DATA", { data: [`Subject: ${"s".repeat(1000)}`, "", "body"] }],
  "8-bit character in a field name": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@example.org>", "DATA", { data: ["Subj\u00e9ct: hi", "", "body"] }],
  "message without a header section": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@example.org>", "DATA", { data: ["", "just a body"] }],
  "a From: alice may not use is still taken (no enforce senders in headers)": [
    ...ALICE,
    "MAIL FROM:<alice>",
    "RCPT TO:<bob@example.org>",
    "DATA",
    { data: ["From: ceo@example.test", "", "body"] },
  ],
  "postmaster of the qualify domain with AUTH": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<POSTMASTER@example.test>"],
  "postmaster of another domain without AUTH": [...TLS, "MAIL FROM:<someone@example.org>", "RCPT TO:<postmaster@example.org>"],
  "EHLO again resets the transaction": [...ALICE, "MAIL FROM:<alice>", "EHLO client.example", "RCPT TO:<bob@example.org>"],
  "STARTTLS twice": [...TLS, "STARTTLS"],
  "a mail from before TLS, then STARTTLS and MAIL again": ["EHLO client.example", "MAIL FROM:<alice>", { tls: true }, "EHLO client.example", "MAIL FROM:<alice>"],
  "EHLO with the server's own name": [
    "EHLO msa.example.test",
    { tls: true },
    "EHLO msa.example.test",
    { auth: "alice" },
    "MAIL FROM:<alice>",
    "EHLO client.example",
    "MAIL FROM:<alice>",
  ],
  "EHLO with the client's address literal, then another's": [
    "EHLO [127.0.0.1]",
    { tls: true },
    "EHLO [127.0.0.1]",
    { auth: "alice" },
    "MAIL FROM:<alice>",
    "RSET",
    "EHLO [192.0.2.99]",
    "MAIL FROM:<alice>",
  ],
  "an alias expanded to two people": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<staff@example.test>", "DATA", MESSAGE],
  "a nested alias and a recipient it also reaches": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<team@example.test>", "RCPT TO:<carol@example.org>", "DATA", MESSAGE],
  "signed for example.test": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@example.org>", "DATA", { data: ["From: Alice <alice@example.test>", "Subject: signed", "", "body"] }],
  "a From no signature covers goes unsigned": [...ALICE, "MAIL FROM:<alice>", "RCPT TO:<bob@example.org>", "DATA", { data: ["From: someone@elsewhere.example", "", "body"] }],
};

/** Sessions played one after the other against one server (and one simulated server): their counters add up. */
const SHARED_COUNTERS: Record<string, Step[][]> = {
  "a third message in the hour, in a second session, is over `limit rate 2 messages per hour per user`": [
    [...BOB, "MAIL FROM:<bob>", "RCPT TO:<a@example.org>", "DATA", MESSAGE, "MAIL FROM:<bob>", "RCPT TO:<b@example.org>", "DATA", MESSAGE],
    [...BOB, "MAIL FROM:<bob>", "RSET", "MAIL FROM:<bob@example.test>"],
  ],
};

const DAY_MS = 86_400_000;
const wireClock = new ManualClock();
let msa: RunningMsa;
beforeAll(async () => {
  const files = temporaryFolder("msa-differential-");
  await writeFile(join(files, "aliases"), ALIASES);
  for (const name of ["s1", "s2"]) await writeFile(join(files, `${name}.key`), generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }));
  const policy = POLICY.map((line) => line.replace("{FILES}", files));
  msa = await startMsa(policy, { limitsStore: new MemoryCounterStore({ clock: wireClock }) });
});

function scriptOf(steps: Step[]): string {
  return steps.map((s) => (typeof s === "string" ? s : "tls" in s ? "#tls" : "auth" in s ? `#auth ${s.auth}` : [...s.data, "."].join("\n"))).join("\n");
}

function wireOf(steps: Step[]): RawSmtpStep[] {
  return steps.flatMap((s): RawSmtpStep[] => {
    if (typeof s === "string") return [s];
    if ("tls" in s) return ["STARTTLS"];
    if ("auth" in s) return [authPlain(s.auth, PASSWORDS[s.auth])];
    return [Buffer.from([...s.data, "."].map((l) => `${l}\r\n`).join(""))];
  });
}

/** `250`, or `550 5.7.1` when the reply has an enhanced code. */
function codeOf(reply: string): string {
  const last = reply.split("\n").at(-1)!;
  const [code, enhanced] = last.split(/[ -]/);
  return enhanced && /^\d\.\d{1,3}\.\d{1,3}$/.test(enhanced) ? `${code} ${enhanced}` : code!;
}

/** The reply codes of one session in the simulator, with `limits` carried over from earlier sessions when given. */
async function simulatedCodes(steps: Step[], limits?: SimulatedLimits): Promise<string[]> {
  const { steps: script, problems } = parseScript(scriptOf(steps));
  expect(problems).toEqual([]);
  // The wire's client is 127.0.0.1 (`require helo` compares address literals with it).
  const simulated = await simulate(msa.graph, script, { listener: msa.graph.listeners[0]!, clientAddress: "127.0.0.1", ...(limits ? { limits } : {}) });
  // the simulator answers a step that is not a command (#tls) with nothing; the wire's STARTTLS gets 220
  return simulated.exchanges.flatMap((e, i) => (script[i]!.kind === "tls" ? ["220 2.0.0"] : e.replies.map((r) => (r.enhanced ? `${r.code} ${r.enhanced}` : String(r.code)))));
}

async function wireCodes(steps: Step[]): Promise<string[]> {
  const wire = await rawSmtp(msa.port, wireOf(steps), { ca: msa.pki.caCertPem });
  return wire.slice(1).map(codeOf);
}

describe("msac simulate against the server, session by session", () => {
  it.each(Object.entries(SESSIONS))("%s", async (_name, steps) => {
    wireClock.advance(DAY_MS);
    expect(await wireCodes(steps)).toEqual(await simulatedCodes(steps));
  });
});

describe("msac simulate against the server, sessions sharing rate counters", () => {
  it.each(Object.entries(SHARED_COUNTERS))("%s", async (_name, sessions) => {
    wireClock.advance(DAY_MS);
    const limits = new SimulatedLimits(msa.graph, wireClock.now());
    const fromWire: string[][] = [];
    const fromSimulate: string[][] = [];
    for (const steps of sessions) {
      fromWire.push(await wireCodes(steps));
      fromSimulate.push(await simulatedCodes(steps, limits));
    }
    expect(fromWire).toEqual(fromSimulate);
    expect(fromWire.at(-1)).toContain("451 4.7.1");
  });
});

/** What a delivered message says about the finish stage: its recipients and the signatures on top. */
function finished(recipients: readonly string[], message: Buffer): { recipients: string[]; signatures: string[] } {
  const signatures = [...message.toString("latin1").matchAll(/^DKIM-Signature:((?:.|\r\n[ \t])*)/gim)].map((m) => {
    const tags = m[1]!.replace(/\s+/g, "");
    return `${/(?:^|;)d=([^;]*)/.exec(tags)?.[1]} ${/(?:^|;)s=([^;]*)/.exec(tags)?.[1]}`;
  });
  return { recipients: [...recipients], signatures };
}

describe("msac simulate against the server: the message handed on", () => {
  const finishing = ["an alias expanded to two people", "a nested alias and a recipient it also reaches", "signed for example.test", "a From no signature covers goes unsigned"];
  it.each(finishing)("%s: the same recipients and signatures", async (name) => {
    const steps = SESSIONS[name]!;
    wireClock.advance(DAY_MS);
    const wire = await rawSmtp(msa.port, wireOf(steps), { ca: msa.pki.caCertPem });
    const id = /queued as (\S+)/.exec(wire.at(-1)!)?.[1];
    expect(id, wire.at(-1)).toBeDefined();
    const record = await readSpoolRecord(spoolRecordPath(join(msa.dir, "spool"), id!));
    const { steps: script } = parseScript(scriptOf(steps));
    const simulated = (await simulate(msa.graph, script, { listener: msa.graph.listeners[0]! })).exchanges.at(-1)!.delivered!;
    const fromWire = finished(
      record.envelope.recipients.map((r) => r.address),
      record.message,
    );
    expect(fromWire).toEqual(finished(simulated.recipients, simulated.bytes));
    // Each session shows something: a recipient list that aliases changed, or a signature, or none where none is due.
    if (name.startsWith("signed")) expect(fromWire.signatures).toEqual(["example.test s1"]);
    if (name.includes("alias")) expect(fromWire.recipients.length).toBeGreaterThan(1);
  });
});
