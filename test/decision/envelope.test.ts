// Decision core without sockets, envelope side: AUTH start, MAIL and RCPT rules with exact reply codes and the deciding rule's FILE:LINE.
import { describe, expect, it } from "vitest";
import { ehloKeywords } from "../../runtime/decision/authStage.js";
import { newSession } from "../../runtime/decision/session.js";
import { POLICY_FILE, TLS_LINE, decidedBy, lineOf, mail, outcome, policy, rcpt, run, session } from "./policy.js";

const FULL = [
  "hostname msa.example.test",
  TLS_LINE,
  "listen 127.0.0.1:2587 starttls",
  'auth users "users.passwd"',
  "require tls",
  "require auth",
  "qualify domains example.test",
  "enforce address syntax",
  "allow postmaster",
  "senders {",
  "  alice: alice@example.test, sales@example.test",
  "  bob@other.test: bob@other.test",
  "}",
  "limit size 1KB",
  "limit recipients 2",
];
const at = (prefix: string) => `${POLICY_FILE}:${lineOf(FULL, prefix)}`;
const full = policy(...FULL);

describe("AuthStage (require tls)", () => {
  it("refuses AUTH before TLS with 538 5.7.11 naming the require tls line", () => {
    const [d] = run(full, session(full), [{ type: "authStart" }]);
    expect(outcome(d!)).toBe("538 5.7.11");
    expect(decidedBy(d!)).toBe(at("require tls"));
    expect(d!.trace.at(-1)).toMatchObject({ node: "RequireTls", outcome: "refuse" });
  });
  it("allows AUTH once TLS is active", () => {
    expect(outcome(run(full, session(full, { tls: true }), [{ type: "authStart" }])[0]!)).toBe("accept");
  });
  it("allows AUTH without TLS when the policy does not require it", () => {
    const g = policy("hostname h.example.test", "listen 127.0.0.1:2525 plain", 'auth users "users.passwd"');
    expect(outcome(run(g, session(g), [{ type: "authStart" }])[0]!)).toBe("accept");
  });
  it("EHLO keywords: AUTH only after TLS, STARTTLS only before it on starttls listeners, SIZE when limited", () => {
    const plain = newSession("starttls", "192.0.2.1");
    expect(ehloKeywords(full, plain)).toEqual({ auth: false, starttls: true, size: 1000 });
    expect(ehloKeywords(full, { ...plain, tls: true })).toEqual({ auth: true, starttls: false, size: 1000 });
    expect(ehloKeywords(full, { ...plain, tls: true, login: "alice" }).auth).toBe(false);
    const unlimited = policy("hostname h.example.test", "listen 127.0.0.1:2525 plain");
    expect(ehloKeywords(unlimited, newSession("tls", "192.0.2.1"))).toEqual({ auth: false, starttls: false, size: null });
  });
});

