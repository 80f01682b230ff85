// `RULE with [CODE] "TEXT"` on the wire: a refusing rule's reply carries the site's own words after
// the rule's own codes, at MAIL, after DATA and for a rate limit, and the log still names the line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseScript } from "../../tooling/simulate/script.js";
import { simulate } from "../../tooling/simulate/session.js";
import { rawSmtp } from "../support/smtplib.js";
import { PASSWORDS, PLAIN_POLICY, type RunningMsa, authPlain, eventually, startMsa } from "./harness.js";

const LINES = [
  ...PLAIN_POLICY.filter((line) => line !== "require auth"),
  'require auth with 530 "Log in first: see https://example.test/mail-setup"',
  'refuse header X-Spam with "We do not take spam here"',
  'limit rate 1 messages per 1h per user with "One message an hour, please"',
];

const message = (extra: string) => Buffer.from(`From: alice@example.test\r\nSubject: hi\r\n${extra}\r\nhello\r\n.\r\n`);

describe("reply text", () => {
  let msa: RunningMsa;
  beforeAll(async () => {
    msa = await startMsa(LINES);
  });
  afterAll(() => msa.stop());

  it("MAIL without a login gets 530 5.7.0 with the policy's text, on the wire as in msac simulate", async () => {
    const [, , mail] = await rawSmtp(msa.port, ["EHLO client.example", "MAIL FROM:<alice@example.test>", "QUIT"]);
    expect(mail).toBe("530 5.7.0 Log in first: see https://example.test/mail-setup");
    const simulated = await simulate(msa.graph, parseScript("EHLO client.example\nMAIL FROM:<alice@example.test>").steps, { listener: msa.graph.listeners[0]! });
    const reply = simulated.exchanges.at(-1)!.replies.at(-1)!;
    expect(`${reply.code} ${reply.enhanced} ${reply.lines.join(" ")}`).toBe(mail);
  });

  it("a refused header gets 550 5.7.1 with the policy's text, logged against its line; then the rate limit speaks its own", async () => {
    const session = ["EHLO client.example", authPlain("alice", PASSWORDS.alice), "MAIL FROM:<alice@example.test>", "RCPT TO:<bob@example.test>", "DATA"];
    const refused = await rawSmtp(msa.port, [...session, message("X-Spam: yes\r\n"), "QUIT"]);
    expect(refused[6]).toBe("550 5.7.1 We do not take spam here");
    await eventually(() => msa.logs.some((l) => l.event === "reject" && l.stage === "message"));
    expect(msa.logs.find((l) => l.event === "reject" && l.stage === "message")).toMatchObject({ rule: msa.rule("refuse header"), code: 550, enhanced: "5.7.1" });

    const first = await rawSmtp(msa.port, [...session, message(""), "MAIL FROM:<alice@example.test>", "QUIT"]);
    expect(first[6]).toMatch(/^250 2\.0\.0/);
    expect(first[7]).toBe("451 4.7.1 One message an hour, please");
  });
});
