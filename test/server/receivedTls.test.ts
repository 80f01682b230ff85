// `add Received with tls, login` over real TLS: python3 smtplib submits over STARTTLS and over
// implicit TLS (forcing TLS 1.2 there), reports the protocol and cipher its socket negotiated, and
// the Received field at the next hop must name exactly those, Postfix's way, with the login; python3's
// email package parses the delivered message without a defect and reads the field's date back.
// `add Received private with ...` still leaves the client's address out.
import { describe, expect, it } from "vitest";
import type { NextHop } from "../support/nextHop.js";
import { runSmtplib } from "../support/smtplib.js";
import { PASSWORDS, type RunningMsa, startMsaWithNextHop } from "./harness.js";

const policy = (received: string) => (url: string) => [
  "hostname msa.example.test",
  "{TLS}",
  "listen 127.0.0.1:2587 starttls",
  "listen 127.0.0.1:2465 tls",
  'auth users "users.passwd"',
  "require tls",
  "require auth",
  "qualify domains example.test",
  received,
  `deliver relay ${url}`,
];

// Submits one message as alice and prints what the client's TLS socket negotiated: `VERSION CIPHER BITS`.
const SUBMIT = `
import os, smtplib, ssl
context = ssl.create_default_context(cafile=os.environ["CA"])
context.check_hostname = False
if os.environ.get("MAX_TLS") == "1.2":
    context.maximum_version = ssl.TLSVersion.TLSv1_2
message = "From: alice@example.test\\r\\nTo: bob@example.org\\r\\nSubject: " + os.environ["SUBJECT"] + "\\r\\n\\r\\nhello\\r\\n"
if os.environ["MODE"] == "implicit":
    s = smtplib.SMTP_SSL("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.example", context=context)
else:
    s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.example")
    s.starttls(context=context)
s.login("alice", os.environ["PASSWORD"])
s.sendmail("alice@example.test", ["bob@example.org"], message)
name, version, bits = s.sock.cipher()
print(version, name, bits)
s.quit()
`;

// Parses a message with python3's email package (RFC 5322 policy) and prints its defects, the first
// Received field unfolded and the date after its `;` as python reads it.
const PARSE = `
import base64, email, email.policy, email.utils, json, os
message = email.message_from_bytes(base64.b64decode(os.environ["RAW"]), policy=email.policy.default)
received = message["Received"]
value = " ".join(str(received).split())
print(json.dumps({
    "defects": [str(d) for d in message.defects] + [str(d) for d in received.defects],
    "received": value,
    "date": email.utils.parsedate_to_datetime(value.rsplit(";", 1)[1].strip()).isoformat(),
}))
`;

/** Submits through msa with smtplib; returns the client's view of its TLS and the message the next hop got. */
async function submit(msa: RunningMsa, hop: NextHop, mode: "starttls" | "implicit", subject: string, maxTls?: "1.2") {
  const count = hop.messages.length;
  const run = await runSmtplib(SUBMIT, {
    MODE: mode,
    PORT: String(mode === "implicit" ? msa.ports[1] : msa.ports[0]),
    CA: msa.pki.caPath,
    PASSWORD: PASSWORDS.alice,
    SUBJECT: subject,
    ...(maxTls ? { MAX_TLS: maxTls } : {}),
  });
  expect(run.code, run.stderr).toBe(0);
  const [version, cipher, bits] = run.stdout.trim().split(" ");
  const [delivered] = (await hop.waitForMessages(count + 1)).slice(count);
  return { version: version!, cipher: cipher!, bits: Number(bits), raw: delivered!.raw };
}

async function parsedByPython(raw: Buffer): Promise<{ defects: string[]; received: string; date: string }> {
  const run = await runSmtplib(PARSE, { RAW: raw.toString("base64") });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { defects: string[]; received: string; date: string };
}

describe("add Received with tls, login", () => {
  it("names the protocol and cipher the STARTTLS handshake settled and the login, and python's email parses it", async () => {
    const { hop, msa } = await startMsaWithNextHop(policy("add Received with tls, login"));
    const { version, cipher, bits, raw } = await submit(msa, hop, "starttls", "over starttls");
    expect(version).toBe("TLSv1.3");
    const parsed = await parsedByPython(raw);
    expect(parsed.defects).toEqual([]);
    const queueId = String(msa.logs.find((l) => l.event === "accept")!.queueId);
    expect(parsed.received).toMatch(
      new RegExp(
        `^from client\\.example \\(\\[127\\.0\\.0\\.1\\]\\) \\(using TLSv1\\.3 with cipher ${cipher} \\(${bits}/${bits} bits\\)\\) \\(Authenticated sender: alice\\) ` +
          `by msa\\.example\\.test \\(msa\\) with ESMTPSA id ${queueId}; `,
      ),
    );
    expect(Math.abs(Date.parse(parsed.date) - Date.now())).toBeLessThan(5 * 60_000);
  });

  it("names TLS 1.2 and its cipher on the implicit TLS listener", async () => {
    const { hop, msa } = await startMsaWithNextHop(policy("add Received with tls, login"));
    const { version, cipher, bits, raw } = await submit(msa, hop, "implicit", "over implicit tls", "1.2");
    expect(version).toBe("TLSv1.2");
    expect(cipher).toMatch(/^ECDHE-/);
    const parsed = await parsedByPython(raw);
    expect(parsed.defects).toEqual([]);
    expect(parsed.received).toContain(`(using TLSv1.2 with cipher ${cipher} (${bits}/${bits} bits)) (Authenticated sender: alice) by msa.example.test (msa) with ESMTPSA id `);
  });

  it("with only `tls`, names no login; without `with`, neither", async () => {
    const { hop, msa } = await startMsaWithNextHop(policy("add Received with tls"));
    const tlsOnly = await parsedByPython((await submit(msa, hop, "starttls", "tls only")).raw);
    expect(tlsOnly.received).toMatch(/ \(using TLSv1\.3 with cipher \S+ \(\d+\/\d+ bits\)\) by msa\.example\.test /);
    expect(tlsOnly.received).not.toContain("Authenticated sender");
    const plain = await startMsaWithNextHop(policy("add Received"));
    const neither = await parsedByPython((await submit(plain.msa, plain.hop, "implicit", "neither")).raw);
    expect(neither.received).toMatch(/^from client\.example \(\[127\.0\.0\.1\]\) by msa\.example\.test \(msa\) with ESMTPSA id /);
  });

  it("under `private` leaves the client's address out and still names the TLS and the login", async () => {
    const { hop, msa } = await startMsaWithNextHop(policy("add Received private with tls, login"));
    const { cipher, raw } = await submit(msa, hop, "starttls", "private");
    const parsed = await parsedByPython(raw);
    expect(parsed.defects).toEqual([]);
    expect(parsed.received).toMatch(
      new RegExp(`^from client\\.example \\(using TLSv1\\.3 with cipher ${cipher} \\(\\d+/\\d+ bits\\)\\) \\(Authenticated sender: alice\\) by msa\\.example\\.test `),
    );
    expect(parsed.received).not.toContain("127.0.0.1");
  });
});
