// `on LISTENER { RULES }` on the wire: one server, two listeners, each judged by its own rules
// (master.cf's `-o` overrides): the submission port wants TLS and a login, the application
// server's port takes unauthenticated mail with a smaller size and fewer recipients.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawSmtp, runSmtplib } from "../support/smtplib.js";
import { AS_ALICE, type RunningMsa, codes, eventually, rejections, startMsa, submitAs } from "./harness.js";

const LINES = [
  "hostname msa.example.test",
  "{TLS}",
  "listen 127.0.0.1:2587 starttls",
  "listen 127.0.0.1:2525 plain",
  'auth users "users.passwd"',
  "require auth",
  "qualify domains example.test",
  "limit size 10MB",
  'deliver spool "spool"',
  "on 127.0.0.1:2587 {",
  "  require tls",
  "}",
  "on 2525 {",
  "  allow unauthenticated",
  "  limit size 2KB",
  '  limit recipients 2 with "the application port takes two recipients"',
  "  limit rate 2 messages per 1h per ip",
  "}",
];

// The application server: python's smtplib, no TLS and no login, as a cron job would send.
const APP_CLIENT = `
import os, smtplib
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), timeout=10)
s.ehlo("app.example.test")
print("size", s.esmtp_features.get("size"))
s.mail("cron@example.test")
for rcpt in ["ops@example.test", "dev@example.test", "boss@example.test"]:
    print("rcpt", s.rcpt(rcpt)[0])
print("data", s.data(b"From: cron@example.test\\r\\nSubject: nightly\\r\\n\\r\\nall good\\r\\n")[0])
s.quit()
`;

describe("rules for one listener", () => {
  let msa: RunningMsa;
  beforeAll(async () => {
    msa = await startMsa(LINES);
  });
  afterAll(() => msa.stop());

  it("the application port takes mail without a login, with its own size and recipient limit", async () => {
    const result = await runSmtplib(APP_CLIENT, { PORT: String(msa.ports[1]) });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n")).toEqual(["size 2000", "rcpt 250", "rcpt 250", "rcpt 452", "data 250"]);
    await eventually(() => rejections(msa.logs).length > 0);
    expect(rejections(msa.logs)[0]).toMatchObject({ rule: msa.rule("  limit recipients 2") });
  });

  it("the application port's size limit refuses a larger message", async () => {
    const replies = await rawSmtp(msa.ports[1]!, [
      "EHLO app.example.test",
      "MAIL FROM:<cron@example.test>",
      "RCPT TO:<ops@example.test>",
      "DATA",
      Buffer.from(`Subject: big\r\n\r\n${"x".repeat(3000)}\r\n.\r\n`),
    ]);
    expect(codes(replies[5])).toBe("552 5.3.4");
  });

  it("the submission port still wants TLS, then a login, and takes a message the application port would not", async () => {
    const plain = await rawSmtp(msa.port, ["EHLO client.example", "MAIL FROM:<alice@example.test>"]);
    expect(codes(plain[2])).toBe("530 5.7.0");
    expect(plain[2]).toMatch(/STARTTLS/);
    const anonymous = await rawSmtp(msa.port, ["EHLO client.example", "STARTTLS", "EHLO client.example", "MAIL FROM:<alice@example.test>"], { ca: msa.pki.caCertPem });
    expect(anonymous[4]).toMatch(/^530 5\.7\.0 Authentication required/);
    const ehlo = await rawSmtp(msa.port, [...AS_ALICE], { ca: msa.pki.caCertPem });
    expect(ehlo[3]).toMatch(/SIZE 10000000/);
    const reply = await submitAs(
      msa,
      "alice",
      { from: "alice@example.test", to: ["a@example.test", "b@example.test", "c@example.test"] },
      `From: alice@example.test\r\nSubject: big\r\n\r\n${"x".repeat(3000)}\r\n`,
    );
    expect(reply).toMatch(/^250 2\.0\.0/);
  });

  it("a rate in the block counts the application port's messages only", async () => {
    // The first test sent one message on the application port; the second is the last its rate takes.
    const message = Buffer.from("Subject: nightly\r\n\r\nok\r\n.\r\n");
    const app = await rawSmtp(msa.ports[1]!, [
      "EHLO app.example.test",
      "MAIL FROM:<cron@example.test>",
      "RCPT TO:<ops@example.test>",
      "DATA",
      message,
      "MAIL FROM:<cron@example.test>",
    ]);
    expect(codes(app[5])).toBe("250 2.0.0");
    expect(codes(app[6])).toBe("451 4.7.1");
    const reply = await submitAs(msa, "alice", { from: "alice@example.test", to: ["a@example.test"] }, "From: alice@example.test\r\nSubject: hi\r\n\r\nhi\r\n");
    expect(reply).toMatch(/^250 2\.0\.0/);
  });
});
