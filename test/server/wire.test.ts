// Contract section 4 over real sockets (raw SMTP lines, STARTTLS and implicit TLS with a test CA): EHLO keywords, ETRN, TLS and auth requirements, credentials, envelope refusals, sizes, header syntax, each rejection logged with the deciding rule's FILE:LINE.
import { beforeAll, describe, expect, it } from "vitest";
import type { NextHop } from "../support/nextHop.js";
import { rawSmtp } from "../support/smtplib.js";
import { PASSWORDS, authPlain, b64, codes, eventually, rejections, startMsa, type RunningMsa, startMsaWithNextHop } from "./harness.js";

let hop: NextHop;
let msa: RunningMsa;
let ca: string;

const POLICY = (url: string) => [
  "hostname msa.example.test",
  "{TLS}",
  "listen 127.0.0.1:2587 starttls",
  "listen 127.0.0.1:2465 tls",
  'auth users "users.passwd"',
  "require tls",
  "require auth",
  "qualify domains example.test",
  "enforce address syntax",
  "allow postmaster",
  "senders {",
  "  alice: alice@example.test, sales@example.test",
  "}",
  "limit size 2KB",
  "limit recipients 2",
  "add Received",
  `deliver relay ${url}`,
];

beforeAll(async () => {
  ({ hop, msa } = await startMsaWithNextHop(POLICY));
  ca = msa.pki.caCertPem;
});

const tlsStart = ["EHLO client.example", "STARTTLS", "EHLO client.example"];
const asAlice = [...tlsStart, authPlain("alice", PASSWORDS.alice)];
const talk = (steps: Parameters<typeof rawSmtp>[1]) => rawSmtp(msa.port, steps, { ca });
const implicit = (steps: Parameters<typeof rawSmtp>[1]) => rawSmtp(msa.ports[1]!, steps, { ca, tls: true });

/** The last rejection logged since `before` (an index into the log). */
async function lastRejection(before: number) {
  await eventually(() => rejections(msa.logs.slice(before)).length > 0);
  return rejections(msa.logs.slice(before)).at(-1)!;
}

function keywords(ehlo: string): string[] {
  return ehlo
    .split("\n")
    .slice(1)
    .map((l) => l.slice(4));
}

describe("EHLO", () => {
  it("advertises STARTTLS but not AUTH before TLS on a starttls listener", async () => {
    const [greeting, ehlo] = await talk(["EHLO client.example"]);
    expect(greeting).toMatch(/^220 msa\.example\.test /);
    expect(ehlo!.split("\n")[0]).toMatch(/^250-msa\.example\.test/);
    expect(keywords(ehlo!).sort()).toEqual(["8BITMIME", "BINARYMIME", "CHUNKING", "DSN", "ENHANCEDSTATUSCODES", "PIPELINING", "SIZE 2000", "SMTPUTF8", "STARTTLS"].sort());
  });
  it("advertises AUTH and not STARTTLS once TLS is active", async () => {
    const replies = await talk(tlsStart);
    expect(keywords(replies[3]!).sort()).toEqual(
      ["8BITMIME", "AUTH PLAIN LOGIN", "BINARYMIME", "CHUNKING", "DSN", "ENHANCEDSTATUSCODES", "PIPELINING", "SIZE 2000", "SMTPUTF8"].sort(),
    );
  });
  it("on an implicit TLS listener advertises AUTH and never STARTTLS", async () => {
    const [, ehlo] = await implicit(["EHLO client.example"]);
    expect(keywords(ehlo!).sort()).toEqual(["8BITMIME", "AUTH PLAIN LOGIN", "BINARYMIME", "CHUNKING", "DSN", "ENHANCEDSTATUSCODES", "PIPELINING", "SIZE 2000", "SMTPUTF8"].sort());
  });
  it("stops offering AUTH after a successful login", async () => {
    const replies = await talk([...asAlice, "EHLO client.example"]);
    expect(keywords(replies.at(-1)!)).not.toContain("AUTH PLAIN LOGIN");
  });
});

describe("ETRN, VRFY, EXPN", () => {
  it("answers ETRN with 502 5.5.1 before TLS, after TLS and after AUTH", async () => {
    expect(codes((await talk(["EHLO c", "ETRN example.test"]))[2])).toBe("502 5.5.1");
    expect(codes((await talk([...tlsStart, "ETRN example.test"]))[4])).toBe("502 5.5.1");
    expect(codes((await talk([...asAlice, "ETRN example.test"]))[5])).toBe("502 5.5.1");
    expect(codes((await talk(["ETRN"]))[1])).toBe("502 5.5.1");
  });
});

