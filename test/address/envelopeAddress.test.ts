// Tests for parsing and formatting SMTP envelope addresses (RFC 5321 section 4.1.2, RFC 6531).
import { describe, expect, it } from "vitest";
import {
  type EnvelopeAddress,
  formatEnvelopeAddress,
  formatLocalPart,
  isDotString,
  isQualified,
  joinAddress,
  parseEnvelopeAddress,
  parseReversePath,
  splitAddress,
  toAsciiDomain,
} from "../../formats/envelopeAddress.js";

const ascii = { smtputf8: false };
const utf8 = { smtputf8: true };

function parsed(text: string, options = ascii): EnvelopeAddress {
  const result = parseEnvelopeAddress(text, options);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${result.reason}`);
  return result.address;
}

function rejected(text: string, options = ascii): string {
  const result = parseEnvelopeAddress(text, options);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
  return result.reason;
}

describe("parseEnvelopeAddress: valid addresses", () => {
  it("parses a plain address", () => {
    expect(parsed("alice@example.test")).toEqual({
      localPart: "alice",
      domain: "example.test",
      domainAsWritten: "example.test",
      literal: false,
    });
  });

  it.each([
    "a@b.c",
    "first.last@example.test",
    "user+tag@example.test",
    "!#$%&'*+-/=?^_`{|}~@example.test",
    "x@sub.domain.example.test",
    "x@a-b.example",
    "x@1.example",
    "x@123.456.example",
    "x@EXAMPLE.TEST",
    "x@localhost",
  ])("accepts %s", (text) => {
    expect(parseEnvelopeAddress(text, ascii).ok).toBe(true);
  });

  it("keeps the case of ASCII domains as written", () => {
    expect(parsed("Alice@Example.TEST").domain).toBe("Example.TEST");
    expect(parsed("Alice@Example.TEST").localPart).toBe("Alice");
  });

  it("accepts an unqualified address with domain null", () => {
    expect(parsed("alice")).toEqual({ localPart: "alice", domain: null, domainAsWritten: null, literal: false });
    expect(parsed("Postmaster").domain).toBeNull();
  });

  it("accepts a single-label domain (unqualified but syntactically valid)", () => {
    const address = parsed("bob@mailhost");
    expect(address.domain).toBe("mailhost");
    expect(isQualified(address)).toBe(false);
  });

  it("ignores a source route (RFC 5321 appendix C)", () => {
    expect(parsed("@relay.example:user@d.example")).toEqual(parsed("user@d.example"));
    expect(parsed("@a.example,@b.example:user@d.example").localPart).toBe("user");
  });

  it("rejects malformed source routes", () => {
    rejected("@a.example");
    rejected("@a.example:");
    rejected("@a..example:user@d.example");
    rejected("@a.example,b.example:user@d.example");
    rejected("@-a.example:user@d.example");
  });
});

describe("parseEnvelopeAddress: quoted local parts", () => {
  it("unquotes the local part value", () => {
    expect(parsed('"john smith"@example.test').localPart).toBe("john smith");
    expect(parsed('"a\\"b"@example.test').localPart).toBe('a"b');
    expect(parsed('"a\\\\b"@example.test').localPart).toBe("a\\b");
    expect(parsed('"a@b"@example.test').localPart).toBe("a@b");
    expect(parsed('"a@b"@example.test').domain).toBe("example.test");
    expect(parsed('"x.."@example.test').localPart).toBe("x..");
  });

  it("accepts the empty quoted string allowed by the grammar", () => {
    expect(parsed('""@example.test').localPart).toBe("");
  });

  it("accepts a quoted local part without domain", () => {
    expect(parsed('"a b"')).toMatchObject({ localPart: "a b", domain: null });
  });

  it("rejects broken quoting", () => {
    rejected('"abc@example.test');
    rejected('"abc"def@example.test');
    rejected('"a"."b"@example.test');
    rejected('"a\\');
    rejected('"a\tb"@example.test');
    rejected('"a\\\tb"@example.test');
    rejected('"a\u0001b"@example.test');
  });
});

