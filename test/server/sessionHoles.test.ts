// Session state that must not outlive what made it, over real sockets: a MAIL FROM sent before
// AUTH (RFC 4954 section 4) and a login made before STARTTLS (RFC 3207 section 4.2).
import { describe, expect, it } from "vitest";
import { rawSmtp } from "../support/smtplib.js";
import { PASSWORDS, authPlain, codes, rejections, startMsaWithNextHop } from "./harness.js";

const message = "From: alice@example.test\r\nSubject: hi\r\n\r\nbody\r\n.\r\n";

describe("AUTH inside a mail transaction", () => {
  it("is refused with 503 5.5.1 under allow postmaster, and the sender is judged only after a new MAIL", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => [
      "hostname msa.example.test",
      "{TLS}",
      "listen 127.0.0.1:2465 tls",
      'auth users "users.passwd"',
      "require tls",
      "require auth",
      "qualify domains example.test",
      "allow postmaster",
      "senders {",
      "  alice: alice@example.test",
      "}",
      `deliver relay ${url}`,
    ]);
    const replies = await rawSmtp(
      msa.port,
      [
        "EHLO client.example",
        "MAIL FROM:<ceo@bank.example>",
        authPlain("alice", PASSWORDS.alice),
        "RCPT TO:<victim@example.org>",
        "RSET",
        authPlain("alice", PASSWORDS.alice),
        "MAIL FROM:<ceo@bank.example>",
      ],
      { tls: true, ca: msa.pki.caCertPem },
    );
    expect(codes(replies[2])).toBe("250 2.1.0");
    expect(codes(replies[3])).toBe("503 5.5.1");
    // still unauthenticated: the recipient is refused as for any anonymous client
    expect(codes(replies[4])).toBe("530 5.7.0");
    expect(codes(replies[6])).toMatch(/^235/);
    // once logged in, the forged sender is judged as alice's and refused
    expect(codes(replies[7])).toBe("550 5.7.1");
    expect(hop.messages).toHaveLength(0);
    const refusal = rejections(msa.logs).find((l) => l.code === 503);
    expect(refusal?.default).toMatch(/RFC 4954/);
  });

  it("is allowed again once a message has ended the transaction, accepted or refused", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => [
      "hostname msa.example.test",
      "{TLS}",
      "listen 127.0.0.1:2465 tls",
      'auth users "users.passwd"',
      "require tls",
      "require auth",
      "qualify domains example.test",
      "allow postmaster",
      `deliver relay ${url}`,
    ]);
    const toPostmaster = ["MAIL FROM:<someone@example.org>", "RCPT TO:<postmaster>", "DATA"];
    const replies = await rawSmtp(
      msa.port,
      ["EHLO client.example", ...toPostmaster, Buffer.from(message), ...toPostmaster, Buffer.from("no colon here\r\n\r\nbody\r\n.\r\n"), authPlain("alice", PASSWORDS.alice)],
      { tls: true, ca: msa.pki.caCertPem },
    );
    expect(codes(replies[5])).toBe("250 2.0.0");
    expect(codes(replies[9])).toBe("554 5.6.0");
    expect(codes(replies[10])).toMatch(/^235/);
    expect(hop.messages).toHaveLength(1);
  });
});

describe("STARTTLS", () => {
  it("discards a login made in clear text: MAIL after the handshake needs AUTH again", async () => {
    const { hop, msa } = await startMsaWithNextHop((url) => [
      "hostname msa.example.test",
      "{TLS}",
      "listen 127.0.0.1:2587 starttls",
      'auth users "users.passwd"',
      "require auth",
      "qualify domains example.test",
      `deliver relay ${url}`,
    ]);
    const replies = await rawSmtp(
      msa.port,
      [
        "EHLO client.example",
        authPlain("alice", PASSWORDS.alice),
        "STARTTLS",
        "EHLO client.example",
        "MAIL FROM:<alice@example.test>",
        "RCPT TO:<bob@example.org>",
        authPlain("alice", PASSWORDS.alice),
        "MAIL FROM:<alice@example.test>",
        "RCPT TO:<bob@example.org>",
        "DATA",
        message,
      ],
      { ca: msa.pki.caCertPem },
    );
    expect(codes(replies[2])).toMatch(/^235/);
    expect(codes(replies[3])).toMatch(/^220/);
    // the EHLO after the handshake offers AUTH again: the login is gone
    expect(replies[4]).toMatch(/AUTH PLAIN LOGIN/);
    expect(codes(replies[5])).toBe("530 5.7.0");
    expect(codes(replies[6])).toMatch(/^5/);
    expect(codes(replies[7])).toMatch(/^235/);
    expect(codes(replies[11])).toBe("250 2.0.0");
    expect(hop.messages).toHaveLength(1);
  });
});
