// Recipients the next hop refuses while it takes the message for others, in both relay modes:
// the client's 250 stands for the others, each refused recipient is logged with the deliver
// rule, and the envelope sender gets an RFC 3464 DSN through the same relay with MAIL FROM:<>.
// Deferred (4xx) recipients are never reported as failed: in line the client is told to retry,
// in the queue they are retried.
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../runtime/queue/clock.js";
import { QueueRunner } from "../../runtime/queue/queueRunner.js";
import { queueRunnerOptionsFromGraph } from "../../runtime/queue/queueFromPolicy.js";
import { startAiosmtpd } from "../support/aiosmtpdNextHop.js";
import { rawSmtp } from "../support/smtplib.js";
import { dsnParts } from "../queue/queueHelpers.js";
import { AS_ALICE, SUBMISSION_POLICY, codes, eventually, startMsa, startMsaWithNextHop, type LogEvent, type RunningMsa } from "../server/harness.js";

const POLICY = (deliver: string) => [...SUBMISSION_POLICY, deliver];

async function submit(msa: RunningMsa, rcpts: string[], subject = "refused recipients"): Promise<string | undefined> {
  const replies = await rawSmtp(
    msa.port,
    [
      ...AS_ALICE,
      "MAIL FROM:<alice>",
      ...rcpts.map((r) => (r.startsWith("<") ? `RCPT TO:${r}` : `RCPT TO:<${r}>`)),
      "DATA",
      Buffer.from(`From: alice@example.test\r\nSubject: ${subject}\r\n\r\nSECRET BODY\r\n.\r\n`),
    ],
    { ca: msa.pki.caCertPem },
  );
  return replies.at(-1);
}

const refusedEvents = (logs: LogEvent[]) => logs.filter((l) => l.event === "recipient-refused");

describe("deliver relay (in line): a next hop that refuses some recipients", () => {
  it("answers 250, logs the refused recipient with the deliver rule and sends the sender a DSN with MAIL FROM:<>", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => POLICY(`deliver relay ${url}`));
    hop.refuseRecipients = ["carol@example.test"];
    expect(codes(await submit(msa, ["bob", "carol"]))).toBe("250 2.0.0");
    const [message, dsn] = await hop.waitForMessages(2);
    expect(message!.rcptTo).toEqual(["bob@example.test"]);
    expect(dsn!.mailFrom).toBe("");
    expect(dsn!.rcptTo).toEqual(["alice@example.test"]);
    const { head, parts } = dsnParts(dsn!.raw);
    expect(head).toMatch(/^Content-Type: multipart\/report; report-type=delivery-status;/m);
    expect(parts[1]).toContain("Final-Recipient: rfc822; carol@example.test");
    expect(parts[1]).toContain("Action: failed");
    expect(parts[1]).toContain("Status: 5.1.1");
    expect(parts[1]).toMatch(/Diagnostic-Code: smtp; 550 5\.1\.1 <carol@example\.test>: no such user here/);
    // the next hop is 127.0.0.1: an address, which Remote-MTA's `dns` type cannot hold
    expect(parts[1]).not.toContain("Remote-MTA");
    expect(parts[1]).not.toContain("bob@example.test");
    expect(parts[2]).toContain("SECRET BODY"); // no RET: the whole message comes back
    await eventually(() => refusedEvents(msa.logs).length > 0 && msa.logs.some((l) => l.event === "dsn"));
    expect(refusedEvents(msa.logs)).toEqual([
      expect.objectContaining({ recipient: "carol@example.test", code: 550, enhanced: "5.1.1", rule: msa.rule("deliver"), reply: expect.stringContaining("no such user here") }),
    ]);
    expect(msa.logs.find((l) => l.event === "dsn")).toMatchObject({ to: "alice@example.test", recipients: ["carol@example.test"], result: "sent" });
  });

  it("passes the next hop's refusal on when it refuses every recipient, and sends no DSN", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => POLICY(`deliver relay ${url}`));
    hop.refuseRecipients = ["bob@example.test", "carol@example.test"];
    expect(codes(await submit(msa, ["bob", "carol"]))).toBe("550 5.1.1");
    hop.refuseRecipients = [];
    expect(codes(await submit(msa, ["bob"], "after"))).toBe("250 2.0.0");
    expect(hop.messages.map((m) => m.rcptTo)).toEqual([["bob@example.test"]]);
  });

  it("honours NOTIFY=NEVER: the refusal is logged, no DSN goes out", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => POLICY(`deliver relay ${url}`));
    hop.refuseRecipients = ["carol@example.test"];
    expect(codes(await submit(msa, ["bob", "<carol> NOTIFY=NEVER"]))).toBe("250 2.0.0");
    await eventually(() => msa.logs.some((l) => l.event === "dsn"));
    expect(msa.logs.find((l) => l.event === "dsn")).toMatchObject({ result: "not wanted" });
    expect(refusedEvents(msa.logs)).toHaveLength(1);
    expect(hop.messages.map((m) => m.mailFrom)).toEqual(["alice@example.test"]);
  });

  it("logs an error naming the recipients when the next hop refuses the DSN too", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => POLICY(`deliver relay ${url}`));
    hop.refuseRecipients = ["carol@example.test", "alice@example.test"];
    expect(codes(await submit(msa, ["bob", "carol"]))).toBe("250 2.0.0");
    await eventually(() => msa.logs.some((l) => l.event === "dsn"));
    expect(msa.logs.find((l) => l.event === "dsn")).toMatchObject({
      level: "error",
      result: "failed",
      to: "alice@example.test",
      recipients: ["carol@example.test"],
      text: expect.stringContaining("550"),
    });
    expect(hop.messages.map((m) => m.rcptTo)).toEqual([["bob@example.test"]]);
  });

  it("does the same with aiosmtpd as an independent next hop", async () => {
    const hop = await startAiosmtpd();
    try {
      const msa = await startMsa(POLICY(`deliver relay ${hop.url}`));
      expect(codes(await submit(msa, ["bob", "refused.carol"]))).toBe("250 2.0.0");
      const [message, dsn] = await hop.received();
      expect(message).toMatchObject({ mailFrom: "alice@example.test", rcptTo: ["bob@example.test"] });
      expect(dsn).toMatchObject({ mailFrom: "<>", rcptTo: ["alice@example.test"] });
      expect(dsnParts(dsn!.raw).parts[1]).toMatch(/Diagnostic-Code: smtp; 550 5\.1\.1 <refused\.carol@example\.test>: no such user \(aiosmtpd\)/);
      await eventually(() => refusedEvents(msa.logs).length > 0);
      expect(refusedEvents(msa.logs)[0]).toMatchObject({ recipient: "refused.carol@example.test", code: 550, rule: msa.rule("deliver") });
    } finally {
      await hop.stop();
    }
  });

  it("answers 451 and delivers nothing when the next hop defers one recipient, so the client's retry sends no duplicate", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => POLICY(`deliver relay ${url}`));
    hop.deferRecipients = ["dave@example.test"];
    expect(codes(await submit(msa, ["bob", "dave"]))).toBe("451 4.2.2");
    expect(hop.messages).toEqual([]);
  });
});

