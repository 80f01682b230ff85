// Wire tests for holes found by testing msa from outside (issue 13): From: fields that a mail reader
// reads differently from the senders check, NUL in the message (a next hop that strips NUL would see an
// end of data), and a redundant Sender: after masquerading. Clients: python3 smtplib and nodemailer.
import nodemailer from "nodemailer";
import { beforeAll, describe, expect, it } from "vitest";
import type { NextHop } from "../support/nextHop.js";
import { runSmtplib } from "../support/smtplib.js";
import { PASSWORDS, eventually, rejections, startMsaWithNextHop, type LogEvent, type RunningMsa, SUBMISSION_POLICY } from "./harness.js";

let hop: NextHop;
let msa: RunningMsa;

beforeAll(async () => {
  ({ hop, msa } = await startMsaWithNextHop((url) => [
    ...SUBMISSION_POLICY,
    "senders {",
    "  alice: alice@example.test",
    "}",
    "enforce senders in headers",
    "add Sender",
    `deliver relay ${url}`,
  ]));
});

/**
 * Sends each message (raw bytes, hex-encoded on the way to python) as alice through smtplib, one
 * session per message, and reports for each the reply to DATA and the From: address python's email
 * parser reads in it, as a mail reader built on it would show.
 */
async function sendThroughSmtplib(messages: Buffer[]): Promise<{ reply: string; pythonReads: string }[]> {
  const script = `
import email, email.policy, json, os, smtplib, ssl
ctx = ssl.create_default_context(cafile=os.environ["CA"])
for raw in (bytes.fromhex(h) for h in json.loads(os.environ["MESSAGES"])):
    try:
        reads = email.message_from_bytes(raw, policy=email.policy.default)["From"].addresses[0].addr_spec
    except Exception as e:
        reads = "unreadable: " + type(e).__name__
    with smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.example") as s:
        s.starttls(context=ctx)
        s.login("alice", os.environ["PW"])
        try:
            s.sendmail("alice@example.test", ["bob@example.test"], raw)
            reply = "250"
        except smtplib.SMTPDataError as e:
            reply = "%d %s" % (e.smtp_code, e.smtp_error.decode().split(" ")[0])
    print(json.dumps({"reply": reply, "pythonReads": reads}))
`;
  const result = await runSmtplib(script, {
    CA: msa.pki.caPath,
    PORT: String(msa.port),
    PW: PASSWORDS.alice,
    MESSAGES: JSON.stringify(messages.map((m) => m.toString("hex"))),
  });
  expect(result.stderr).toBe("");
  return result.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { reply: string; pythonReads: string });
}

const withFrom = (from: string) => Buffer.from(`From: ${from}\r\nTo: bob@example.test\r\nSubject: x\r\n\r\nbody\r\n`, "latin1");

async function rejectionsSince(before: number, count: number): Promise<LogEvent[]> {
  await eventually(() => rejections(msa.logs.slice(before)).length >= count);
  return rejections(msa.logs.slice(before));
}

describe("From: as a mail reader reads it, under enforce senders in headers", () => {
  it.each([
    ["NUL", "\x00"],
    ["vertical tab", "\x0b"],
    ["escape", "\x1b"],
    ["delete", "\x7f"],
  ])("refuses a From: with a %s before the angle address with 554 5.6.0", async (_what, control) => {
    const before = msa.logs.length;
    const count = hop.messages.length;
    const [result] = await sendThroughSmtplib([withFrom(`carol@example.test${control}<alice@example.test>`)]);
    // what a reader built on python's email parser shows is not alice's address
    expect(result!.pythonReads).not.toBe("alice@example.test");
    expect(result!.reply).toBe("554 5.6.0");
    const [event] = await rejectionsSince(before, 1);
    expect(event!.rule).toBe(`${msa.file}:0`);
    expect(event!.default).toBe("the header section must be RFC 5322 syntax");
    expect(hop.messages.length).toBe(count);
  });

  it("refuses an unquoted address as display name with 550 5.7.1 from the enforce senders rule", async () => {
    const before = msa.logs.length;
    const count = hop.messages.length;
    const [result] = await sendThroughSmtplib([withFrom("carol@example.test <alice@example.test>")]);
    expect(result).toEqual({ reply: "550 5.7.1", pythonReads: "carol@example.test" });
    const [event] = await rejectionsSince(before, 1);
    expect(event!.rule).toBe(msa.rule("enforce senders in headers"));
    expect(hop.messages.length).toBe(count);
  });

  it.each([
    ["a second address after the angle address", "<alice@example.test>carol@example.test"],
    ["an unclosed angle address", "alice@example.test <carol@example.test"],
    ["two addresses without a comma", "alice@example.test carol@example.test"],
    ["a domain literal as display name", "[carol@example.test] <alice@example.test>"],
  ])("refuses a From: mailbox with %s, which readers split differently", async (_what, from) => {
    const count = hop.messages.length;
    const [result] = await sendThroughSmtplib([withFrom(from)]);
    expect(result!.reply).toBe("550 5.7.1");
    expect(hop.messages.length).toBe(count);
  });

  it("accepts what every reader reads as alice: a plain and a quoted display name", async () => {
    const count = hop.messages.length;
    const results = await sendThroughSmtplib([
      withFrom("Alice <alice@example.test>"),
      withFrom('"Alice Example" <alice@example.test>'),
      withFrom("Dr. Alice <alice@example.test>"),
    ]);
    expect(results).toEqual(Array(3).fill({ reply: "250", pythonReads: "alice@example.test" }));
    await hop.waitForMessages(count + 3);
  });
});

