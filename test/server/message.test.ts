// Contract section 5 checked at a real next hop, submitted by real clients (nodemailer, python3 smtplib) over STARTTLS and implicit TLS: byte-exact body and untouched headers, qualification of envelope and address headers, add Date/Message-ID/Sender/Received, CRLF on the wire.
import nodemailer from "nodemailer";
import { beforeAll, describe, expect, it } from "vitest";
import type { NextHop } from "../support/nextHop.js";
import { runSmtplib } from "../support/smtplib.js";
import { PASSWORDS, type RunningMsa, startMsaWithNextHop } from "./harness.js";

let hop: NextHop;
let msa: RunningMsa;

beforeAll(async () => {
  ({ hop, msa } = await startMsaWithNextHop((url) => [
    "hostname msa.example.test",
    "{TLS}",
    "listen 127.0.0.1:2587 starttls",
    "listen 127.0.0.1:2465 tls",
    'auth users "users.passwd"',
    "require tls",
    "require auth",
    "qualify domains example.test",
    "enforce address syntax",
    "add Date",
    "add Message-ID",
    "add Sender",
    "add Received",
    `deliver relay ${url}`,
  ]));
});

function transport(options: { implicit?: boolean; user?: "alice" | "bob" } = {}) {
  const user = options.user ?? "alice";
  return nodemailer.createTransport({
    host: "127.0.0.1",
    port: options.implicit ? msa.ports[1] : msa.ports[0],
    secure: !!options.implicit,
    requireTLS: !options.implicit,
    tls: { ca: msa.pki.caCertPem, servername: "localhost" },
    auth: { user, pass: PASSWORDS[user] },
  });
}

async function send(raw: Buffer | string, envelope: { from: string; to: string[] }, options: { implicit?: boolean; user?: "alice" | "bob" } = {}) {
  const count = hop.messages.length;
  const t = transport(options);
  try {
    const info = await t.sendMail({ envelope, raw });
    const [delivered] = (await hop.waitForMessages(count + 1)).slice(count);
    return { info, delivered: delivered! };
  } finally {
    t.close();
  }
}

/** Splits the delivered message into its first field (the Received we prepend, unfolded) and the rest. */
function splitReceived(raw: Buffer): { received: string; rest: Buffer } {
  const text = raw.toString("latin1");
  const match = /^Received:(?:[^\r\n]*\r\n[ \t])*[^\r\n]*\r\n/.exec(text);
  expect(match, "the delivered message starts with a Received field").not.toBeNull();
  return { received: match![0].replace(/\r\n[ \t]+/g, " ").trimEnd(), rest: raw.subarray(match![0].length) };
}

describe("nothing else changes", () => {
  it("passes a complete message on byte for byte after the Received field (body, folding, spacing, 8-bit, dots)", async () => {
    const message = Buffer.concat([
      Buffer.from(
        "From: Alice <alice@example.test>\r\n" +
          "To: Bob <bob@example.test>,\r\n\t  Carol <carol@example.test>\r\n" +
          "Date: Tue, 3 Mar 2026 10:00:00 +0000\r\n" +
          "Message-ID: <kept.1@client.example>\r\n" +
          "X-Odd:    spaced   out   \r\n" +
          "subject: lower case name kept\r\n" +
          "MIME-Version: 1.0\r\n" +
          "Content-Type: text/plain; charset=iso-8859-1\r\n" +
          "Content-Transfer-Encoding: 8bit\r\n" +
          "\r\n" +
          ".leading dot\r\n" +
          "..two dots\r\n" +
          ".\r\n" +
          "trailing spaces   \r\n" +
          "From the start of a line\r\n" +
          "x".repeat(990) +
          "\r\n",
        "latin1",
      ),
      Buffer.from([0xe9, 0xe8, 0xff, 0x0d, 0x0a]),
      Buffer.from("\r\n\r\nlast line without CRLF? no, with it\r\n"),
    ]);
    const { info, delivered } = await send(message, { from: "alice@example.test", to: ["bob@example.test", "carol@example.test"] });
    expect(info.response).toMatch(/^250 2\.0\.0 /);
    const { received, rest } = splitReceived(delivered.raw);
    expect(received).toMatch(/^Received: from \S+ \(.*127\.0\.0\.1.*\) by msa\.example\.test/);
    expect(rest.equals(message)).toBe(true);
    expect(delivered.mailFrom).toBe("alice@example.test");
    expect(delivered.rcptTo).toEqual(["bob@example.test", "carol@example.test"]);
    // CRLF on the wire: no bare LF or CR anywhere in what the next hop got
    expect(delivered.raw.toString("latin1")).not.toMatch(/[^\r]\n|\r[^\n]/);
  });
});

