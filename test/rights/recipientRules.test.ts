// Tests for recipient permissions (RFC 6409 section 6.2): first matching rule wins, login scopes,
// default allow, normalised lookups, and the unreachable-rule lint.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileRecipientRules, decideRecipient, unreachableRecipientRules, type RecipientRule } from "../../runtime/rights/recipientRules.js";

const rules: RecipientRule[] = [
  /* 0 */ { action: "refuse", match: { addresses: ["ceo@example.com"] }, logins: ["intern"] },
  /* 1 */ { action: "allow", match: { domains: ["example.com", "Bücher.example"] }, logins: ["intern", "bob"] },
  /* 2 */ { action: "refuse", match: { all: true }, logins: ["intern"] },
  /* 3 */ { action: "refuse", match: { list: ["spam@bad.example", "@worse.example"] } },
  /* 4 */ { action: "allow", match: { list: ["*"] }, logins: ["bob"] },
  /* 5 */ { action: "refuse", match: { domains: ["@competitor.example"] } },
];
const compiled = compileRecipientRules(rules);

describe("decideRecipient", () => {
  it.each([
    ["intern", "ceo@example.com", false, 0],
    ["intern", "ceo@EXAMPLE.COM", false, 0],
    ["intern", "CEO@example.com", true, 1], // local parts are exact: another mailbox
    ["intern", "anyone@example.com", true, 1],
    ["intern", "x@xn--bcher-kva.example", true, 1],
    ["intern", "x@BÜCHER.example", true, 1],
    ["intern", "x@sub.example.com", false, 2], // domains are exact, not their subdomains
    ["intern", "friend@gmail.example", false, 2],
    ["intern", "spam@bad.example", false, 2],
    ["bob", "ceo@example.com", true, 1],
    ["bob", "spam@bad.example", false, 3],
    ["bob", "x@worse.example", false, 3],
    ["bob", "x@competitor.example", true, 4],
    ["alice", "x@competitor.example", false, 5],
    ["alice", "spam@bad.example", false, 3],
    ["alice", '"spam"@bad.example', false, 3],
    ["alice", "ham@bad.example", true, null],
    ["alice", "friend@gmail.example", true, null],
    ["alice", "unqualified", true, null],
  ])("%s -> %s: allowed %s by rule %s", (login, address, allowed, ruleIndex) => {
    expect(decideRecipient(compiled, login, address)).toEqual({ allowed, ruleIndex });
  });

  it("never applies a login-scoped rule to an unauthenticated session", () => {
    expect(decideRecipient(compiled, null, "x@gmail.example")).toEqual({ allowed: true, ruleIndex: null });
    expect(decideRecipient(compiled, null, "x@worse.example")).toEqual({ allowed: false, ruleIndex: 3 });
  });

  it("allows everything with no rules", () => {
    expect(decideRecipient(compileRecipientRules([]), "a", "b@c.example")).toEqual({ allowed: true, ruleIndex: null });
  });

  it("reports entries it cannot read, which then match nothing", () => {
    const bad = compileRecipientRules([{ action: "refuse", match: { domains: ["bad..example"], addresses: ["nobody"], list: ["@-x.example"] } }]);
    expect(bad.problems.map((p) => p.entry)).toEqual(["bad..example", "nobody", "@-x.example"]);
    expect(decideRecipient(bad, "a", "nobody")).toEqual({ allowed: true, ruleIndex: null });
  });

  it("decides as a plain first-match scan over the rules would", () => {
    const domains = ["a.example", "b.example", "c.example"];
    const addresses = ["x@a.example", "y@a.example", "x@b.example", "z@c.example"];
    const logins = ["l1", "l2", "l3"];
    const rule = fc.record({
      action: fc.constantFrom<"allow" | "refuse">("allow", "refuse"),
      match: fc.record({ domains: fc.subarray(domains), addresses: fc.subarray(addresses), all: fc.boolean() }, { requiredKeys: [] }),
      logins: fc.option(fc.subarray(logins), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 8 }), fc.option(fc.constantFrom(...logins), { nil: null }), fc.constantFrom(...addresses, "w@c.example"), (rs, login, address) => {
        const domain = address.split("@")[1]!;
        const expected = rs.findIndex(
          (r) =>
            (r.logins === undefined || (login !== null && r.logins.includes(login))) &&
            (r.match.all === true || (r.match.addresses ?? []).includes(address) || (r.match.domains ?? []).includes(domain)),
        );
        const decision = decideRecipient(compileRecipientRules(rs), login, address);
        expect(decision).toEqual(expected < 0 ? { allowed: true, ruleIndex: null } : { allowed: rs[expected]!.action === "allow", ruleIndex: expected });
      }),
    );
  });
});

describe("unreachableRecipientRules", () => {
  it("finds rules after a rule for everyone that matches everything", () => {
    expect(
      unreachableRecipientRules([
        { action: "refuse", match: { all: true } },
        { action: "allow", match: { domains: ["example.com"] }, logins: ["bob"] },
      ]),
    ).toEqual([{ ruleIndex: 1, shadowedBy: 0 }]);
  });

  it("finds an address covered by an earlier domain rule of a wider scope", () => {
    expect(
      unreachableRecipientRules([
        { action: "allow", match: { domains: ["example.com"] }, logins: ["a", "b"] },
        { action: "refuse", match: { addresses: ["ceo@example.com"] }, logins: ["a"] },
      ]),
    ).toEqual([{ ruleIndex: 1, shadowedBy: 0 }]);
  });

  it("keeps rules that can still decide", () => {
    expect(
      unreachableRecipientRules([
        { action: "refuse", match: { addresses: ["ceo@example.com"] }, logins: ["intern"] },
        { action: "allow", match: { domains: ["example.com"] }, logins: ["intern"] },
        { action: "refuse", match: { all: true }, logins: ["intern"] },
        { action: "allow", match: { domains: ["example.com"] }, logins: ["a"] },
        { action: "allow", match: { domains: ["example.com"] } },
      ]),
    ).toEqual([]);
  });
});