describe("NUL in the message", () => {
  it("refuses a NUL line that a NUL-stripping next hop would read as the end of data, 554 5.6.0", async () => {
    const before = msa.logs.length;
    const count = hop.messages.length;
    const smuggled = Buffer.from(
      "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: first\r\n\r\nbody\r\n\x00.\r\n" +
        "MAIL FROM:<mallory@example.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nFrom: ceo@example.test\r\n\r\nsmuggled\r\n",
      "latin1",
    );
    const [result] = await sendThroughSmtplib([smuggled]);
    expect(result!.reply).toBe("554 5.6.0");
    const [event] = await rejectionsSince(before, 1);
    expect(event!.rule).toBe(`${msa.file}:0`);
    expect(event!.default).toBe("the header section must be RFC 5322 syntax");
    expect(hop.messages.length).toBe(count);
  });
  it("refuses a NUL anywhere in the body, and in a header field", async () => {
    const results = await sendThroughSmtplib([
      Buffer.from("From: alice@example.test\r\nSubject: x\r\n\r\nab\x00cd\r\n", "latin1"),
      Buffer.from("From: alice@example.test\r\nSubject: a\x00b\r\n\r\nbody\r\n", "latin1"),
    ]);
    expect(results.map((r) => r.reply)).toEqual(["554 5.6.0", "554 5.6.0"]);
  });
});

describe("add Sender after masquerading", () => {
  /** Submits each From: as bob through msa with `qualify domains QUALIFY`, `masquerade example.com`, `add Sender`; the header sections delivered. */
  async function deliveredHeaders(qualify: string, froms: string[]): Promise<string[]> {
    const { hop: masqueradeHop, msa: masqueradeMsa } = await startMsaWithNextHop((url) => [
      "hostname msa.example.test",
      "{TLS}",
      "listen 127.0.0.1:2587 starttls",
      'auth users "users.passwd"',
      "require tls",
      "require auth",
      `qualify domains ${qualify}`,
      "masquerade example.com",
      "add Sender",
      `deliver relay ${url}`,
    ]);
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: masqueradeMsa.port,
      requireTLS: true,
      tls: { ca: masqueradeMsa.pki.caCertPem, servername: "localhost" },
      auth: { user: "bob", pass: PASSWORDS.bob },
    });
    try {
      for (const from of froms) await transport.sendMail({ envelope: { from: "bob@example.com", to: ["carol@example.net"] }, raw: `From: ${from}\r\nSubject: x\r\n\r\nbody\r\n` });
    } finally {
      transport.close();
    }
    return (await masqueradeHop.waitForMessages(froms.length)).map((m) => `\r\n${m.raw.toString().split("\r\n\r\n")[0]}\r\n`);
  }

  it("adds no Sender: when From: after masquerading is the login's own address after masquerading", async () => {
    // bob's own address is bob@example.com; From: bob@host7.example.com is masqueraded to it
    const [own, other] = await deliveredHeaders("example.com", ["Bob <bob@host7.example.com>", "Boss <boss@host7.example.com>"]);
    expect(own).toBe("\r\nFrom: Bob <bob@example.com>\r\nSubject: x\r\n");
    expect(other).toBe("\r\nFrom: Boss <boss@example.com>\r\nSubject: x\r\nSender: bob@example.com\r\n");
  });

  it("masquerades the Sender: it adds, and compares the login's own address masqueraded", async () => {
    // bob's own address is bob@host7.example.com, which the next hop should see as bob@example.com
    const [own, other] = await deliveredHeaders("host7.example.com", ["Bob <bob@example.com>", "Boss <boss@host7.example.com>"]);
    expect(own).toBe("\r\nFrom: Bob <bob@example.com>\r\nSubject: x\r\n");
    expect(other).toBe("\r\nFrom: Boss <boss@example.com>\r\nSubject: x\r\nSender: bob@example.com\r\n");
  });
});
