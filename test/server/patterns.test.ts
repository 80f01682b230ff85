// Header and body checks by pattern on the wire, through python3 smtplib: `refuse header ... matching`
// and `refuse body matching` answer 550 5.7.1 after DATA with the log naming the policy line, a message
// that does not match is delivered, `remove header ... matching` and `replace header` change only the
// matching fields at the next hop, and a pattern that backtracks forever elsewhere runs in linear time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSmtplib } from "../support/smtplib.js";
import type { NextHop } from "../support/nextHop.js";
import { PASSWORDS, type RunningMsa, SUBMISSION_POLICY, eventually, startMsaWithNextHop } from "./harness.js";

// Sends the message in MSG (CRLF line ends); prints the refused recipients, or the server's reply to DATA.
const SCRIPT = `
import os, smtplib, ssl
ctx = ssl.create_default_context(cafile=os.environ["CA"])
with smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.example") as s:
    s.starttls(context=ctx)
    s.login("alice", os.environ["PW"])
    try:
        print("refused", s.sendmail("alice@example.test", ["bob@example.org"], os.environ["MSG"].encode()))
    except smtplib.SMTPDataError as e:
        print(e.smtp_code, e.smtp_error.decode())
`;

const RULES = [
  "refuse header Subject matching /^\\[spam\\]/i",
  "refuse body matching /(a+)+$/",
  "refuse body matching /^casino$/im in first 1KB",
  "remove header X-Internal matching /^secret/",
  'replace header X-Prio matching /^(urgent)$/i with "high ($1)"',
];

const message = (header: string, body = "hello\r\n") => `From: alice@example.test\r\nTo: bob@example.org\r\n${header}\r\n${body}`;

describe("header and body patterns", () => {
  let server: { hop: NextHop; msa: RunningMsa };
  const lines = [...SUBMISSION_POLICY, ...RULES];
  const lineOf = (rule: string) => lines.indexOf(rule) + 1;

  async function submit(msg: string): Promise<string> {
    const result = await runSmtplib(SCRIPT, { CA: server.msa.pki.caPath, PORT: String(server.msa.port), PW: PASSWORDS.alice, MSG: msg });
    expect(result.stderr).toBe("");
    return result.stdout.trim();
  }

  /** The `rule` of the latest message-stage reject event, once it is logged. */
  async function rejectedBy(count: number): Promise<unknown> {
    await eventually(() => server.msa.logs.filter((l) => l.event === "reject" && l.stage === "message").length >= count);
    return server.msa.logs.filter((l) => l.event === "reject" && l.stage === "message")[count - 1]!.rule;
  }

  beforeAll(async () => {
    server = await startMsaWithNextHop((url) => [...lines, `deliver relay ${url}`]);
  });
  afterAll(() => server.msa.stop());

  it("refuses a Subject that matches with 550 5.7.1 from the rule's line, delivering nothing", async () => {
    const before = server.hop.messages.length;
    expect(await submit(message("Subject: [SPAM] cheap watches\r\n"))).toBe("550 5.7.1 Message refused: header field Subject value not accepted");
    expect(await rejectedBy(1)).toBe(`${server.msa.graph.source.file}:${lineOf(RULES[0]!)}`);
    expect(server.hop.messages.length).toBe(before);
  });

  it("delivers a message whose Subject does not match", async () => {
    const count = server.hop.messages.length;
    expect(await submit(message("Subject: about [spam] filters\r\n"))).toBe("refused {}");
    const [delivered] = (await server.hop.waitForMessages(count + 1)).slice(count);
    expect(delivered!.raw.toString()).toContain("Subject: about [spam] filters\r\n");
  });

  it("refuses a body that matches in its first 1KB with 550 5.7.1 from the rule's line", async () => {
    const before = server.hop.messages.length;
    expect(await submit(message("Subject: hi\r\n", "hello\r\nCasino\r\nbye\r\n"))).toBe("550 5.7.1 Message refused: body content not accepted");
    expect(await rejectedBy(2)).toBe(`${server.msa.graph.source.file}:${lineOf(RULES[2]!)}`);
    expect(server.hop.messages.length).toBe(before);
  });

  it("removes only the X-Internal field that matches and rewrites the matching X-Prio, at the next hop", async () => {
    const count = server.hop.messages.length;
    expect(await submit(message("Subject: hi\r\nX-Internal: secret plans\r\nX-Internal: public notes\r\nX-Prio: Urgent\r\n"))).toBe("refused {}");
    const [delivered] = (await server.hop.waitForMessages(count + 1)).slice(count);
    const raw = delivered!.raw.toString();
    expect(raw).toContain("X-Internal: public notes\r\n");
    expect(raw).not.toContain("secret");
    expect(raw).toContain("X-Prio: high (Urgent)\r\n");
  });

  it("runs (a+)+$ over 50 lines of 990 `a`s ending in `b` in linear time and delivers the message", async () => {
    // A backtracking engine takes 2^990 steps on one such line; RE2 reads the text once.
    const count = server.hop.messages.length;
    const started = Date.now();
    expect(await submit(message("Subject: aaa\r\n", `${"a".repeat(990)}\r\n`.repeat(50) + "b\r\n"))).toBe("refused {}");
    await server.hop.waitForMessages(count + 1);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe("observe refuse body matching", () => {
  it("logs would-reject with the rule and delivers the message", async () => {
    const rule = "observe refuse body matching /casino/i";
    const { hop, msa } = await startMsaWithNextHop((url) => [...SUBMISSION_POLICY, rule, `deliver relay ${url}`]);
    try {
      const result = await runSmtplib(SCRIPT, { CA: msa.pki.caPath, PORT: String(msa.port), PW: PASSWORDS.alice, MSG: message("Subject: hi\r\n", "CASINO\r\n") });
      expect(result.stdout.trim()).toBe("refused {}");
      await hop.waitForMessages(1);
      await eventually(() => msa.logs.some((l) => l.event === "would-reject"));
      expect(msa.logs.find((l) => l.event === "would-reject")).toMatchObject({ code: 550, enhanced: "5.7.1", rule: `${msa.graph.source.file}:${SUBMISSION_POLICY.length + 1}` });
    } finally {
      await msa.stop();
    }
  });
});
