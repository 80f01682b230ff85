// The sender addresses a login source gives with a login (a directory's `mail` values) are that
// login's submission rights: beside its `senders` line when it has one, instead of its own
// address when it has none; in MAIL FROM and in From:/Sender: under `enforce senders in headers`.
import { describe, expect, it } from "vitest";
import { decide } from "../../runtime/decision/decide.js";
import { decidedBy, lineOf, mail, outcome, policy, POLICY_FILE, run, session } from "./policy.js";

const LINES = [
  "hostname msa.example.com",
  "listen 127.0.0.1:2525 plain",
  'auth users "users.passwd"',
  "require auth",
  "qualify domains example.com",
  "senders {",
  "  alice: alice@example.com",
  "}",
  "enforce senders in headers",
] as const;
const graph = policy(...LINES);

const mailFrom = (state: ReturnType<typeof session>, address: string) => run(graph, state, [mail(address)])[0]!;

describe("sender addresses from the login source", () => {
  it("adds the given addresses and domains to a login's senders line", () => {
    const state = session(graph, { login: "alice", addresses: ["team@example.com", "@dir.example"] });
    expect(outcome(mailFrom(state, "alice@example.com"))).toBe("accept");
    expect(outcome(mailFrom(state, "team@example.com"))).toBe("accept");
    expect(outcome(mailFrom(state, "anyone@dir.example"))).toBe("accept");
    const refused = mailFrom(state, "boss@example.com");
    expect(outcome(refused)).toBe("550 5.7.1");
    expect(decidedBy(refused)).toBe(`${POLICY_FILE}:${lineOf(LINES, "senders")}`);
  });

  it("replaces the own address of a login without a senders line", () => {
    const given = session(graph, { login: "bob", addresses: ["robert@example.com"] });
    expect(outcome(mailFrom(given, "robert@example.com"))).toBe("accept");
    expect(outcome(mailFrom(given, "bob@example.com"))).toBe("550 5.7.1");
    // Without addresses from its source, the login keeps its own address (contract section 3).
    const plain = session(graph, { login: "bob" });
    expect(outcome(mailFrom(plain, "bob@example.com"))).toBe("accept");
  });

  it("judges From: with the same addresses", () => {
    const state = session(graph, { login: "bob", addresses: ["robert@example.com"] });
    const inTransaction = run(graph, state, [mail("robert@example.com"), { type: "rcpt", address: "carol@example.org", params: {} }]).at(-1)!.state;
    const message = (from: string) =>
      decide(graph, inTransaction, {
        type: "message",
        bytes: Buffer.from(`From: ${from}\r\nTo: carol@example.org\r\nSubject: hi\r\n\r\nbody\r\n`),
        now: new Date("2026-12-07T10:00:00Z"),
        queueId: "q1",
        messageId: "<id@example.com>",
      } as Parameters<typeof decide>[2]);
    expect(outcome(message("Robert <robert@example.com>"))).toBe("accept");
    const refused = message("Bob <bob@example.com>");
    expect(outcome(refused)).toBe("550 5.7.1");
    expect(decidedBy(refused)).toBe(`${POLICY_FILE}:${lineOf(LINES, "enforce senders")}`);
  });
});
