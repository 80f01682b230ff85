// `rewrite senders "FILE"` and `deliver from SENDER relay URL` on the wire: the next hops get the
// rewritten envelope sender and sender fields, and each message reaches the hop its (rewritten)
// sender picks, in line and through the spool; a DSN takes the hop of the message it reports on.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startQueueRunner } from "../../runtime/queue/queueFromPolicy.js";
import { startNextHop, type NextHop } from "../support/nextHop.js";
import { type RunningMsa, SUBMISSION_POLICY, eventually, startMsa, submitAs } from "./harness.js";

// A domain moved (`@old.example` -> `@a.example`), one person's address replaced, and one address
// of the old domain that does not follow its domain (the specific line wins).
const CANONICAL = ["# sender canonical", "@old.example @a.example", "carol@example.test carol.smith@example.org", "boss@old.example ceo@example.org", ""].join("\n");

let folder: string;
let canonical: string;
const hops: NextHop[] = [];
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "msa-sender-routing-"));
  canonical = join(folder, "sender_canonical");
  await writeFile(canonical, CANONICAL);
});
afterAll(async () => {
  await Promise.all(hops.map((hop) => hop.stop()));
  await rm(folder, { recursive: true, force: true });
});

async function hop(options: Parameters<typeof startNextHop>[0] = {}): Promise<NextHop> {
  const started = await startNextHop(options);
  hops.push(started);
  return started;
}

const message = (from: string, to: string) => `From: "Sender" <${from}>\r\nReply-To: ${from}\r\nTo: ${to}\r\nCc: dave@old.example\r\nSubject: routing\r\n\r\nhello\r\n`;

describe("in line: rewrite senders and deliver from", () => {
  let hopA: NextHop;
  let hopB: NextHop;
  let msa: RunningMsa;
  beforeAll(async () => {
    [hopA, hopB] = await Promise.all([hop(), hop()]);
    msa = await startMsa([...SUBMISSION_POLICY, `rewrite senders "${canonical}"`, `deliver relay ${hopB.url}`, `deliver from @a.example relay ${hopA.url}`]);
  });
  afterAll(() => msa.stop());

  it("rewrites the envelope sender and the sender fields, and relays to the hop the new sender picks", async () => {
    expect(await submitAs(msa, "alice", { from: "dave@OLD.example", to: ["bob@example.org"] }, message("dave@old.example", "bob@example.org"))).toMatch(/^250 2\.0\.0/);
    const [received] = await hopA.waitForMessages(1);
    expect(received!.mailFrom).toBe("dave@a.example");
    const header = received!.raw.toString().split("\r\n\r\n")[0]!;
    expect(header).toContain('From: "Sender" <dave@a.example>');
    expect(header).toContain("Reply-To: dave@a.example");
    // Recipient fields are not the sender's: left as written.
    expect(header).toContain("Cc: dave@old.example");
    expect(hopB.messages).toHaveLength(0);
  });

  it("logs each rewrite with the policy rule and the table line", async () => {
    const rewritten = () => msa.logs.filter((l) => l.event === "sender-rewritten");
    // MAIL FROM, From: and Reply-To: of the first message.
    await eventually(() => rewritten().length >= 3);
    const rewrites = rewritten();
    expect(rewrites[0]).toMatchObject({ rule: msa.rule("rewrite senders"), entry: `${canonical}:2`, detail: expect.stringContaining("dave@old.example -> dave@a.example") });
    expect(rewrites.map((r) => r.detail)).toContainEqual(expect.stringMatching(/^From: .* -> "Sender" <dave@a\.example>/));
  });

  it("sends every other sender to the main hop, an address line winning over its domain's", async () => {
    expect(await submitAs(msa, "alice", { from: "boss@old.example", to: ["bob@example.org"] }, message("boss@old.example", "bob@example.org"))).toMatch(/^250 2\.0\.0/);
    expect(await submitAs(msa, "alice", { from: "carol@example.test", to: ["bob@example.org"] }, message("carol@example.test", "bob@example.org"))).toMatch(/^250 2\.0\.0/);
    const received = await hopB.waitForMessages(2);
    expect(received.map((m) => m.mailFrom)).toEqual(["ceo@example.org", "carol.smith@example.org"]);
    expect(received[1]!.raw.toString()).toContain('From: "Sender" <carol.smith@example.org>');
    expect(hopA.messages).toHaveLength(1);
  });

  it("compares the local part exactly: Carol@ is not carol@", async () => {
    expect(await submitAs(msa, "alice", { from: "Carol@example.test", to: ["bob@example.org"] }, message("Carol@example.test", "bob@example.org"))).toMatch(/^250 2\.0\.0/);
    const received = await hopB.waitForMessages(3);
    expect(received[2]!.mailFrom).toBe("Carol@example.test");
  });
});

