// `on LISTENER { RULES }` in the decision core: a rule in a block judges only the sessions on its
// listeners; one that says one value replaces everyone's rule there, and a rule for a login still
// beats it (login, group, listener, everyone: the most specific decides).
import { describe, expect, it } from "vitest";
import { ehloKeywords } from "../../runtime/decision/authStage.js";
import { POLICY_FILE, decidedBy, lineOf, mail, outcome, policy, rcpt, run, session } from "./policy.js";

const LINES = [
  "hostname msa.example.test",
  "listen 127.0.0.1:2525 plain",
  "listen 127.0.0.1:2526 plain",
  'auth users "users.passwd"',
  "require auth",
  "qualify domains example.test",
  "limit size 10MB",
  "limit size 1MB for demo",
  "on 2526 {",
  "  allow unauthenticated",
  "  limit size 50MB",
  "  limit recipients 1",
  "}",
];
const graph = policy(...LINES);
const APP = "127.0.0.1:2526";
const SUBMISSION = "127.0.0.1:2525";
const at = (prefix: string) => `${POLICY_FILE}:${lineOf(LINES, prefix)}`;

describe("rules for some listeners", () => {
  it("allow unauthenticated in a block lifts require auth on that listener only, and the trace names it", () => {
    const [app] = run(graph, session(graph, { listener: APP }), [mail("cron@example.test")]);
    expect(outcome(app!)).toBe("accept");
    expect(app!.trace.find((step) => step.node === "RequireAuth")).toMatchObject({
      outcome: "skip",
      detail: `listener ${APP} has a rule of its own, ${at("  allow unauthenticated")}`,
    });
    const [submission] = run(graph, session(graph, { listener: SUBMISSION }), [mail("cron@example.test")]);
    expect(outcome(submission!)).toBe("530 5.7.0");
    expect(decidedBy(submission!)).toBe(at("require auth"));
  });

  it("a listener's size limit replaces everyone's there, in EHLO and at MAIL", () => {
    expect(ehloKeywords(graph, session(graph, { listener: APP })).size).toBe(50_000_000);
    expect(ehloKeywords(graph, session(graph, { listener: SUBMISSION })).size).toBe(10_000_000);
    const [big] = run(graph, session(graph, { listener: APP }), [mail("cron@example.test", { SIZE: "20000000" })]);
    expect(outcome(big!)).toBe("accept");
    const [bigElsewhere] = run(graph, session(graph, { listener: SUBMISSION, login: "alice" }), [mail("alice@example.test", { SIZE: "20000000" })]);
    expect(decidedBy(bigElsewhere!)).toBe(at("limit size 10MB"));
  });

  it("a rule for a login beats the listener's rule", () => {
    const [demo] = run(graph, session(graph, { listener: APP, login: "demo" }), [mail("demo@example.test", { SIZE: "2000000" })]);
    expect(outcome(demo!)).toBe("552 5.3.4");
    expect(decidedBy(demo!)).toBe(at("limit size 1MB for demo"));
  });

  it("a refusing rule in a block judges its listener's sessions only", () => {
    const app = run(graph, session(graph, { listener: APP }), [mail("cron@example.test"), rcpt("a@example.test"), rcpt("b@example.test")]);
    expect(app.map(outcome)).toEqual(["accept", "accept", "452 4.5.3"]);
    expect(decidedBy(app[2]!)).toBe(at("  limit recipients 1"));
    const submission = run(graph, session(graph, { listener: SUBMISSION, login: "alice" }), [mail("alice@example.test"), rcpt("a@example.test"), rcpt("b@example.test")]);
    expect(submission.map(outcome)).toEqual(["accept", "accept", "accept"]);
  });

  it("a session on no listener of the graph gets the rules for everyone", () => {
    const [unknown] = run(graph, session(graph), [mail("cron@example.test")]);
    expect(decidedBy(unknown!)).toBe(at("require auth"));
  });
});

describe("precedence and observed rules", () => {
  it("a rule for a login beats its group's rule, as it beats everyone's", () => {
    const lines = [
      "hostname msa.example.test",
      "listen 127.0.0.1:2525 plain",
      'auth users "users.passwd"',
      "require auth",
      "group interns: demo",
      "limit size 25MB",
      "limit size 10MB for interns",
      "limit size 50MB for demo",
    ];
    const graph = policy(...lines);
    const [demo] = run(graph, session(graph, { listener: SUBMISSION, login: "demo" }), [mail("demo@example.test", { SIZE: "20000000" })]);
    expect(outcome(demo!)).toBe("accept");
  });

  it("an observed rule in a block leaves the enforced rule for everyone in force there", () => {
    const lines = ["hostname msa.example.test", "listen 127.0.0.1:2526 plain", "allow unauthenticated", "limit size 10MB", "on 2526 {", "  observe limit size 5MB", "}"];
    const graph = policy(...lines);
    const state = session(graph, { listener: "127.0.0.1:2526" });
    expect(ehloKeywords(graph, state).size).toBe(10_000_000);
    const [big] = run(graph, state, [mail("cron@example.test", { SIZE: "20000000" })]);
    expect(outcome(big!)).toBe("552 5.3.4");
    expect(decidedBy(big!)).toBe(`${POLICY_FILE}:${lineOf(lines, "limit size 10MB")}`);
  });

  it("a `limit recipients to ... for GROUP` in a block judges the group's members", () => {
    const lines = [
      "hostname msa.example.test",
      "listen 127.0.0.1:2526 plain",
      'auth users "users.passwd"',
      "require auth",
      "group interns: demo",
      "on 2526 {",
      "  limit recipients to @example.test for interns",
      "}",
    ];
    const graph = policy(...lines);
    const [, elsewhere] = run(graph, session(graph, { listener: "127.0.0.1:2526", login: "demo" }), [mail("demo@example.test"), rcpt("x@other.example")]);
    expect(outcome(elsewhere!)).toBe("550 5.7.1");
  });
});
