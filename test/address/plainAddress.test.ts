// The fast path of envelope address parsing (parsePlainAddress) must answer exactly as the full
// RFC 5321 / RFC 6531 parser does, and leave every other address to it; isDotString and
// comparableDomain, rewritten for speed, must agree with their plain definitions.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDotString, parseEnvelopeAddress, parseEnvelopeAddressInFull, parsePlainAddress, toAsciiDomain } from "../../formats/envelopeAddress.js";
import { comparableDomain } from "../../formats/ownAddress.js";

const OPTIONS = [{ smtputf8: false }, { smtputf8: true }];

/** The fast path's answer, when it gives one, is the full parser's; the public parser is always the full parser's. */
function expectAgreement(text: string): void {
  const plain = parsePlainAddress(text);
  for (const options of OPTIONS) {
    const full = parseEnvelopeAddressInFull(text, options);
    expect(parseEnvelopeAddress(text, options), JSON.stringify(text)).toStrictEqual(full);
    if (plain) expect(full, JSON.stringify(text)).toStrictEqual({ ok: true, address: plain });
  }
}

const ATEXT = "abcxyzABCXYZ0189!#$%&'*+-/=?^_`{|}~";

describe("parsePlainAddress takes the common address", () => {
  it.each([
    "alice@example.test",
    "Alice.Smith@Example.TEST",
    "first.last+tag@sub.domain.example.test",
    "!#$%&'*+-/=?^_`{|}~@example.test",
    "x@a-b.example",
    "x@1.example",
    "x@localhost",
    "alice",
    "postmaster",
    `${"l".repeat(64)}@example.test`,
    `x@${"d".repeat(63)}.test`,
    `${"l".repeat(64)}@${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(61)}`,
  ])("%s", (text) => {
    expect(parsePlainAddress(text)).not.toBeNull();
    expectAgreement(text);
  });
});

describe("parsePlainAddress leaves everything else to the full parser", () => {
  it.each([
    ["", "empty"],
    ["@", "only @"],
    ["@example.test", "empty local part"],
    ["alice@", "empty domain"],
    ["alice@.", "only a dot"],
    [".alice@example.test", "leading dot"],
    ["alice.@example.test", "trailing dot in local part"],
    ["al..ice@example.test", "double dot"],
    ["alice@example.test.", "trailing dot in domain"],
    ["alice@example..test", "empty label"],
    ["alice@.example.test", "leading dot in domain"],
    ["alice@-example.test", "label starts with hyphen"],
    ["alice@example-.test", "label ends with hyphen"],
    ["alice@exa_mple.test", "underscore in domain"],
    ["a@b@example.test", "two @"],
    ["al ice@example.test", "space"],
    ["a,b@example.test", "comma"],
    ["<alice@example.test>", "angle brackets"],
    ['"john smith"@example.test', "quoted local part"],
    ['"a\\"b"@example.test', "quoted pair"],
    ['""@example.test', "empty quoted string"],
    ['"a@b"@example.test', "@ inside quotes"],
    ['"a b"', "quoted, unqualified"],
    ['"abc@example.test', "unterminated quote"],
    ["a@[192.0.2.1]", "IPv4 literal"],
    ["a@[IPv6:2001:db8::1]", "IPv6 literal"],
    ["a@[256.0.0.1]", "bad literal"],
    ["@relay.example:user@d.example", "source route"],
    ["@a.example,@b.example:user@d.example", "source route, two hops"],
    ["@a.example:", "source route without mailbox"],
    ["jörg@example.test", "UTF-8 local part"],
    ["joerg@bücher.example", "U-label"],
    ["用户@例子.测试", "all UTF-8"],
    ["joerg@xn--bcher-kva.example", "A-label"],
    ["joerg@XN--BCHER-KVA.example", "A-label, upper case"],
    ["alice@xn--zz.test", "invalid A-label"],
    ["alice@ab--cd.test", "hyphens third and fourth"],
    ["a\u0001b@example.test", "control character"],
    ["\uD800@example.test", "lone surrogate"],
    [`${"l".repeat(65)}@example.test`, "local part over 64 octets"],
    [`x@${"d".repeat(64)}.test`, "label over 63 octets"],
    [`${"l".repeat(64)}@${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(62)}`, "path over 256 octets"],
    ["x".repeat(255), "unqualified, over every limit"],
  ])("%j (%s)", (text) => {
    expect(parsePlainAddress(text)).toBeNull();
    expectAgreement(text);
  });
});