describe("parseEnvelopeAddress: invalid addresses", () => {
  it.each([
    ["", "empty"],
    ["@example.test", "empty local part"],
    ["alice@", "empty domain"],
    [".alice@example.test", "leading dot"],
    ["alice.@example.test", "trailing dot"],
    ["al..ice@example.test", "double dot"],
    ["al ice@example.test", "space"],
    ["al(ice@example.test", "special"],
    ["a,b@example.test", "comma"],
    ["a@b@example.test", "two @"],
    ["alice@example..test", "empty label"],
    ["alice@.example.test", "leading dot in domain"],
    ["alice@example.test.", "trailing dot in domain"],
    ["alice@-example.test", "label starts with hyphen"],
    ["alice@example-.test", "label ends with hyphen"],
    ["alice@exa_mple.test", "underscore"],
    ["alice@exa mple.test", "space in domain"],
    ["alice@xn--zz.test", "invalid A-label"],
    ["<alice@example.test>", "brackets included"],
  ])("rejects %j (%s)", (text) => {
    expect(parseEnvelopeAddress(text, utf8).ok).toBe(false);
  });
});

describe("parseEnvelopeAddress: address literals", () => {
  it("accepts IPv4 literals", () => {
    expect(parsed("a@[192.0.2.1]")).toEqual({
      localPart: "a",
      domain: "[192.0.2.1]",
      domainAsWritten: "[192.0.2.1]",
      literal: true,
    });
    expect(parsed("a@[255.255.255.255]").literal).toBe(true);
    // Snum = 1*3DIGIT: leading zeros are in the grammar.
    expect(parsed("a@[001.002.003.004]").literal).toBe(true);
  });

  it("accepts IPv6 literals", () => {
    expect(parsed("a@[IPv6:2001:db8::1]").domain).toBe("[IPv6:2001:db8::1]");
    expect(parsed("a@[ipv6:::1]").literal).toBe(true);
    expect(parsed("a@[IPv6:1:2:3:4:5:6:7:8]").literal).toBe(true);
    expect(parsed("a@[IPv6:::ffff:192.0.2.1]").literal).toBe(true);
  });

  it.each([
    "a@[256.0.0.1]",
    "a@[1.2.3]",
    "a@[1.2.3.4.5]",
    "a@[1234.2.3.4]",
    "a@[2001:db8::1]",
    "a@[IPv6:2001:db8::g]",
    "a@[IPv6:1.2.3.4]",
    "a@[IPv6:fe80::1%eth0]",
    "a@[x-tag:something]",
    "a@[192.0.2.1",
    "a@[]",
    "a@[192.0.2.1]x",
  ])("rejects %s", (text) => {
    expect(parseEnvelopeAddress(text, utf8).ok).toBe(false);
  });

  it("counts literals as qualified", () => {
    expect(isQualified(parsed("a@[192.0.2.1]"))).toBe(true);
  });
});

describe("parseEnvelopeAddress: SMTPUTF8 and IDN", () => {
  it("rejects non-ASCII without SMTPUTF8", () => {
    expect(rejected("jörg@example.test")).toMatch(/SMTPUTF8/);
    expect(rejected("joerg@bücher.example")).toMatch(/SMTPUTF8/);
    expect(rejected('"jörg"@example.test')).toMatch(/SMTPUTF8/);
  });

  it("accepts non-ASCII local parts with SMTPUTF8", () => {
    expect(parsed("jörg@example.test", utf8).localPart).toBe("jörg");
    expect(parsed("用户@example.test", utf8).localPart).toBe("用户");
    expect(parsed('"jö rg"@example.test', utf8).localPart).toBe("jö rg");
  });

  it("converts U-label domains to A-labels and keeps the original", () => {
    const address = parsed("joerg@Bücher.example", utf8);
    expect(address.domain).toBe("xn--bcher-kva.example");
    expect(address.domainAsWritten).toBe("Bücher.example");
    expect(formatEnvelopeAddress(address)).toBe("joerg@xn--bcher-kva.example");
    expect(formatEnvelopeAddress(address, { unicode: true })).toBe("joerg@Bücher.example");
    expect(parsed("u@例え.テスト", utf8).domain).toBe("xn--r8jz45g.xn--zckzah");
  });

  it("accepts A-labels with or without SMTPUTF8", () => {
    expect(parsed("joerg@xn--bcher-kva.example").domain).toBe("xn--bcher-kva.example");
    expect(parsed("joerg@xn--bcher-kva.example", utf8).domain).toBe("xn--bcher-kva.example");
  });

  it("rejects non-ASCII that is not a valid U-label", () => {
    // Only "." separates labels; an ideographic full stop is not a dot here.
    rejected("a@a\u3002example", utf8);
    // A fullwidth label maps to ASCII under UTS 46, so it is not a U-label.
    rejected("a@ｅｘａｍｐｌｅ.test", utf8);
    rejected("a@b\u00a0c.test", utf8);
  });

  it("rejects lone surrogates", () => {
    rejected("a\ud800@example.test", utf8);
  });

  it("rejects non-ASCII in address literals", () => {
    rejected("a@[IPv6:２001:db8::1]", utf8);
  });
});

