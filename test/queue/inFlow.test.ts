// In-flow control: while the queue runner has four records per attempt slot in hand, a session
// about to take a new message waits (spoolRoomOf) until one is finished, at most a second, as
// Postfix's in_flow_delay; a pause, never a refusal. The runner's clock is manual and its next
// hop is held back by a gate, so nothing here depends on how fast the machine is; the server
// test submits through the real server with nodemailer.

import nodemailer from "nodemailer";
import { afterEach, describe, expect, it } from "vitest";
import { relayMessage } from "../../runtime/deliver/relayClient.js";
import { ManualClock } from "../../runtime/queue/clock.js";
import { startQueueRunner } from "../../runtime/queue/queueFromPolicy.js";
import { IN_FLOW_BACKLOG_PER_ATTEMPT } from "../../runtime/queue/queueRunner.js";
import { IN_FLOW_DELAY_MS, onSpoolRoomAnnounced, remoteSpoolRoom, spoolRoomOf } from "../../runtime/queue/spoolEvents.js";
import { rejections, startMsa } from "../server/harness.js";
import { startNextHop, type NextHop } from "../support/nextHop.js";
import { manualRunner, queueMessage, scratchSpool, testMessage } from "./queueHelpers.js";

const ENVELOPE = { mailFrom: "alice@example.test", recipients: [{ address: "bob@example.test" }] };

const hops: NextHop[] = [];
const gates: (() => void)[] = [];
afterEach(async () => {
  for (const open of gates.splice(0)) open(); // the runners stop only once their attempts end
  for (const hop of hops.splice(0)) await hop.stop();
});

/** A relay that waits until `open` is called, and the hop it then relays to. */
async function gatedHop() {
  const hop = await startNextHop();
  hops.push(hop);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  gates.push(open);
  const relayFn: typeof relayMessage = async (...args) => {
    await gate;
    return relayMessage(...args);
  };
  return { hop, open, relayFn };
}

/** A runner with one attempt slot whose relays wait at a gate; `backlog` records handed to it. */
async function heldRunner(backlog: number) {
  const { hop, open, relayFn } = await gatedHop();
  const dir = await scratchSpool();
  const clock = new ManualClock();
  const runner = manualRunner(dir, hop.url, clock, { concurrency: 1, relayFn });
  await runner.start();
  for (let i = 0; i < backlog; i++) void runner.handOff(await queueMessage(dir, ENVELOPE, testMessage(`held ${i}`), clock));
  return { dir, clock, hop, open, runner };
}

