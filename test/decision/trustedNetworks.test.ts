// `allow unauthenticated from NETWORKS as SENDERS` in the decision core: a client in a trusted
// network needs no AUTH and may use only the senders its rule grants; every other client still
// meets `require auth`; a login keeps its own rights from anywhere.
import { describe, expect, it } from "vitest";
import { POLICY_FILE, decidedBy, lineOf, mail, outcome, policy, rcpt, run, session } from "./policy.js";

const LINES = [
  "hostname msa.example.test",
  "listen 127.0.0.1:2525 plain",
  'auth users "users.passwd"',
  "require auth",
  "qualify domains example.test",
  "senders {",
  "  demo: demo@example.test",
  "}",
  "allow unauthenticated from 10.1.0.0/16, fd00:1::/32 as @printers.example.test, scanner@example.test",
  "allow unauthenticated from 192.168.7.0/24 as *",
];
const graph = policy(...LINES);
const at = (prefix: string) => `${POLICY_FILE}:${lineOf(LINES, prefix)}`;
const PRINTERS = at("allow unauthenticated from 10.1.0.0/16");

describe("trusted networks", () => {
  it("lets a client in a trusted network send as its senders without AUTH, and the trace names the network and the rule", () => {
    const [from, to] = run(graph, session(graph, { client: "10.1.4.20" }), [mail("copier@printers.example.test"), rcpt("someone@elsewhere.example")]);
    expect([outcome(from!), outcome(to!)]).toEqual(["accept", "accept"]);
    expect(from!.trace.find((step) => step.node === "RequireAuth")).toMatchObject({
      outcome: "pass",
      origin: { line: lineOf(LINES, "allow unauthenticated from 10.1.0.0/16") },
      detail: "client 10.1.4.20 is in trusted network 10.1.0.0/16",
    });
    expect(from!.state.transaction?.trustedNetwork).toMatchObject({ network: "10.1.0.0/16", origin: { line: lineOf(LINES, "allow unauthenticated from 10.1.0.0/16") } });
  });

  it("qualifies the sender before judging it, and matches IPv6 and IPv4-mapped clients", () => {
    const [scanner] = run(graph, session(graph, { client: "fd00:1:0:0::9" }), [mail("scanner")]);
    expect(outcome(scanner!)).toBe("accept");
    const [mapped] = run(graph, session(graph, { client: "::ffff:10.1.0.1" }), [mail("scanner@example.test")]);
    expect(outcome(mapped!)).toBe("accept");
  });

  it("refuses a sender the trusted network was not granted with 550 5.7.1, naming its rule", () => {
    const [other] = run(graph, session(graph, { client: "10.1.4.20" }), [mail("ceo@example.test")]);
    expect(outcome(other!)).toBe("550 5.7.1");
    expect(decidedBy(other!)).toBe(PRINTERS);
    const [bounce] = run(graph, session(graph, { client: "10.1.4.20" }), [mail("")]);
    expect(decidedBy(bounce!)).toBe(PRINTERS);
  });

  it("`as *` grants every sender, the null sender included", () => {
    const [any, empty] = [mail("anyone@anywhere.example"), mail("")].map((event) => run(graph, session(graph, { client: "192.168.7.9" }), [event])[0]!);
    expect([outcome(any), outcome(empty)]).toEqual(["accept", "accept"]);
  });

  it("leaves every other client to require auth", () => {
    const [outside] = run(graph, session(graph, { client: "10.2.0.1" }), [mail("copier@printers.example.test")]);
    expect(outcome(outside!)).toBe("530 5.7.0");
    expect(decidedBy(outside!)).toBe(at("require auth"));
  });

  it("judges a login by its own rights, whatever network it comes from", () => {
    const [own, printer] = [mail("demo@example.test"), mail("copier@printers.example.test")].map(
      (event) => run(graph, session(graph, { client: "10.1.4.20", login: "demo" }), [event])[0]!,
    );
    expect(outcome(own)).toBe("accept");
    expect(outcome(printer)).toBe("550 5.7.1");
    expect(decidedBy(printer)).toBe(at("senders {"));
  });
});