describe("MailStage", () => {
  it("refuses MAIL before TLS with 530 5.7.0 from the require tls line", () => {
    const [d] = run(full, session(full, { login: "alice" }), [mail("alice@example.test")]);
    expect(outcome(d!)).toBe("530 5.7.0");
    expect(decidedBy(d!)).toBe(at("require tls"));
  });
  it("refuses MAIL without auth with 530 5.7.0 from require auth when postmaster is not allowed", () => {
    const g = policy("hostname h.example.test", "listen 127.0.0.1:2525 plain", 'auth users "users.passwd"', "require auth", "qualify domains example.test");
    const [d] = run(g, session(g), [mail("x@example.test")]);
    expect(outcome(d!)).toBe("530 5.7.0");
    expect(decidedBy(d!)).toBe(`${POLICY_FILE}:4`);
  });
  it("moves the auth refusal to RCPT under allow postmaster", () => {
    const [m, r1, r2] = run(full, session(full, { tls: true }), [mail("someone@example.test"), rcpt("bob@example.test"), rcpt("postmaster")]);
    expect(outcome(m!)).toBe("accept");
    expect(m!.trace.find((s) => s.node === "RequireAuth")?.outcome).toBe("skip");
    expect(outcome(r1!)).toBe("530 5.7.0");
    expect(decidedBy(r1!)).toBe(at("require auth"));
    expect(outcome(r2!)).toBe("accept");
  });
  it("qualifies before every other check: MAIL FROM:<alice> is valid under qualify", () => {
    const [d] = run(full, session(full, { tls: true, login: "alice" }), [mail("alice")]);
    expect(outcome(d!)).toBe("accept");
    expect(d!.result).toBe("alice@example.test");
    expect(d!.state.transaction?.mailFrom).toBe("alice@example.test");
    const nodes = d!.trace.map((s) => s.node);
    expect(nodes.indexOf("QualifyEnvelope")).toBeLessThan(nodes.indexOf("EnforceAddressSyntax"));
    expect(d!.trace.find((s) => s.node === "QualifyEnvelope")).toMatchObject({ outcome: "change", origin: { line: lineOf(FULL, "qualify") } });
  });
  it("qualifies single-label domains with .D", () => {
    const [d] = run(full, session(full, { tls: true, login: "alice" }), [mail("alice@sales")]);
    // alice may not use alice@sales.example.test, but the refusal shows the qualified address
    expect(outcome(d!)).toBe("550 5.7.1");
    expect(d!.trace.at(-1)?.detail).toContain("alice@sales.example.test");
  });
  it("refuses malformed MAIL FROM with 501 5.1.7 under enforce address syntax", () => {
    for (const bad of ["a..b@example.test", "alice@exa mple.test", "@example.test", "alice@-bad-.test"]) {
      const [d] = run(full, session(full, { tls: true, login: "alice" }), [mail(bad)]);
      expect(outcome(d!), bad).toBe("501 5.1.7");
      expect(decidedBy(d!)).toBe(at("enforce address syntax"));
    }
  });
  it("accepts the null sender", () => {
    const [d] = run(full, session(full, { tls: true, login: "alice" }), [mail("")]);
    expect(outcome(d!)).toBe("accept");
    expect(d!.state.transaction?.mailFrom).toBe("");
  });
  it("refuses unqualified addresses with 554 5.1.x without qualify domains", () => {
    const g = policy("hostname h.example.test", "listen 127.0.0.1:2525 plain");
    const [m] = run(g, session(g), [mail("alice")]);
    expect(outcome(m!)).toBe("554 5.1.7");
    expect(decidedBy(m!)).toMatch(/^\/policies\/test\.msa:\d+$/);
    const [, r] = run(g, session(g), [mail("alice@example.test"), rcpt("bob")]);
    expect(outcome(r!)).toBe("554 5.1.3");
    const [, r2] = run(g, session(g), [mail("alice@example.test"), rcpt("bob@localhost")]);
    expect(outcome(r2!)).toBe("554 5.1.3");
  });
  it("senders: a listed login may use only its listed addresses (550 5.7.1)", () => {
    const s = session(full, { tls: true, login: "alice" });
    expect(outcome(run(full, s, [mail("sales@example.test")])[0]!)).toBe("accept");
    expect(outcome(run(full, s, [mail("sales@Example.Test")])[0]!)).toBe("accept");
    const [d] = run(full, s, [mail("bob@example.test")]);
    expect(outcome(d!)).toBe("550 5.7.1");
    expect(decidedBy(d!)).toBe(at("senders"));
  });
  it("senders: an unlisted login may use only its own address (login@first qualify domain)", () => {
    const s = session(full, { tls: true, login: "carol" });
    expect(outcome(run(full, s, [mail("carol@example.test")])[0]!)).toBe("accept");
    expect(outcome(run(full, s, [mail("carol")])[0]!)).toBe("accept");
    expect(outcome(run(full, s, [mail("alice@example.test")])[0]!)).toBe("550 5.7.1");
  });
  it("senders: an unlisted login containing @ owns exactly that address", () => {
    const s = session(full, { tls: true, login: "dave@else.test" });
    expect(outcome(run(full, s, [mail("dave@else.test")])[0]!)).toBe("accept");
    expect(outcome(run(full, s, [mail("dave@example.test")])[0]!)).toBe("550 5.7.1");
  });
  it("no senders rule: submission rights are not checked", () => {
    const g = policy("hostname h.example.test", "listen 127.0.0.1:2525 plain", 'auth users "users.passwd"', "require auth");
    expect(outcome(run(g, session(g, { login: "demo" }), [mail("anyone@anywhere.test")])[0]!)).toBe("accept");
  });
  it("refuses SIZE= over the limit with 552 5.3.4 from the limit size line", () => {
    const s = session(full, { tls: true, login: "alice" });
    expect(outcome(run(full, s, [mail("alice", { SIZE: "1000" })])[0]!)).toBe("accept");
    const [d] = run(full, s, [mail("alice", { SIZE: "1001" })]);
    expect(outcome(d!)).toBe("552 5.3.4");
    expect(decidedBy(d!)).toBe(at("limit size"));
  });
  it("refuses unknown MAIL and RCPT parameters with 555 5.5.4", () => {
    const s = session(full, { tls: true, login: "alice" });
    expect(outcome(run(full, s, [mail("alice", { XFOO: "1" })])[0]!)).toBe("555 5.5.4");
    expect(outcome(run(full, s, [mail("alice", { BODY: "8BITMIME", RET: "HDRS", ENVID: "x", SMTPUTF8: true })])[0]!)).toBe("accept");
    const [, r] = run(full, s, [mail("alice"), rcpt("bob@example.test", { XFOO: true })]);
    expect(outcome(r!)).toBe("555 5.5.4");
    const [, ok] = run(full, s, [mail("alice"), rcpt("bob@example.test", { NOTIFY: "SUCCESS,FAILURE", ORCPT: "rfc822;bob@example.test" })]);
    expect(outcome(ok!)).toBe("accept");
  });
  it("refuses non-ASCII addresses without SMTPUTF8 and accepts them with it", () => {
    const g = policy("hostname h.example.test", "listen 127.0.0.1:2525 plain", "enforce address syntax");
    const [d] = run(g, session(g), [mail("jörg@example.test")]);
    expect(outcome(d!)).toMatch(/^55\d 5\.6\.7$/);
    expect(outcome(run(g, session(g), [mail("jörg@example.test", { SMTPUTF8: true })])[0]!)).toBe("accept");
    const [, r] = run(g, session(g), [mail("a@example.test"), rcpt("jörg@example.test")]);
    expect(outcome(r!)).toMatch(/^55\d 5\.6\.7$/);
  });
});