describe("TLS and authentication requirements", () => {
  it("refuses AUTH before TLS with 538 5.7.11 and logs the require tls line", async () => {
    const before = msa.logs.length;
    const [, , auth] = await talk(["EHLO c", authPlain("alice", PASSWORDS.alice)]);
    expect(codes(auth)).toMatch(/^(538 5\.7\.11|530 5\.7\.0)$/);
    expect((await lastRejection(before)).rule).toBe(msa.rule("require tls"));
  });
  it("refuses MAIL before TLS with 530 5.7.0 and logs the require tls line", async () => {
    const before = msa.logs.length;
    const [, , mail] = await talk(["EHLO c", "MAIL FROM:<alice@example.test>"]);
    expect(codes(mail)).toBe("530 5.7.0");
    expect((await lastRejection(before)).rule).toBe(msa.rule("require tls"));
  });
  it("with allow postmaster, MAIL without auth passes and RCPT is refused 530 5.7.0 except for postmaster", async () => {
    const before = msa.logs.length;
    const replies = await talk([...tlsStart, "MAIL FROM:<someone@elsewhere.test>", "RCPT TO:<bob@example.test>", "RCPT TO:<PostMaster>", "RCPT TO:<postmaster@msa.example.test>"]);
    expect(replies.slice(4).map(codes)).toEqual(["250 2.1.0", "530 5.7.0", "250 2.1.5", "250 2.1.5"]);
    expect((await lastRejection(before)).rule).toBe(msa.rule("require auth"));
  });
  it("a message to postmaster without auth is relayed", async () => {
    const count = hop.messages.length;
    const replies = await talk([...tlsStart, "MAIL FROM:<someone@elsewhere.test>", "RCPT TO:<postmaster>", "DATA", Buffer.from("Subject: hi postmaster\r\n\r\nbody\r\n.\r\n")]);
    expect(codes(replies.at(-1))).toBe("250 2.0.0");
    expect(hop.messages[count]?.rcptTo).toEqual(["postmaster@example.test"]);
  });
  it("refuses wrong credentials with 535 5.7.8 and never logs the password", async () => {
    const secret = "very-secret-guess";
    const before = msa.logs.length;
    const replies = await talk([...tlsStart, authPlain("alice", secret), "AUTH LOGIN", b64("bob"), b64(secret + "2"), authPlain("nobody", secret)]);
    expect(codes(replies[4])).toBe("535 5.7.8");
    expect(replies[5]).toMatch(/^334 /);
    expect(replies[6]).toMatch(/^334 /);
    expect(codes(replies[7])).toBe("535 5.7.8");
    // the third failure of a session ends it (`throttle auth failures 3 per session`, the default)
    expect(codes(replies[8])).toBe("421 4.7.0");
    await eventually(() => msa.logs.slice(before).filter((l) => l.event === "auth-failed").length === 3);
    const failed = msa.logs.slice(before).filter((l) => l.event === "auth-failed");
    expect(failed.map((l) => l.login)).toEqual(["alice", "bob", "nobody"]);
    expect(failed.every((l) => l.client === "127.0.0.1")).toBe(true);
    expect(JSON.stringify(msa.logs)).not.toContain(secret);
    expect(JSON.stringify(msa.logs)).not.toContain(b64(`\0alice\0${secret}`));
  });
  it("accepts bcrypt ($2y$) and argon2id users with PLAIN and LOGIN", async () => {
    expect(codes((await talk(asAlice))[4])).toBe("235 2.7.0");
    const login = await talk([...tlsStart, "AUTH LOGIN", b64("bob"), b64(PASSWORDS.bob)]);
    expect(codes(login.at(-1))).toBe("235 2.7.0");
    expect(codes((await implicit(["EHLO c", authPlain("bob", PASSWORDS.bob)]))[2])).toBe("235 2.7.0");
  });
});