describe("add Received", () => {
  it("says ESMTPSA after STARTTLS and AUTH, with the HELO name, client IP, hostname and the logged queue id", async () => {
    const { info, delivered } = await send("From: alice@example.test\r\nSubject: x\r\n\r\nhi\r\n", { from: "alice@example.test", to: ["bob@example.test"] });
    const { received } = splitReceived(delivered.raw);
    expect(received).toMatch(/with ESMTPSA/);
    expect(received).toContain("[127.0.0.1]");
    expect(received).toMatch(/; \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}/);
    const accepted = msa.logs.filter((l) => l.event === "accept").at(-1)!;
    expect(received).toContain(`id ${String(accepted.queueId)}`);
    expect(info.response).toContain(String(accepted.queueId));
    expect(accepted).toMatchObject({ login: "alice", recipients: 1 });
  });
  it("says ESMTPSA on implicit TLS too", async () => {
    const { delivered } = await send("From: bob@example.test\r\n\r\nhi\r\n", { from: "bob@example.test", to: ["x@example.test"] }, { implicit: true, user: "bob" });
    expect(splitReceived(delivered.raw).received).toMatch(/with ESMTPSA/);
  });
});

describe("add Date, add Message-ID, add Sender", () => {
  it("adds Date and a unique Message-ID on the hostname only when missing", async () => {
    const one = await send("From: alice@example.test\r\nSubject: x\r\n\r\nbody\r\n", { from: "alice@example.test", to: ["b@example.test"] });
    const two = await send("From: alice@example.test\r\nSubject: x\r\n\r\nbody\r\n", { from: "alice@example.test", to: ["b@example.test"] });
    const ids = [one, two].map(({ delivered }) => /\r\nMessage-ID: (<[^>]+@msa\.example\.test>)\r\n/i.exec(delivered.raw.toString())?.[1]);
    expect(ids[0]).toBeDefined();
    expect(ids[0]).not.toBe(ids[1]);
    expect(one.delivered.raw.toString()).toMatch(/\r\nDate: \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n/);
    // body untouched, and the body still starts after the first empty line
    expect(one.delivered.raw.toString().endsWith("\r\n\r\nbody\r\n")).toBe(true);
  });
  it("adds Sender when From: is not the login's own address, once", async () => {
    const { delivered } = await send("From: Boss <boss@example.test>\r\nSubject: x\r\n\r\nbody\r\n", { from: "alice@example.test", to: ["b@example.test"] });
    expect(delivered.raw.toString().match(/^Sender: .*$/gim)).toEqual(["Sender: alice@example.test"]);
    const existing = await send("From: boss@example.test\r\nSender: secretary@example.test\r\n\r\nbody\r\n", { from: "alice@example.test", to: ["b@example.test"] });
    expect(existing.delivered.raw.toString().match(/^Sender:/gim)).toHaveLength(1);
    const own = await send("From: Alice <alice@example.test>\r\n\r\nbody\r\n", { from: "alice@example.test", to: ["b@example.test"] });
    expect(own.delivered.raw.toString()).not.toMatch(/^Sender:/im);
  });
});

describe("qualify domains", () => {
  it("qualifies the envelope and every address header, through python3 smtplib", async () => {
    const count = hop.messages.length;
    const script = `
import os, smtplib, ssl
ctx = ssl.create_default_context(cafile=os.environ["CA"])
msg = ("From: Alice <alice>\\r\\nTo: bob, Carol <carol@sales>\\r\\nCc: dave\\r\\nBcc: eve\\r\\nReply-To: team\\r\\n"
       "Resent-From: alice\\r\\nResent-To: frank\\r\\nResent-Cc: gina\\r\\nResent-Bcc: hal\\r\\nResent-Sender: alice\\r\\nSender: alice\\r\\n"
       "Subject: qualify alice and bob\\r\\nX-Other: bob\\r\\n\\r\\nDear bob, write to alice.\\r\\n")
with smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.example") as s:
    s.starttls(context=ctx)
    s.login("alice", os.environ["PW"])
    r = s.sendmail("alice", ["bob", "carol@sales"], msg)
    print("refused", r)
`;
    const result = await runSmtplib(script, { CA: msa.pki.caPath, PORT: String(msa.port), PW: PASSWORDS.alice });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("refused {}");
    const [delivered] = (await hop.waitForMessages(count + 1)).slice(count);
    expect(delivered!.mailFrom).toBe("alice@example.test");
    expect(delivered!.rcptTo).toEqual(["bob@example.test", "carol@sales.example.test"]);
    const text = delivered!.raw.toString();
    for (const line of [
      "From: Alice <alice@example.test>",
      "To: bob@example.test, Carol <carol@sales.example.test>",
      "Cc: dave@example.test",
      "Bcc: eve@example.test",
      "Reply-To: team@example.test",
      "Resent-From: alice@example.test",
      "Resent-To: frank@example.test",
      "Resent-Cc: gina@example.test",
      "Resent-Bcc: hal@example.test",
      "Resent-Sender: alice@example.test",
      "Sender: alice@example.test",
      "Subject: qualify alice and bob",
      "X-Other: bob",
    ]) {
      expect(text).toContain(`\r\n${line}\r\n`);
    }
    expect(text.endsWith("\r\n\r\nDear bob, write to alice.\r\n")).toBe(true);
    expect(splitReceived(delivered!.raw).received).toContain("from client.example");
  });
});
