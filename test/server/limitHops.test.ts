// `limit hops N` on the wire, through python3 smtplib: a message with more Received fields than the
// limit is looping and gets 554 5.4.6, never reaching the next hop, the log naming the policy line;
// without the rule the default of 100 (RFC 5321 section 6.3) still stops a loop.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSmtplib } from "../support/smtplib.js";
import type { NextHop } from "../support/nextHop.js";
import { PASSWORDS, type RunningMsa, SUBMISSION_POLICY, eventually, startMsaWithNextHop } from "./harness.js";

// Sends a message with HOPS Received fields; prints the refused recipients, or the server's reply to DATA.
const SCRIPT = `
import os, smtplib, ssl
ctx = ssl.create_default_context(cafile=os.environ["CA"])
hops = "".join("Received: from relay%d.example.org by mx.example.org; Tue, 3 Mar 2026 10:00:00 +0000\\r\\n" % i for i in range(int(os.environ["HOPS"])))
msg = hops + "From: alice@example.test\\r\\nTo: bob@example.org\\r\\nSubject: loop?\\r\\n\\r\\nhello\\r\\n"
with smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.example") as s:
    s.starttls(context=ctx)
    s.login("alice", os.environ["PW"])
    try:
        print("refused", s.sendmail("alice@example.test", ["bob@example.org"], msg))
    except smtplib.SMTPDataError as e:
        print(e.smtp_code, e.smtp_error.decode())
`;

async function submitWithHops(msa: RunningMsa, hops: number): Promise<string> {
  const result = await runSmtplib(SCRIPT, { CA: msa.pki.caPath, PORT: String(msa.port), PW: PASSWORDS.alice, HOPS: String(hops) });
  expect(result.stderr).toBe("");
  return result.stdout.trim();
}

async function started(rules: string[]): Promise<{ hop: NextHop; msa: RunningMsa }> {
  return startMsaWithNextHop((url) => [...SUBMISSION_POLICY, ...rules, `deliver relay ${url}`]);
}

describe("limit hops", () => {
  let server: { hop: NextHop; msa: RunningMsa };
  const rule = "limit hops 3";
  beforeAll(async () => {
    server = await started(["add Received", rule]);
  });
  afterAll(() => server.msa.stop());

  it("refuses a message with more Received fields than the limit with 554 5.4.6, from the rule's line, delivering nothing", async () => {
    const before = server.hop.messages.length;
    expect(await submitWithHops(server.msa, 4)).toBe("554 5.4.6 Too many hops: the message is looping");
    await eventually(() => server.msa.logs.some((l) => l.event === "reject" && l.stage === "message"));
    const line = [...SUBMISSION_POLICY, "add Received", rule].indexOf(rule) + 1;
    expect(server.msa.logs.find((l) => l.event === "reject" && l.stage === "message")).toMatchObject({ rule: `${server.msa.graph.source.file}:${line}` });
    expect(server.hop.messages.length).toBe(before);
  });

  it("takes a message with as many Received fields as the limit; its own Received, added after, does not count", async () => {
    const count = server.hop.messages.length;
    expect(await submitWithHops(server.msa, 3)).toBe("refused {}");
    const [delivered] = (await server.hop.waitForMessages(count + 1)).slice(count);
    expect(delivered!.raw.toString().match(/^Received:/gm)).toHaveLength(4);
  });
});

describe("limit hops by default", () => {
  it("stops a message with 101 Received fields when the policy says nothing, and passes 100", async () => {
    const { hop, msa } = await started([]);
    try {
      expect(await submitWithHops(msa, 101)).toBe("554 5.4.6 Too many hops: the message is looping");
      expect(await submitWithHops(msa, 100)).toBe("refused {}");
      expect(await hop.waitForMessages(1)).toHaveLength(1);
    } finally {
      await msa.stop();
    }
  });
});

describe("observe limit hops", () => {
  it("logs would-reject with the rule and delivers the message", async () => {
    const { hop, msa } = await started(["observe limit hops 1"]);
    try {
      expect(await submitWithHops(msa, 2)).toBe("refused {}");
      await hop.waitForMessages(1);
      await eventually(() => msa.logs.some((l) => l.event === "would-reject"));
      expect(msa.logs.find((l) => l.event === "would-reject")).toMatchObject({ code: 554, enhanced: "5.4.6" });
    } finally {
      await msa.stop();
    }
  });
});