describe("envelope refusals", () => {
  it("501 5.1.7 for a malformed MAIL FROM, 501 5.1.3 for a malformed RCPT TO", async () => {
    const before = msa.logs.length;
    const replies = await talk([...asAlice, "MAIL FROM:<alice@@example.test>", "MAIL FROM:<alice>", "RCPT TO:<bob@exa..mple.test>"]);
    expect(replies.slice(5).map(codes)).toEqual(["501 5.1.7", "250 2.1.0", "501 5.1.3"]);
    expect((await lastRejection(before)).rule).toBe(msa.rule("enforce address syntax"));
  });
  it("550 5.7.1 for a MAIL FROM the login may not use", async () => {
    const before = msa.logs.length;
    const replies = await talk([...asAlice, "MAIL FROM:<bob@example.test>", "MAIL FROM:<sales>"]);
    expect(replies.slice(5).map(codes)).toEqual(["550 5.7.1", "250 2.1.0"]);
    expect((await lastRejection(before)).rule).toBe(msa.rule("senders"));
    const bob = await talk([...tlsStart, authPlain("bob", PASSWORDS.bob), "MAIL FROM:<bob>", "RSET", "MAIL FROM:<alice@example.test>"]);
    expect(bob.slice(5).map(codes)).toEqual(["250 2.1.0", "250 2.0.0", "550 5.7.1"]);
  });
  it("452 4.5.3 for recipients over the limit", async () => {
    const before = msa.logs.length;
    const replies = await talk([...asAlice, "MAIL FROM:<alice>", "RCPT TO:<a>", "RCPT TO:<b>", "RCPT TO:<c>"]);
    expect(replies.slice(5).map(codes)).toEqual(["250 2.1.0", "250 2.1.5", "250 2.1.5", "452 4.5.3"]);
    expect((await lastRejection(before)).rule).toBe(msa.rule("limit recipients"));
  });
  it("552 5.3.4 for a declared SIZE over the limit", async () => {
    const before = msa.logs.length;
    const replies = await talk([...asAlice, "MAIL FROM:<alice> SIZE=2001", "MAIL FROM:<alice> SIZE=2000"]);
    expect(replies.slice(5).map(codes)).toEqual(["552 5.3.4", "250 2.1.0"]);
    expect((await lastRejection(before)).rule).toBe(msa.rule("limit size"));
  });
  it("555 5.5.4 for unknown MAIL and RCPT parameters", async () => {
    const replies = await talk([...asAlice, "MAIL FROM:<alice> FOO=BAR", "MAIL FROM:<alice> BODY=8BITMIME", "RCPT TO:<b> XYZZY"]);
    expect(replies.slice(5).map(codes)).toEqual(["555 5.5.4", "250 2.1.0", "555 5.5.4"]);
  });
  it("refuses a non-ASCII address without SMTPUTF8 and takes it with SMTPUTF8", async () => {
    const replies = await talk([...asAlice, "MAIL FROM:<alice>", "RCPT TO:<jörg@example.test>", "RSET", "MAIL FROM:<alice> SMTPUTF8", "RCPT TO:<jörg@example.test>"]);
    expect(codes(replies[6])).toMatch(/^55\d 5\.6\.7$/);
    expect(codes(replies[9])).toBe("250 2.1.5");
  });
});

describe("message refusals", () => {
  const data = (text: string) => Buffer.from(text + "\r\n.\r\n", "latin1");
  it("552 5.3.4 for an actual size over the limit, nothing relayed", async () => {
    const before = msa.logs.length;
    const count = hop.mailAttempts;
    const replies = await talk([...asAlice, "MAIL FROM:<alice>", "RCPT TO:<bob>", "DATA", data("Subject: big\r\n\r\n" + "x".repeat(76).concat("\r\n").repeat(30))]);
    expect(codes(replies.at(-1))).toBe("552 5.3.4");
    expect((await lastRejection(before)).rule).toBe(msa.rule("limit size"));
    expect(hop.mailAttempts).toBe(count);
  });
  it.each([
    ["no colon", "Subject hello\r\n\r\nbody"],
    ["bare CR in a header", "Subject: a\rb\r\n\r\nbody"],
    ["8-bit header name", "Subj\xe9ct: x\r\n\r\nbody"],
    ["a header line over 998 bytes", `Subject: ${"y".repeat(1000)}\r\n\r\nbody`],
  ])("554 5.6.0 for a header section with %s", async (_what, text) => {
    const big = await startMsaOnce();
    const before = big.logs.length;
    const replies = await rawSmtp(big.port, [...asAlice, "MAIL FROM:<alice>", "RCPT TO:<bob>", "DATA", data(text)], { ca });
    expect(codes(replies.at(-1))).toBe("554 5.6.0");
    await eventually(() => rejections(big.logs.slice(before)).length > 0);
    expect(rejections(big.logs.slice(before))[0]!.rule).toMatch(new RegExp(`^${big.file.replace(/[.]/g, "\\.")}:\\d+$`));
  });
});

let bigMsa: RunningMsa | undefined;
/** Same policy with a larger size limit, so long header lines reach the header check. */
async function startMsaOnce(): Promise<RunningMsa> {
  bigMsa ??= await startMsa(POLICY(hop.url).map((l) => (l.startsWith("limit size") ? "limit size 1MB" : l)));
  return bigMsa;
}