/** Whether `promise` has settled once everything already queued has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("in-flow control", () => {
  it("lets a new message through at once while the backlog is under its bound", async () => {
    const { dir } = await heldRunner(IN_FLOW_BACKLOG_PER_ATTEMPT - 1);
    expect(spoolRoomOf(dir)()).toBeUndefined();
  });

  it("holds a new message back at the bound and lets it go when a record has been delivered", async () => {
    const { dir, hop, open } = await heldRunner(IN_FLOW_BACKLOG_PER_ATTEMPT);
    const room = spoolRoomOf(dir)()!;
    expect(await settled(room)).toBe(false);
    expect(hop.messages).toHaveLength(0);
    open();
    await room;
    expect(hop.messages.length).toBeGreaterThanOrEqual(1);
  });

  it("lets a held message go after the longest pause even if nothing was delivered", async () => {
    const { dir, clock, hop } = await heldRunner(IN_FLOW_BACKLOG_PER_ATTEMPT + 2);
    const first = spoolRoomOf(dir)()!;
    const second = spoolRoomOf(dir)()!;
    clock.advance(IN_FLOW_DELAY_MS - 1);
    expect(await settled(first)).toBe(false);
    clock.advance(1);
    expect(await settled(Promise.all([first, second]))).toBe(true);
    expect(hop.messages).toHaveLength(0);
  });

  it("holds nothing back for a folder without a runner in this process", async () => {
    await heldRunner(IN_FLOW_BACKLOG_PER_ATTEMPT * 2);
    expect(spoolRoomOf(await scratchSpool())()).toBeUndefined();
  });

  it("announces a full backlog once at the bound, and room again only at half of it", async () => {
    // what the hop had received when each announcement was made
    const announced: { dir: string; hasRoom: boolean; delivered: number }[] = [];
    let hop: NextHop | undefined;
    const stop = onSpoolRoomAnnounced((dir, hasRoom) => announced.push({ dir, hasRoom, delivered: hop?.messages.length ?? 0 }));
    try {
      const held = await heldRunner(IN_FLOW_BACKLOG_PER_ATTEMPT + 2);
      hop = held.hop;
      const ours = () => announced.filter((a) => a.dir === held.dir);
      // a runner says there is room when it starts (one before it may have stopped full)
      expect(ours().map((a) => a.hasRoom)).toEqual([true, false]);
      held.open();
      await held.hop.waitForMessages(IN_FLOW_BACKLOG_PER_ATTEMPT + 2);
      await expect.poll(() => ours().map((a) => a.hasRoom)).toEqual([true, false, true]);
      // one attempt slot: full at four records in hand, room again at two, so once four of the six are done (not three)
      expect(ours()[2]!.delivered).toBe(4);
    } finally {
      stop();
    }
  });

  it("says there is room when it stops with a full backlog, and never says full after", async () => {
    const announced: { dir: string; hasRoom: boolean }[] = [];
    const stop = onSpoolRoomAnnounced((dir, hasRoom) => announced.push({ dir, hasRoom }));
    try {
      const { dir, open, runner } = await heldRunner(IN_FLOW_BACKLOG_PER_ATTEMPT + 2);
      const stopped = runner.stop(); // one attempt is in flight at the gate; five records wait
      open();
      await stopped;
      expect(announced.filter((a) => a.dir === dir).map((a) => a.hasRoom)).toEqual([true, false, true]);
      expect(spoolRoomOf(dir)()).toBeUndefined();
    } finally {
      stop();
    }
  });
});

describe("in-flow control in a cluster worker", () => {
  it("holds a new message while the primary says the backlog is full, and lets every held one go when it says there is room", async () => {
    const dir = await scratchSpool();
    expect(spoolRoomOf(dir)()).toBeUndefined(); // no runner here, nothing announced
    remoteSpoolRoom(dir, false);
    const first = spoolRoomOf(dir)()!;
    const second = spoolRoomOf(dir)()!;
    expect(await settled(Promise.race([first, second]))).toBe(false);
    remoteSpoolRoom(dir, true);
    expect(await settled(Promise.all([first, second]))).toBe(true);
    expect(spoolRoomOf(dir)()).toBeUndefined();
  });
});

describe("in-flow control in the server", () => {
  it("pauses MAIL FROM while the runner is behind and takes the message once it caught up: no refusal, nothing lost", { timeout: 30_000 }, async () => {
    const { hop, open, relayFn } = await gatedHop();
    const msa = await startMsa(["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "allow unauthenticated", `deliver spool "{DIR}/spool" relay ${hop.url}`]);
    // one attempt slot: four records in hand fill the backlog; the manual clock never ends a pause
    const queue = startQueueRunner(msa.graph, { info() {}, warn() {}, error() {} }, { concurrency: 1, relayFn, clock: new ManualClock() });
    await queue.started;
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: msa.port, secure: false, ignoreTLS: true });
    const send = (n: number) => transport.sendMail({ envelope: { from: "client@example.test", to: ["sink@example.test"] }, raw: `Subject: held ${n}\r\n\r\nbody ${n}\r\n` });
    try {
      for (let n = 0; n < IN_FLOW_BACKLOG_PER_ATTEMPT; n++) await send(n);
      let fifthDone = false;
      const fifth = send(IN_FLOW_BACKLOG_PER_ATTEMPT).then(() => (fifthDone = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fifthDone).toBe(false);
      expect(hop.messages).toHaveLength(0);
      open();
      await fifth;
      await hop.waitForMessages(IN_FLOW_BACKLOG_PER_ATTEMPT + 1);
      expect(rejections(msa.logs)).toEqual([]);
    } finally {
      transport.close();
      open();
      await queue.stop();
    }
  });
});
