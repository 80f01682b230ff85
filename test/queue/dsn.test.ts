// The delivery status notification's per-recipient fields (RFC 3464 section 2.3): Remote-MTA
// names the next hop by its DNS name, never by an address, which the `dns` type cannot hold.
import { describe, expect, it } from "vitest";
import { buildDsn } from "../../runtime/queue/dsn.js";
import { dsnParts, testMessage } from "./queueHelpers.js";

function dsnFor(remoteMta: string) {
  const { message } = buildDsn({
    reportingMta: "msa.example.test",
    action: "failed",
    original: {
      id: "q1",
      receivedAt: "2026-12-06T10:00:00.000Z",
      envelope: { mailFrom: "alice@example.test", recipients: [{ address: "carol@example.org", dsn: {} }], dsn: {}, smtputf8: false },
      message: testMessage("dsn"),
    },
    recipients: [{ address: "carol@example.org", status: "5.1.1", diagnostic: "550 5.1.1 no such user" }],
    now: new Date("2026-12-06T10:01:00Z"),
    remoteMta,
  });
  return dsnParts(message).parts[1]!;
}

describe("Remote-MTA", () => {
  it("names a next hop given by name", () => {
    expect(dsnFor("mta.example.test")).toContain("Remote-MTA: dns; mta.example.test\r\n");
  });

  it("is left out when the next hop is an IPv4 or IPv6 address", () => {
    expect(dsnFor("127.0.0.1")).not.toContain("Remote-MTA");
    expect(dsnFor("::1")).not.toContain("Remote-MTA");
    expect(dsnFor("[::1]")).not.toContain("Remote-MTA");
  });
});