describe("through the spool: deliver spool relay with deliver from", () => {
  let hopA: NextHop;
  let hopB: NextHop;
  let msa: RunningMsa;
  let stopQueue: () => Promise<void>;
  beforeAll(async () => {
    [hopA, hopB] = await Promise.all([hop({ refuseRecipients: ["nobody@example.org"] }), hop()]);
    msa = await startMsa([...SUBMISSION_POLICY, `rewrite senders "${canonical}"`, `deliver spool "{DIR}/spool" relay ${hopB.url}`, `deliver from @a.example relay ${hopA.url}`]);
    const queue = startQueueRunner(msa.graph, { info() {}, warn() {}, error() {} }, { pollIntervalMs: 50, retry: { initialMs: 50 } });
    await queue.started;
    stopQueue = () => queue.stop();
  });
  afterAll(async () => {
    await stopQueue();
    await msa.stop();
  });

  it("relays each queued message to the hop its sender picks", async () => {
    expect(await submitAs(msa, "alice", { from: "erin@old.example", to: ["bob@example.org"] }, message("erin@old.example", "bob@example.org"))).toMatch(/^250 2\.0\.0/);
    expect(await submitAs(msa, "alice", { from: "alice@example.test", to: ["bob@example.org"] }, message("alice@example.test", "bob@example.org"))).toMatch(/^250 2\.0\.0/);
    const [viaA] = await hopA.waitForMessages(1);
    const [viaB] = await hopB.waitForMessages(1);
    expect(viaA!.mailFrom).toBe("erin@a.example");
    expect(viaA!.raw.toString()).toContain('From: "Sender" <erin@a.example>');
    expect(viaB!.mailFrom).toBe("alice@example.test");
  });

  it("sends the DSN about a refused recipient through the hop of the message it reports on", async () => {
    expect(await submitAs(msa, "alice", { from: "frank@old.example", to: ["nobody@example.org"] }, message("frank@old.example", "nobody@example.org"))).toMatch(/^250 2\.0\.0/);
    const received = await hopA.waitUntil((messages) => messages.some((m) => m.mailFrom === ""), 10_000);
    const dsn = received.find((m) => m.mailFrom === "")!;
    expect(dsn.rcptTo).toEqual(["frank@a.example"]);
    expect(hopB.messages.every((m) => m.mailFrom !== "")).toBe(true);
  });
});

describe("a rewriting table changed while the server runs", () => {
  let hopA: NextHop;
  let msa: RunningMsa;
  let table: string;
  beforeAll(async () => {
    table = join(folder, "changing_canonical");
    await writeFile(table, "@old.example @a.example\n");
    hopA = await hop();
    msa = await startMsa([...SUBMISSION_POLICY, `rewrite senders "${table}"`, `deliver relay ${hopA.url}`]);
  });
  afterAll(() => msa.stop());

  const send = (from: string) => submitAs(msa, "alice", { from, to: ["bob@example.org"] }, message(from, "bob@example.org"));

  it("is read again when it changes; a version with a bad line is not, and the table in use stays", async () => {
    await writeFile(table, "@old.example @a.example\ngrace@example.test grace.hopper@a.example\n");
    await eventually(() => msa.logs.some((l) => l.event === "sender-rewriting-file-reloaded"), 5000);
    expect(await send("grace@example.test")).toMatch(/^250 2\.0\.0/);
    expect((await hopA.waitForMessages(1))[0]!.mailFrom).toBe("grace.hopper@a.example");

    await writeFile(table, "@old.example\n");
    await eventually(() => msa.logs.some((l) => l.event === "sender-rewriting-file"), 5000);
    expect(msa.logs.find((l) => l.event === "sender-rewriting-file")).toMatchObject({ problems: [expect.objectContaining({ line: 1 })] });
    expect(await send("grace@example.test")).toMatch(/^250 2\.0\.0/);
    expect((await hopA.waitForMessages(2))[1]!.mailFrom).toBe("grace.hopper@a.example");
  });
});
