// The queue runner against an independent next hop: Debian's python3-aiosmtpd (installed by
// .ci/run), which offers no DSN extension: per-recipient refusal, the failed DSN and the
// "relayed" DSN for NOTIFY=SUCCESS all go through it, with MAIL FROM:<> for the DSNs.

import { describe, expect, it } from "vitest";
import { ManualClock } from "../../runtime/queue/clock.js";
import { startAiosmtpd } from "../support/aiosmtpdNextHop.js";
import { dsnParts, manualRunner, queueMessage, scratchSpool, testMessage } from "./queueHelpers.js";

describe("queue runner against aiosmtpd", () => {
  it("relays, refuses one recipient, and sends both DSNs through it", async () => {
    const hop = await startAiosmtpd();
    const dir = await scratchSpool();
    const clock = new ManualClock();
    const message = testMessage("to aiosmtpd", "Body for aiosmtpd.\r\n");
    await queueMessage(
      dir + "/spool",
      {
        mailFrom: "alice@example.test",
        dsn: { envid: "E-1" },
        recipients: [{ address: "ok@example.test", dsn: { notify: ["SUCCESS", "FAILURE"] } }, { address: "refused@example.test" }],
      },
      message,
      clock,
    );
    const runner = manualRunner(dir + "/spool", hop.url, clock);
    await runner.runDue(); // the message
    await runner.runDue(); // the two DSNs it produced
    const received = await hop.received();
    await hop.stop();
    expect(received).toHaveLength(3);
    expect(received[0]).toMatchObject({ mailFrom: "alice@example.test", rcptTo: ["ok@example.test"] });
    expect(received[0]!.raw.equals(message)).toBe(true);
    const dsns = received.slice(1);
    expect(dsns.map((m) => m.mailFrom)).toEqual(["<>", "<>"]); // aiosmtpd keeps MAIL FROM:<> as '<>'
    expect(dsns.every((m) => m.rcptTo.join() === "alice@example.test")).toBe(true);
    const reports = dsns.map((m) => dsnParts(m.raw).parts[1]!);
    const failed = reports.find((r) => r.includes("Action: failed"))!;
    const relayed = reports.find((r) => r.includes("Action: relayed"))!;
    expect(failed).toContain("Final-Recipient: rfc822; refused@example.test");
    expect(failed).toContain("Status: 5.1.1");
    expect(failed).toMatch(/Diagnostic-Code: smtp; 550 5\.1\.1 <refused@example\.test>: no such user \(aiosmtpd\)/);
    expect(failed).toContain("Original-Envelope-Id: E-1");
    expect(relayed).toContain("Final-Recipient: rfc822; ok@example.test");
    expect(relayed).toContain("Status: 2.0.0");
  });
});