/** Text near the shape of an address: every character that matters to either parser, often. */
const addressLike = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...ATEXT, "x", "n", "-") },
      { weight: 3, arbitrary: fc.constantFrom(".", "@") },
      { weight: 1, arbitrary: fc.constantFrom('"', "\\", "[", "]", ":", ",", " ", "\t", "\u0000", "\u007f", "ü", "用", "\uD83D\uDE00", "\uD800", "。", "Ｘ") },
    ),
    { maxLength: 80 },
  )
  .map((chars) => chars.join(""));

/** Well-formed dot-atom addresses with parts of any length around the limits, with and without a domain. */
const atom = fc.string({ unit: fc.constantFrom(...ATEXT), minLength: 1, maxLength: 40 });
const label = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/),
  fc.integer({ min: 60, max: 66 }).map((length) => "d".repeat(length)),
  fc.constantFrom("xn--bcher-kva", "xn--zz", "ab--cd", "-a", "a-", "bücher"),
);
const plainShaped = fc
  .tuple(fc.array(atom, { minLength: 1, maxLength: 4 }), fc.option(fc.array(label, { minLength: 1, maxLength: 6 }), { nil: undefined }))
  .map(([atoms, labels]) => (labels === undefined ? atoms.join(".") : `${atoms.join(".")}@${labels.join(".")}`));

describe("parsePlainAddress agrees with the full parser (property)", () => {
  it("on address-like text", () => {
    fc.assert(
      fc.property(addressLike, (text) => expectAgreement(text)),
      { numRuns: 5000 },
    );
  });

  it("on well-formed dot-atom addresses of every length", () => {
    fc.assert(
      fc.property(plainShaped, (text) => expectAgreement(text)),
      { numRuns: 5000 },
    );
  });

  it("takes every ASCII address the full parser accepts unchanged, except literals, routes and reserved labels", () => {
    fc.assert(
      fc.property(plainShaped, (text) => {
        const full = parseEnvelopeAddressInFull(text, { smtputf8: false });
        const reserved = /(^|[@.])..--/.test(text);
        if (full.ok && !reserved) expect(parsePlainAddress(text), text).not.toBeNull();
      }),
      { numRuns: 3000 },
    );
  });
});

/** isDotString by its definition: RFC 5321 Dot-string, atoms of atext or (under SMTPUTF8) non-ASCII code points. */
function dotStringByDefinition(text: string, smtputf8: boolean): boolean {
  if (text === "") return false;
  return text.split(".").every((atom) => atom !== "" && [...atom].every((c) => /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]$/.test(c) || (smtputf8 && c.codePointAt(0)! > 0x7f)));
}

describe("isDotString", () => {
  it("agrees with its definition", () => {
    fc.assert(
      fc.property(addressLike, fc.boolean(), (text, smtputf8) => {
        expect(isDotString(text, smtputf8)).toBe(dotStringByDefinition(text, smtputf8));
      }),
      { numRuns: 5000 },
    );
  });
});

describe("comparableDomain", () => {
  it("agrees with its definition: NFC, A-labels, lower case", () => {
    const domain = fc.oneof(addressLike, fc.constantFrom("Example.TEST", "Bücher.Example", "xn--bcher-kva.example", "[IPv6:ABCD::1]", "e\u0301xample.test"));
    fc.assert(
      fc.property(domain, (text) => {
        const normalized = text.normalize("NFC");
        expect(comparableDomain(text)).toBe((toAsciiDomain(normalized) ?? normalized).toLowerCase());
      }),
      { numRuns: 3000 },
    );
  });
});
