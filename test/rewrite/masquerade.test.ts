// Tests for address masquerading (RFC 6409 section 8.8): which domains are rewritten, envelope and
// header forms, and that every byte outside the rewritten domains stays as written.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEnvelopeAddress } from "../../formats/envelopeAddress.js";
import { listHeaderAddresses, rewriteAddressHeader } from "../../runtime/address/addressHeader.js";
import { applyHeaderEdits } from "../../runtime/message/headerEdits.js";
import { parseHeaderSection } from "../../runtime/message/headerSection.js";
import { masqueradeEnvelope, masqueradeHeaderEdits, masqueradeHeaderValue, masqueradeTarget, type MasqueradeRule } from "../../runtime/rewrite/masquerade.js";

const rule: MasqueradeRule = {
  domains: ["example.com", "eu.example.com", "bücher.example"],
  exceptions: ["mail.example.com"],
  exceptLocalParts: ["root", "MAILER-DAEMON"],
};

describe("masqueradeTarget", () => {
  it.each([
    ["host7.example.com", "example.com"],
    ["HOST7.Example.COM", "example.com"],
    ["a.b.c.example.com", "example.com"],
    ["example.com", null], // already the masquerade domain
    ["host.eu.example.com", "eu.example.com"], // the most specific domain wins
    ["eu.example.com", null], // a masquerade domain is kept, as Postfix's masquerade_domains does
    ["mail.example.com", null], // an exception
    ["relay.mail.example.com", null], // below an exception
    ["notexample.com", null], // a suffix, but not a subdomain
    ["example.org", null],
    ["[192.0.2.1]", null],
    ["host.xn--bcher-kva.example", "xn--bcher-kva.example"],
    ["host.BÜCHER.example", "xn--bcher-kva.example"],
  ])("%s -> %s", (domain, expected) => {
    expect(masqueradeTarget(domain, rule)).toBe(expected);
  });

  it("does not depend on the order the domains are written in", () => {
    const reversed = { ...rule, domains: [...rule.domains].reverse() };
    for (const host of ["host.eu.example.com", "x.example.com", "y.bücher.example"]) {
      expect(masqueradeTarget(host, reversed)).toBe(masqueradeTarget(host, rule));
    }
  });
});

describe("masqueradeEnvelope", () => {
  it.each([
    ["alice@host7.example.com", "alice@example.com"],
    ['"a b"@host7.example.com', '"a b"@example.com'],
    ["alice@example.com", "alice@example.com"],
    ["alice@mail.example.com", "alice@mail.example.com"],
    ["root@host7.example.com", "root@host7.example.com"],
    ["Mailer-Daemon@host7.example.com", "Mailer-Daemon@host7.example.com"],
    ["alice@host.bücher.example", "alice@bücher.example"],
    ["alice", "alice"],
    ["", ""],
    ["alice@[192.0.2.1]", "alice@[192.0.2.1]"],
  ])("text %s -> %s", (address, expected) => {
    expect(masqueradeEnvelope(address, rule)).toBe(expected);
  });

  it("returns the same string when nothing changes", () => {
    const address = "alice@example.org";
    expect(masqueradeEnvelope(address, rule)).toBe(address);
  });

  it("updates both domain forms of a parsed address", () => {
    const parsed = parseEnvelopeAddress("jürgen@host.bücher.example", { smtputf8: true });
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(masqueradeEnvelope(parsed.address, rule)).toEqual({
      localPart: "jürgen",
      domain: "xn--bcher-kva.example",
      domainAsWritten: "bücher.example",
      literal: false,
    });
    const ascii = parseEnvelopeAddress("alice@h.example.com", { smtputf8: false });
    if (!ascii.ok) throw new Error(ascii.reason);
    expect(masqueradeEnvelope(ascii.address, rule)).toMatchObject({ domain: "example.com", domainAsWritten: "example.com" });
    const untouched = parseEnvelopeAddress("root@h.example.com", { smtputf8: false });
    if (!untouched.ok) throw new Error(untouched.reason);
    expect(masqueradeEnvelope(untouched.address, rule)).toBe(untouched.address);
  });
});

describe("masqueradeHeaderValue", () => {
  it.each([
    [' "Alice (host7)" <alice@host7.example.com>', ' "Alice (host7)" <alice@example.com>'],
    [" alice@host7.example.com (Alice), bob@example.org", " alice@example.com (Alice), bob@example.org"],
    [" root@host7.example.com, x@h.eu.example.com", " root@host7.example.com, x@eu.example.com"],
    [" Team: a@h1.example.com, b@h2.example.com;", " Team: a@example.com, b@example.com;"],
    [" Alice\r\n <alice@host7.example.com>", " Alice\r\n <alice@example.com>"],
    [" <@route.example:alice@host7.example.com>", " <@route.example:alice@example.com>"],
    [" jürgen@host.bücher.example", " jürgen@bücher.example"],
    [" a@host7 . example . com", " a@example.com"], // CFWS between domain atoms goes with the old domain
    [" unqualified, a@[192.0.2.1]", " unqualified, a@[192.0.2.1]"],
    [" <broken@host7.example.com", " <broken@host7.example.com"], // ambiguous mailboxes are never rewritten
  ])("%j -> %j", (body, expected) => {
    expect(masqueradeHeaderValue(body, rule)).toBe(expected);
  });

  it("returns the body itself when nothing changes", () => {
    const body = " alice@example.com";
    expect(masqueradeHeaderValue(body, rule)).toBe(body);
  });
});