describe("parseEnvelopeAddress: length limits (RFC 5321 section 4.5.3.1)", () => {
  it("allows a 64-octet local part and rejects 65", () => {
    expect(parsed(`${"a".repeat(64)}@example.test`).localPart).toHaveLength(64);
    expect(rejected(`${"a".repeat(65)}@example.test`)).toMatch(/local part/);
  });

  it("counts local part octets in UTF-8", () => {
    // "ö" is two octets: 32 of them make 64 octets, 33 make 66.
    expect(parseEnvelopeAddress(`${"ö".repeat(32)}@example.test`, utf8).ok).toBe(true);
    expect(parseEnvelopeAddress(`${"ö".repeat(33)}@example.test`, utf8).ok).toBe(false);
  });

  it("counts the quotes of a quoted local part", () => {
    expect(parseEnvelopeAddress(`"${"a".repeat(62)}"@example.test`, ascii).ok).toBe(true);
    expect(parseEnvelopeAddress(`"${"a".repeat(63)}"@example.test`, ascii).ok).toBe(false);
  });

  it("allows 63-octet labels and rejects 64", () => {
    expect(parseEnvelopeAddress(`a@${"b".repeat(63)}.test`, ascii).ok).toBe(true);
    expect(rejected(`a@${"b".repeat(64)}.test`)).toMatch(/label/);
  });

  it("checks the label length of the A-label form", () => {
    // 60 "ä" make a punycode label far longer than 63 octets.
    expect(parseEnvelopeAddress(`a@${"ä".repeat(60)}.test`, utf8).ok).toBe(false);
  });

  it("limits the path to 256 octets including the angle brackets", () => {
    // A domain of exactly `length` octets made of labels of at most 60.
    const domainOf = (length: number): string => {
      const labels: string[] = [];
      let remaining = length;
      while (remaining > 0) {
        const size = Math.min(60, remaining);
        labels.push("b".repeat(size));
        remaining -= size + 1;
      }
      return labels.join(".");
    };
    // local (1) + "@" (1) + domain + brackets (2) = 256 -> domain of 252 octets.
    const fits = `a@${domainOf(252)}`;
    expect(fits.length + 2).toBe(256);
    expect(parseEnvelopeAddress(fits, ascii).ok).toBe(true);
    const tooLong = `ab@${domainOf(252)}`;
    expect(tooLong.length + 2).toBeGreaterThan(256);
    expect(rejected(tooLong)).toMatch(/path/);
  });

  it("counts a source route toward the path length", () => {
    const route = `@${"r".repeat(60)}.example:`;
    const mailbox = `a@${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.test`;
    expect(parseEnvelopeAddress(mailbox, ascii).ok).toBe(true);
    expect(parseEnvelopeAddress(route + mailbox, ascii).ok).toBe(false);
  });
});

describe("parseReversePath", () => {
  it("accepts the null path as null", () => {
    expect(parseReversePath("", ascii)).toEqual({ ok: true, address: null });
  });

  it("parses other paths like parseEnvelopeAddress", () => {
    expect(parseReversePath("alice@example.test", ascii)).toEqual(parseEnvelopeAddress("alice@example.test", ascii));
    expect(parseReversePath("alice@", ascii).ok).toBe(false);
  });

  it("the null path is not a valid forward path", () => {
    expect(parseEnvelopeAddress("", ascii).ok).toBe(false);
  });
});

