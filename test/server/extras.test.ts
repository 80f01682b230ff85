// Issue 9 and observe-only rules over the wire: a real client (nodemailer over STARTTLS) submits
// to msa, which relays to a real next hop. Grants @domain and *, sender mismatch with Sender:,
// senders in headers, recipient limits, masquerading, remove header Bcc, aliases, message syntax,
// and `observe` rules that log would-reject with the rule's FILE:LINE and refuse nothing.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNextHop, type NextHop } from "../support/nextHop.js";
import { PASSWORDS, eventually, startMsa, type RunningMsa } from "./harness.js";

let hop: NextHop;
let strict: RunningMsa;
let lax: RunningMsa;
let aliasDir: string;

beforeAll(async () => {
  hop = await startNextHop();
  aliasDir = await mkdtemp(join(tmpdir(), "msa-aliases-"));
  await writeFile(join(aliasDir, "aliases"), "sales: alice, carol@example.org\n");
  const head = ["hostname msa.example.test", "{TLS}", "listen 127.0.0.1:2587 starttls", 'auth users "users.passwd"', "require tls", "require auth", "qualify domains example.test"];
  strict = await startMsa([
    ...head,
    "senders {",
    "  alice: alice@example.test, @sales.example.test",
    "  bob: *",
    "}",
    "enforce senders in headers",
    "limit recipients to @example.test, partner.example for alice",
    "masquerade example.test except mail.example.test",
    "remove header Bcc, X-Originating-IP",
    "enforce message syntax",
    `aliases "${join(aliasDir, "aliases")}"`,
    `deliver relay ${hop.url}`,
  ]);
  lax = await startMsa([
    ...head,
    "senders {",
    "  alice: alice@example.test",
    "}",
    "allow sender mismatch",
    "observe limit recipients to @example.test",
    "add Received private",
    `deliver relay ${hop.url}`,
  ]);
});
afterAll(async () => {
  await strict.stop();
  await lax.stop();
  await hop.stop();
  await rm(aliasDir, { recursive: true, force: true });
});

async function send(msa: RunningMsa, user: "alice" | "bob", envelope: { from: string; to: string[] }, raw: string) {
  const count = hop.messages.length;
  const t = nodemailer.createTransport({
    host: "127.0.0.1",
    port: msa.port,
    name: "client.example",
    requireTLS: true,
    tls: { ca: msa.pki.caCertPem, servername: "localhost" },
    auth: { user, pass: PASSWORDS[user] },
  });
  try {
    await t.sendMail({ envelope, raw: raw.replace(/\r?\n/g, "\r\n") });
    const [delivered] = (await hop.waitForMessages(count + 1)).slice(count);
    return delivered!;
  } finally {
    t.close();
  }
}

/** The error a refused submission gives: `CODE ENHANCED`, and that nothing reached the next hop. */
async function refused(msa: RunningMsa, user: "alice" | "bob", envelope: { from: string; to: string[] }, raw: string): Promise<string> {
  const count = hop.messages.length;
  const error = await send(msa, user, envelope, raw).then(
    () => null,
    (e: Error & { responseCode?: number; response?: string }) => e,
  );
  expect(error).not.toBeNull();
  expect(hop.messages.length).toBe(count);
  return (error!.response ?? "").split(" ").slice(0, 2).join(" ");
}

describe("submission rights on the wire", () => {
  it("a grant @domain lets alice send as any address at that domain", async () => {
    const m = await send(strict, "alice", { from: "team@sales.example.test", to: ["bob@example.test"] }, "From: team@sales.example.test\nSubject: grant\n\nhi\n");
    // Accepted as sent; `masquerade example.test` then hides the host name sales.example.test.
    expect(m.mailFrom).toBe("team@example.test");
  });
  it("a grant * lets bob send as anyone", async () => {
    const m = await send(strict, "bob", { from: "news@elsewhere.example", to: ["alice@example.test"] }, "From: news@elsewhere.example\nSubject: star\n\nhi\n");
    expect(m.mailFrom).toBe("news@elsewhere.example");
  });
  it("refuses a From: the login may not use with 550 5.7.1 after DATA (enforce senders in headers)", async () => {
    expect(await refused(strict, "alice", { from: "alice@example.test", to: ["bob@example.test"] }, "From: ceo@example.test\nSubject: x\n\nhi\n")).toBe("550 5.7.1");
    await eventually(() => strict.logs.some((l) => l.event === "reject" && l.rule === strict.rule("enforce senders in headers")));
  });
  it("allow sender mismatch: accepts and adds Sender: with the login's own address", async () => {
    const m = await send(lax, "alice", { from: "boss@example.test", to: ["bob@example.test"] }, "From: boss@example.test\nSubject: mismatch\n\nhi\n");
    expect(m.mailFrom).toBe("boss@example.test");
    expect(m.raw.toString()).toContain("\r\nSender: alice@example.test\r\n");
  });
});