describe("RcptStage", () => {
  const s = session(full, { tls: true, login: "alice" });
  it("refuses malformed RCPT TO with 501 5.1.3", () => {
    const [, d] = run(full, s, [mail("alice"), rcpt("bob@@example.test")]);
    expect(outcome(d!)).toBe("501 5.1.3");
    expect(decidedBy(d!)).toBe(at("enforce address syntax"));
  });
  it("qualifies recipients", () => {
    const [, d] = run(full, s, [mail("alice"), rcpt("bob")]);
    expect(d!.result).toBe("bob@example.test");
    expect(d!.state.transaction?.recipients.map((r) => r.address)).toEqual(["bob@example.test"]);
  });
  it("refuses the recipient over limit recipients with 452 4.5.3", () => {
    const ds = run(full, s, [mail("alice"), rcpt("a"), rcpt("b"), rcpt("c")]);
    expect(ds.map(outcome)).toEqual(["accept", "accept", "accept", "452 4.5.3"]);
    expect(decidedBy(ds[3]!)).toBe(at("limit recipients"));
    expect(ds[3]!.state.transaction?.recipients).toHaveLength(2);
  });
  it("allow postmaster: postmaster and postmaster@D in any case, for the hostname and qualify domains only", () => {
    const anon = session(full, { tls: true });
    for (const address of ["postmaster", "PostMaster", "postmaster@example.test", "POSTMASTER@MSA.EXAMPLE.TEST", "Postmaster@Example.Test"]) {
      const [, d] = run(full, anon, [mail("x@elsewhere.test"), rcpt(address)]);
      expect(outcome(d!), address).toBe("accept");
      expect(d!.trace.find((t) => t.node === "RequireAuth")?.origin.line).toBe(lineOf(FULL, "allow postmaster"));
    }
    for (const address of ["postmaster@elsewhere.test", "postmaster2@example.test", "alice@example.test"]) {
      const [, d] = run(full, anon, [mail("x@elsewhere.test"), rcpt(address)]);
      expect(outcome(d!), address).toBe("530 5.7.0");
    }
  });
  it("under enforce address syntax, refuses exactly the unqualified among quoted, literal, routed and IDN recipients", () => {
    const g = policy("hostname h.example.test", "listen 127.0.0.1:2525 plain", "enforce address syntax");
    const cases: [address: string, outcome: string, passedOn?: string][] = [
      ["alice@example.test", "accept", "alice@example.test"],
      ['"a b"@example.test', "accept", '"a b"@example.test'],
      ['"ab"@example.test', "accept", "ab@example.test"],
      ['"a@b"', "554 5.1.3"],
      ['"a@b.c"', "554 5.1.3"],
      ["a@[192.0.2.1]", "accept", "a@[192.0.2.1]"],
      ["a@[IPv6:2001:db8::1]", "accept", "a@[IPv6:2001:db8::1]"],
      ["joerg@bücher", "554 5.1.3"],
      ["joerg@Bücher.example", "accept", "joerg@Bücher.example"],
      ["bob@localhost", "554 5.1.3"],
      ["@relay.example:bob@localhost", "554 5.1.3"],
      ["@relay.example:bob@d.example", "accept", "bob@d.example"],
    ];
    for (const [address, expected, passedOn] of cases) {
      const [, r] = run(g, session(g), [mail("a@example.test", { SMTPUTF8: true }), rcpt(address)]);
      expect(outcome(r!), address).toBe(expected);
      if (passedOn !== undefined) expect(r!.result, address).toBe(passedOn);
    }
  });
  it("MAIL and RCPT change only the transaction of the session", () => {
    const [m, r] = run(full, s, [mail("alice"), rcpt("b")]);
    for (const d of [m!, r!]) expect({ ...d.state, transaction: null }).toStrictEqual({ ...s, transaction: null });
  });
  it("decide resets the transaction on EHLO, RSET and after TLS", () => {
    const [, , reset] = run(full, s, [mail("alice"), rcpt("b"), { type: "reset" }]);
    expect(reset!.state.transaction).toBeNull();
    const [, , helo] = run(full, s, [mail("alice"), rcpt("b"), { type: "helo", name: "x", extended: true }]);
    expect(helo!.state.transaction).toBeNull();
    const [tls] = run(full, session(full), [{ type: "tls" }]);
    expect(tls!.state).toMatchObject({ tls: true, heloName: null });
  });
});