describe("formatEnvelopeAddress", () => {
  it("round-trips plain addresses", () => {
    for (const text of ["alice@example.test", "a.b+c@x.example", "a@[192.0.2.1]", "a@[IPv6:::1]", "alice"]) {
      expect(formatEnvelopeAddress(parsed(text))).toBe(text);
    }
  });

  it("quotes the local part only when it is not a Dot-string", () => {
    expect(formatEnvelopeAddress(parsed('"alice"@example.test'))).toBe("alice@example.test");
    expect(formatEnvelopeAddress(parsed('"john smith"@example.test'))).toBe('"john smith"@example.test');
    expect(formatEnvelopeAddress(parsed('"a\\"b\\\\c"@example.test'))).toBe('"a\\"b\\\\c"@example.test');
    expect(formatEnvelopeAddress(parsed('""@example.test'))).toBe('""@example.test');
    expect(formatEnvelopeAddress(parsed('"a..b"@example.test'))).toBe('"a..b"@example.test');
  });

  it("formatted addresses parse back to the same value", () => {
    for (const text of ['"a b"@x.example', '"a\\"b"@x.example', '"@"@x.example', '".a"@x.example']) {
      const address = parsed(text);
      expect(parsed(formatEnvelopeAddress(address))).toEqual(address);
    }
  });
});

describe("local part helpers", () => {
  it("isDotString", () => {
    expect(isDotString("a.b")).toBe(true);
    expect(isDotString("jörg")).toBe(true);
    expect(isDotString("jörg", false)).toBe(false);
    expect(isDotString("")).toBe(false);
    expect(isDotString("a..b")).toBe(false);
    expect(isDotString("a b")).toBe(false);
  });

  it("formatLocalPart", () => {
    expect(formatLocalPart("alice")).toBe("alice");
    expect(formatLocalPart("a b")).toBe('"a b"');
    expect(formatLocalPart('a"b')).toBe('"a\\"b"');
  });

  it("toAsciiDomain", () => {
    expect(toAsciiDomain("Example.Test")).toBe("Example.Test");
    expect(toAsciiDomain("bücher.example")).toBe("xn--bcher-kva.example");
    expect(toAsciiDomain("[192.0.2.1]")).toBe("[192.0.2.1]");
  });
});

describe("isQualified", () => {
  it.each([
    ["alice", false],
    ["alice@mailhost", false],
    ["alice@example.test", true],
    ["alice@[192.0.2.1]", true],
    ["alice@[IPv6:::1]", true],
  ])("%s -> %s", (text, expected) => {
    expect(isQualified(parsed(text))).toBe(expected);
  });

  it("works on split (unparsed) addresses too", () => {
    expect(isQualified(splitAddress("a b@example.test"))).toBe(true);
    expect(isQualified(splitAddress("a b"))).toBe(false);
  });
});

describe("splitAddress (tolerant mode)", () => {
  it("splits at the last @", () => {
    expect(splitAddress("alice@example.test")).toEqual({ localPart: "alice", domain: "example.test", literal: false });
    expect(splitAddress("a@b@c")).toEqual({ localPart: "a@b", domain: "c", literal: false });
    expect(splitAddress("alice")).toEqual({ localPart: "alice", domain: null, literal: false });
    expect(splitAddress("alice@")).toEqual({ localPart: "alice", domain: "", literal: false });
    expect(splitAddress("a@[1.2.3.4]")).toEqual({ localPart: "a", domain: "[1.2.3.4]", literal: true });
  });

  it("keeps malformed parts as written", () => {
    expect(splitAddress("user.@example.test")).toEqual({ localPart: "user.", domain: "example.test", literal: false });
    expect(splitAddress("a b..c@ex_ample")).toEqual({ localPart: "a b..c", domain: "ex_ample", literal: false });
  });

  it("ignores an @ inside a quoted local part", () => {
    expect(splitAddress('"a@b"')).toEqual({ localPart: '"a@b"', domain: null, literal: false });
    expect(splitAddress('"a@b"@host')).toEqual({ localPart: '"a@b"', domain: "host", literal: false });
    expect(splitAddress('"a\\"@b"@host').localPart).toBe('"a\\"@b"');
  });

  it("falls back to the last @ with an unbalanced quote", () => {
    expect(splitAddress('"a@b')).toEqual({ localPart: '"a', domain: "b", literal: false });
  });

  it("joinAddress is the inverse", () => {
    for (const text of ["a@b", "a", "a@", '"x@y"@z', "@@", "x@[1.2.3.4]"]) {
      expect(joinAddress(splitAddress(text))).toBe(text);
    }
  });
});