describe("recipients, rewriting, aliases and message syntax on the wire", () => {
  it("limit recipients to: 550 5.7.1 at RCPT for alice outside the list", async () => {
    expect(await refused(strict, "alice", { from: "alice@example.test", to: ["x@gmail.example"] }, "From: alice@example.test\n\nhi\n")).toBe("550 5.7.1");
    await eventually(() => strict.logs.some((l) => l.event === "reject" && l.stage === "rcpt" && l.rule === strict.rule("limit recipients to")));
    const m = await send(strict, "alice", { from: "alice@example.test", to: ["x@partner.example"] }, "From: alice@example.test\nSubject: partner\n\nhi\n");
    expect(m.rcptTo).toEqual(["x@partner.example"]);
  });
  it("masquerades MAIL FROM and From:", async () => {
    const m = await send(strict, "bob", { from: "bob@host7.example.test", to: ["alice@example.test"] }, "From: Bob <bob@host7.example.test>\nSubject: masq\n\nhi\n");
    expect(m.mailFrom).toBe("bob@example.test");
    expect(m.raw.toString()).toContain("From: Bob <bob@example.test>\r\n");
    const kept = await send(strict, "bob", { from: "bob@mail.example.test", to: ["alice@example.test"] }, "From: bob@mail.example.test\nSubject: kept\n\nhi\n");
    expect(kept.mailFrom).toBe("bob@mail.example.test");
  });
  it("remove header Bcc: the Bcc field is not delivered, its name is logged without its value", async () => {
    const m = await send(
      strict,
      "alice",
      { from: "alice@example.test", to: ["bob@example.test", "carol@example.test"] },
      "From: alice@example.test\nTo: bob@example.test\nBcc: carol@example.test\nSubject: bcc\n\nsecret body\n",
    );
    expect(m.raw.toString()).not.toMatch(/^Bcc:/im);
    expect(m.raw.toString()).toContain("Subject: bcc\r\n");
    expect(m.rcptTo).toEqual(["bob@example.test", "carol@example.test"]);
    await eventually(() => strict.logs.some((l) => l.event === "removed-header" && l.name === "Bcc"));
    expect(JSON.stringify(strict.logs.filter((l) => l.event === "removed-header"))).not.toContain("carol@example.test");
  });
  it("aliases: a recipient is expanded before delivery and the expansion is logged", async () => {
    const m = await send(strict, "bob", { from: "bob@example.test", to: ["sales@example.test"] }, "From: bob@example.test\nSubject: alias\n\nhi\n");
    expect(m.rcptTo).toEqual(["alice@example.test", "carol@example.org"]);
    expect(m.rcptParams[0]!.ORCPT).toBe("rfc822;sales@example.test");
    await eventually(() => strict.logs.some((l) => l.event === "alias-expansion" && l.recipient === "sales@example.test"));
  });
  it("enforce message syntax: a message without From: is refused with 554 5.6.0", async () => {
    expect(await refused(strict, "alice", { from: "alice@example.test", to: ["bob@example.test"] }, "Subject: no author\n\nhi\n")).toBe("554 5.6.0");
    await eventually(() => strict.logs.some((l) => l.event === "reject" && l.code === 554 && l.rule === strict.rule("enforce message syntax")));
  });
});

describe("observe-only rules on the wire", () => {
  it("takes the mail and logs would-reject with the rule's FILE:LINE", async () => {
    const m = await send(lax, "alice", { from: "alice@example.test", to: ["x@gmail.example"] }, "From: alice@example.test\nSubject: observed\n\nhi\n");
    expect(m.rcptTo).toEqual(["x@gmail.example"]);
    await eventually(() => lax.logs.some((l) => l.event === "would-reject"));
    const event = lax.logs.find((l) => l.event === "would-reject")!;
    expect(event).toMatchObject({ rule: lax.rule("observe limit recipients to"), stage: "rcpt", code: 550, enhanced: "5.7.1", level: "warn" });
    expect(lax.logs.filter((l) => l.event === "reject")).toEqual([]);
  });
  it("add Received private leaves the client IP out of Received", async () => {
    const m = await send(lax, "alice", { from: "alice@example.test", to: ["bob@example.test"] }, "From: alice@example.test\nSubject: private\n\nhi\n");
    const received = /^Received: ([^\r]*(?:\r\n[ \t][^\r]*)*)/m.exec(m.raw.toString());
    expect(received).not.toBeNull();
    expect(received![1]).toMatch(/^from client\.example by msa\.example\.test /);
    expect(received![1]).not.toContain("127.0.0.1");
    // The session was authenticated; the rule is `add Received private`.
    expect(received![1]).toContain("ESMTPSA");
  });
});
