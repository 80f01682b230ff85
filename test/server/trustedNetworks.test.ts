// `allow unauthenticated from NETWORKS as SENDERS` over real sockets: nodemailer and smtplib from
// 127.0.0.1 (trusted) submit without AUTH as the senders granted; the same clients bound to
// 127.0.0.2, outside the 127.0.0.1/32 network, meet `require auth`. The accept event names the
// network and the rule line; a refusal names the rule that decided.
import nodemailer from "nodemailer";
import { beforeAll, describe, expect, it } from "vitest";
import { runSmtplib } from "../support/smtplib.js";
import { codes, eventually, rejections, type RunningMsa, startMsa } from "./harness.js";

const LINES = [
  "hostname msa.example.test",
  "listen 127.0.0.1:2525 plain",
  'auth users "users.passwd"',
  "require auth",
  "qualify domains example.test",
  "allow unauthenticated from 127.0.0.1/32, 10.9.0.0/16 as @printers.example.test, scanner@example.test",
  "log info",
];
const RAW = "From: copier@printers.example.test\r\nTo: someone@elsewhere.example\r\nSubject: scan\r\n\r\nyour scan\r\n";

let msa: RunningMsa;
beforeAll(async () => {
  msa = await startMsa(LINES);
});

/** Sends RAW without AUTH from `localAddress`; the server's reply to the end of DATA, or the refusal. */
async function sendWithoutAuth(localAddress: string, from: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port: msa.port, localAddress, ignoreTLS: true });
  try {
    return (await transport.sendMail({ envelope: { from, to: ["someone@elsewhere.example"] }, raw: RAW })).response;
  } catch (error) {
    return (error as { response?: string }).response ?? String(error);
  } finally {
    transport.close();
  }
}

describe("trusted networks on the wire", () => {
  it("takes mail without AUTH from a trusted client as a granted sender, and the accept event says by which network and rule", async () => {
    const reply = await sendWithoutAuth("127.0.0.1", "copier@printers.example.test");
    expect(codes(reply)).toBe("250 2.0.0");
    const accepted = () => msa.logs.find((e) => e.event === "accept" && e.from === "copier@printers.example.test");
    await eventually(() => accepted() !== undefined);
    expect(accepted()).toMatchObject({ login: null, client: "127.0.0.1", trustedNetwork: "127.0.0.1/32", trustedBy: msa.rule("allow unauthenticated from") });
  });

  it("refuses a sender the network was not granted, naming the rule", async () => {
    const reply = await sendWithoutAuth("127.0.0.1", "ceo@example.test");
    expect(codes(reply)).toBe("550 5.7.1");
    expect(rejections(msa.logs).find((e) => String(e.detail ?? "").includes("ceo@example.test"))).toMatchObject({ rule: msa.rule("allow unauthenticated from") });
  });

  it("asks a client outside the trusted networks to authenticate", async () => {
    const reply = await sendWithoutAuth("127.0.0.2", "copier@printers.example.test");
    expect(codes(reply)).toBe("530 5.7.0");
    expect(rejections(msa.logs).find((e) => e.client === "127.0.0.2")).toMatchObject({ rule: msa.rule("require auth") });
  });

  it("smtplib from 127.0.0.1 submits as the scanner; from 127.0.0.2 it is refused", async () => {
    const script = [
      "import os, smtplib",
      "s = smtplib.SMTP('127.0.0.1', int(os.environ['PORT']), source_address=(os.environ['SOURCE'], 0))",
      "s.ehlo('scanner.example')",
      "try:",
      "    print(s.sendmail('scanner', ['someone@elsewhere.example'], 'Subject: scan\\r\\n\\r\\npage 1\\r\\n'))",
      "except smtplib.SMTPSenderRefused as e:",
      "    print(e.smtp_code)",
      "s.quit()",
    ].join("\n");
    const trusted = await runSmtplib(script, { PORT: String(msa.port), SOURCE: "127.0.0.1" });
    const outside = await runSmtplib(script, { PORT: String(msa.port), SOURCE: "127.0.0.2" });
    expect([trusted.stdout.trim(), outside.stdout.trim()]).toEqual(["{}", "530"]);
  });
});