describe("deliver spool ... relay (store and forward): a next hop that refuses some recipients", () => {
  it("delivers to the accepted, reports the refused one in a DSN and logs it, and retries only the deferred one", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => POLICY(`deliver spool "{DIR}/spool" relay ${url}`));
    hop.refuseRecipients = ["carol@example.test"];
    hop.deferRecipients = ["dave@example.test"];
    expect(codes(await submit(msa, ["bob", "carol", "dave"]))).toBe("250 2.0.0");
    const logs: object[] = [];
    const log = { info: (f: object) => logs.push(f), warn: (f: object) => logs.push(f), error: (f: object) => logs.push(f) };
    const clock = new ManualClock();
    const runner = new QueueRunner({ ...queueRunnerOptionsFromGraph(msa.graph)!, clock, random: () => 0.5, log, pool: false });
    await runner.runDue(); // bob delivered, carol failed, dave deferred
    await runner.runDue(); // the DSN about carol
    const [message, dsn] = await hop.waitForMessages(2);
    expect(message!.rcptTo).toEqual(["bob@example.test"]);
    expect(dsn!.mailFrom).toBe("");
    expect(dsn!.rcptTo).toEqual(["alice@example.test"]);
    const { parts } = dsnParts(dsn!.raw);
    expect(parts[1]).toContain("Final-Recipient: rfc822; carol@example.test");
    expect(parts[1]).toContain("Status: 5.1.1");
    expect(parts[1]).not.toContain("dave@example.test");
    expect(logs.filter((l) => (l as LogEvent).event === "recipient-refused")).toEqual([
      expect.objectContaining({ recipient: "carol@example.test", code: 550, enhanced: "5.1.1", rule: msa.rule("deliver"), reply: expect.stringContaining("no such user here") }),
    ]);
    hop.deferRecipients = [];
    clock.advance(10 * 60_000);
    await runner.runDue();
    expect(hop.messages.slice(2).map((m) => [m.mailFrom, m.rcptTo])).toEqual([["alice@example.test", ["dave@example.test"]]]);
    await runner.stop();
  });
});
