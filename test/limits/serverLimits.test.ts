// ServerLimits without sockets: defaults for a silent policy, rule origins in refusals, observe-only
// rates, session slots freed once, the error cap replacing the reply that reaches it.
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { RuleOrigin } from "../../graph/graph.js";
import { newSession } from "../../runtime/decision/session.js";
import { capErrors, defaultLimits, MAX_ERRORS_PER_SESSION, ServerLimits } from "../../runtime/limits/serverLimits.js";

const origin = (line: number): RuleOrigin => ({ file: "/etc/msa/policy.msa", line, span: { start: 0, end: 0 } });
function logger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { log, lines };
}
const state = (login: string | null) => ({
  ...newSession("plain", "192.0.2.1"),
  login,
  transaction: { mailFrom: "alice@example.test", smtputf8: false, declaredSize: null, dsn: {}, recipients: [{ address: "b@example.test", dsn: {} }] },
});

/** Line 4: an observe-only rule of 1 message a minute per user; line 5: an enforced one of 2. */
function withObservedRule() {
  const { log, lines } = logger();
  const limits = new ServerLimits(
    {
      ...defaultLimits("/etc/msa/policy.msa"),
      rates: [
        { origin: origin(4), count: 1, unit: "messages", windowMs: 60_000, per: "user", observe: true },
        { origin: origin(5), count: 2, unit: "messages", windowMs: 60_000, per: "user" },
      ],
    },
    { log },
  );
  return { limits, lines };
}

describe("ServerLimits", () => {
  it("has the documented defaults for a silent policy", () => {
    const d = defaultLimits("p.msa");
    expect([d.sessions.max, d.sessions.perIp, d.throttle.failuresPerSession, d.throttle.delayBaseMs, d.throttle.delayMaxMs]).toEqual([500, 20, 3, 1000, 8000]);
    expect(d.throttle.ip).toEqual({ count: 5, windowMs: 600_000, blockMs: 900_000 });
    expect(d.throttle.login).toEqual({ count: 10, windowMs: 3_600_000, blockMs: 3_600_000 });
    expect(d.timeouts).toMatchObject({ commandMs: 300_000, dataMs: 600_000 });
  });

  it("names the rule that refused, and lets an observe-only rule log would-reject instead", async () => {
    const { limits, lines } = withObservedRule();
    const context = { sessionId: "s1", state: state("alice") };
    expect((await limits.consume(context, 10)).refusal).toBeNull();
    expect((await limits.consume(context, 10)).refusal).toBeNull();
    expect(lines.filter((l) => l.event === "would-reject").map((l) => l.rule)).toEqual(["/etc/msa/policy.msa:4"]);
    const refusal = await limits.checkMail(context, "alice@example.test", null);
    expect(refusal).toMatchObject({ reply: { code: 451, enhanced: "4.7.1" }, origin: origin(5) });
    // per user rules do not apply before AUTH
    expect(await limits.checkMail({ sessionId: "s2", state: state(null) }, "alice@example.test", null)).toBeNull();
    await limits.close();
  });

  it("refund takes back what consume counted, and only where it counted", async () => {
    const { limits, lines } = withObservedRule();
    const context = { sessionId: "s1", state: state("alice") };
    expect((await limits.consume(context, 10)).refusal).toBeNull();
    const second = await limits.consume(context, 10); // over the observe-only rule: counted by rule 5 alone
    expect(second.refusal).toBeNull();
    expect(await limits.checkMail(context, "alice@example.test", null)).not.toBeNull();
    await second.refund();
    expect(await limits.checkMail(context, "alice@example.test", null)).toBeNull();
    // the observe-only rule still holds the first message: the check above and the next message
    // would be refused by it again (had the refund taken from it, neither would log)
    expect((await limits.consume(context, 10)).refusal).toBeNull();
    expect(lines.filter((l) => l.event === "would-reject").map((l) => l.rule)).toEqual(Array(3).fill("/etc/msa/policy.msa:4"));
    await limits.close();
  });

  it("counts recipients as delivery will: Bob, bob and BOB are three, an exact duplicate is one", async () => {
    const { log } = logger();
    const limits = new ServerLimits(
      { ...defaultLimits("/etc/msa/policy.msa"), rates: [{ origin: origin(4), count: 4, unit: "recipients", windowMs: 60_000, per: "user" }] },
      { log },
    );
    const addresses = ["Bob@x.example", "bob@x.example", "BOB@x.example", "bob@X.EXAMPLE"];
    const caseVariants = { ...state("alice"), transaction: { ...state("alice").transaction, recipients: addresses.map((address) => ({ address, dsn: {} })) } };
    expect((await limits.consume({ sessionId: "s1", state: caseVariants }, 10)).refusal).toBeNull();
    // three counted of four: one more recipient fits, two do not
    expect(await limits.checkRcpt({ sessionId: "s1", state: { ...caseVariants, transaction: { ...caseVariants.transaction, recipients: [] } } })).toBeNull();
    const two = { ...caseVariants, transaction: { ...caseVariants.transaction, recipients: [{ address: "c@x.example", dsn: {} }] } };
    expect(await limits.checkRcpt({ sessionId: "s1", state: two })).toMatchObject({ reply: { code: 451, enhanced: "4.7.1" } });
    await limits.close();
  });

  it("frees a session slot once, and only for connections it admitted", () => {
    const { log } = logger();
    const limits = new ServerLimits({ ...defaultLimits("p"), sessions: { ...defaultLimits("p").sessions, perIp: 1 } }, { log });
    expect(limits.admit("a", "192.0.2.1")).toBeNull();
    expect(limits.admit("b", "192.0.2.1")).toMatchObject({ reply: { code: 421, enhanced: "4.7.0" } });
    limits.leave("b");
    expect(limits.connections.sessionsFrom("192.0.2.1")).toBe(1);
    limits.leave("a");
    limits.leave("a");
    expect(limits.connections.sessions).toBe(0);
  });

  it("replaces the error reply that reaches the cap with 421 4.7.0, and counts no 421 and no success", () => {
    const sent: string[] = [];
    const connection = { send: (code: number, data?: string | string[]) => void sent.push(`${code} ${String(data)}`) };
    let errors = 0;
    let capped = 0;
    capErrors(
      connection,
      () => ++errors >= MAX_ERRORS_PER_SESSION,
      () => capped++,
    );
    connection.send(250, "ok");
    connection.send(421, "bye");
    for (let i = 0; i < MAX_ERRORS_PER_SESSION; i++) connection.send(500, "no");
    expect(sent.slice(2, -1).every((s) => s === "500 no")).toBe(true);
    expect(sent.at(-1)).toBe("421 4.7.0 too many errors, closing connection");
    expect(sent).toHaveLength(MAX_ERRORS_PER_SESSION + 2);
    expect(capped).toBe(1);
  });
});