describe("rewriteAddressHeader", () => {
  it("offers each addr-spec and ignores answers for addresses without a domain", () => {
    const seen: unknown[] = [];
    const out = rewriteAddressHeader(' "A" <a@x.example>, b, "q r"@[1.2.3.4]', (spec) => {
      seen.push(spec);
      return { domain: "new.example" };
    });
    expect(seen).toEqual([
      { local: "a", domain: "x.example", literal: false },
      { local: "b", domain: null, literal: false },
      { local: '"q r"', domain: "[1.2.3.4]", literal: true },
    ]);
    expect(out).toBe(' "A" <a@new.example>, b, "q r"@new.example');
  });
});

function header(text: string) {
  const bytes = Buffer.from(text.replace(/\n/g, "\r\n"));
  const parsed = parseHeaderSection(bytes);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { bytes, header: parsed.header };
}

describe("masqueradeHeaderEdits", () => {
  it("rewrites sender fields only, by default", () => {
    const { bytes, header: h } = header(
      "Received: from host7.example.com\nFrom: Alice <alice@host7.example.com>\nTo: bob@host8.example.com\nsender: carol@h.example.com\nReply-To: r@h.example.com\n\nbody alice@host7.example.com\n",
    );
    const edits = masqueradeHeaderEdits(h, rule);
    expect(edits).toEqual([
      { kind: "replace", index: 1, value: "Alice <alice@example.com>" },
      { kind: "replace", index: 3, value: "carol@example.com" },
    ]);
    expect(applyHeaderEdits(bytes, h, edits).toString()).toBe(
      "Received: from host7.example.com\r\nFrom: Alice <alice@example.com>\r\nTo: bob@host8.example.com\r\nsender: carol@example.com\r\nReply-To: r@h.example.com\r\n\r\nbody alice@host7.example.com\r\n",
    );
  });

  it("rewrites the fields it is given", () => {
    const { header: h } = header("From: a@example.org\nReply-To: r@h.example.com\n\n");
    expect(masqueradeHeaderEdits(h, rule, ["Reply-To"])).toEqual([{ kind: "replace", index: 1, value: "r@example.com" }]);
    expect(masqueradeHeaderEdits(h, rule, [])).toEqual([]);
  });

  it("keeps every byte outside the rewritten domains (property)", () => {
    const word = fc.stringMatching(/^[a-z0-9]{1,6}$/);
    const domain = fc.oneof(
      fc.constantFrom("example.com", "example.org", "mail.example.com", "[192.0.2.7]"),
      word.map((w) => `${w}.example.com`),
      fc.tuple(word, word).map(([a, b]) => `${a}.${b}.example.com`),
    );
    const mailbox = fc
      .tuple(word, domain, fc.constantFrom("", "Name ", '"Q, R" ', "(c) "), fc.boolean())
      .map(([local, d, display, angle]) => (angle ? `${display}<${local}@${d}>` : `${local}@${d}${display.startsWith("(") ? " (x)" : ""}`));
    const fieldName = fc.constantFrom("From", "Sender", "To", "Subject", "X-Host", "Resent-From");
    const field = fc
      .tuple(fieldName, fc.array(mailbox, { minLength: 1, maxLength: 3 }), fc.constantFrom(", ", ",\r\n\t", " ,  "))
      .map(([name, boxes, sep]) => `${name}: ${boxes.join(sep)}\r\n`);
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 6 }), fc.constantFrom("", "body host.example.com\r\n"), (fields, body) => {
        const bytes = Buffer.from(`${fields.join("")}\r\n${body}`);
        const parsed = parseHeaderSection(bytes);
        if (!parsed.ok) throw new Error(parsed.reason);
        const h = parsed.header;
        const edits = masqueradeHeaderEdits(h, rule);
        const out = applyHeaderEdits(bytes, h, edits);
        const reparsed = parseHeaderSection(out);
        if (!reparsed.ok) throw new Error(reparsed.reason);
        const edited = new Set(edits.map((e) => (e.kind === "replace" ? e.index : -1)));
        expect(reparsed.header.fields).toHaveLength(h.fields.length);
        h.fields.forEach((f, i) => {
          const after = reparsed.header.fields[i]!;
          if (!edited.has(i)) {
            // untouched fields: the very same bytes
            expect(out.subarray(after.start, after.end).equals(bytes.subarray(f.start, f.end))).toBe(true);
          } else {
            // rewritten fields: the same text once each domain is replaced by its masquerade
            const expected = f.value.replace(/@([a-z0-9.]+)/g, (_m, d: string) => `@${masqueradeTarget(d, rule) ?? d}`);
            expect(after.value).toBe(expected);
            expect(listHeaderAddresses(after.value).every((a) => masqueradeTarget(a.split("@")[1]!, rule) === null)).toBe(true);
          }
        });
        expect(out.subarray(reparsed.header.headerEnd).equals(bytes.subarray(h.headerEnd))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("nested masquerade domains", () => {
  it("leave a masquerade domain itself alone, so masquerading twice changes nothing", () => {
    expect(masqueradeTarget("eu.example.com", rule)).toBeNull();
    expect(masqueradeTarget("a.eu.example.com", rule)).toBe("eu.example.com");
    const once = masqueradeHeaderValue("0@a.eu.example.com, 0@a.a.example.com", rule);
    expect(once).toBe("0@eu.example.com, 0@example.com");
    expect(masqueradeHeaderValue(once, rule)).toBe(once);
  });
});
