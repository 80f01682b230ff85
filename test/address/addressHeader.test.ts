// Tests for finding and qualifying addr-specs in RFC 5322 address-list field bodies.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listHeaderAddresses, malformedMailboxes, qualifyAddressHeader } from "../../runtime/address/addressHeader.js";

const D = "example.test";

describe("listHeaderAddresses", () => {
  it.each([
    [" alice@example.test", ["alice@example.test"]],
    ["alice@example.test, bob@example.test", ["alice@example.test", "bob@example.test"]],
    [' "Alice Smith" <alice@example.test>', ["alice@example.test"]],
    [" Alice Smith <alice@example.test>", ["alice@example.test"]],
    [" John Q. Public <jqp@example.test>", ["jqp@example.test"]],
    [' "Smith, John" <john@example.test>, bob', ["john@example.test", "bob"]],
    [" alice (Alice Smith) ", ["alice"]],
    [" alice@example.test (comment (nested) \\) still)", ["alice@example.test"]],
    [" (leading) alice (mid) @ (x) example . test (trailing)", ["alice@example.test"]],
    [" Team: a@b.example, c;", ["a@b.example", "c"]],
    [" Team: a@b.example, c; , d@e.example", ["a@b.example", "c", "d@e.example"]],
    [" Undisclosed recipients:;", []],
    [" <alice>", ["alice"]],
    [" <@route.example,@other.example:alice@example.test>", ["alice@example.test"]],
    [' "john smith"@example.test', ['"john smith"@example.test']],
    [' "a\\"b" <x@y.example>', ["x@y.example"]],
    [" a@[192.0.2.1]", ["a@[192.0.2.1]"]],
    [" alice,\r\n bob,\r\n\tcarol@example.test", ["alice", "bob", "carol@example.test"]],
    [" Alice\r\n <alice@example.test>", ["alice@example.test"]],
    [' "folded\r\n name"@example.test', ['"folded name"@example.test']],
    [" , , alice, ,", ["alice"]],
    [" =?UTF-8?Q?J=C3=B6rg?= <joerg@example.test>", ["joerg@example.test"]],
    [" Jörg <jörg@bücher.example>", ["jörg@bücher.example"]],
    ["", []],
    ["   ", []],
  ])("%j", (body, expected) => {
    expect(listHeaderAddresses(body)).toEqual(expected);
  });

  it("reports nothing for a display name without an address", () => {
    expect(listHeaderAddresses(" Alice Smith")).toEqual([]);
    expect(listHeaderAddresses(' "Alice Smith" bob')).toEqual([]);
  });

  it("reports nothing for ambiguous mailboxes", () => {
    expect(listHeaderAddresses(" <a@b.example> <c@d.example>")).toEqual([]);
    expect(listHeaderAddresses(" Alice <alice@example.test")).toEqual([]);
    expect(listHeaderAddresses(" alice@example.test>")).toEqual([]);
    expect(listHeaderAddresses(' "unterminated')).toEqual([]);
    expect(listHeaderAddresses(" a@b@c")).toEqual([]);
    expect(listHeaderAddresses(" a@host..example")).toEqual([]);
    expect(listHeaderAddresses(" a@host.")).toEqual([]);
    expect(listHeaderAddresses(" a@")).toEqual([]);
  });

  it("reports nothing for a mailbox a reader may read as another address (issue 13)", () => {
    // python's email parser reads carol@example.test in the first, and carol's mailbox in the second
    expect(listHeaderAddresses(" carol@example.test <alice@example.test>")).toEqual([]);
    expect(listHeaderAddresses(" <alice@example.test>carol@example.test")).toEqual([]);
    expect(listHeaderAddresses(" [carol@example.test] <alice@example.test>")).toEqual([]);
  });

  it("an unclosed comment hides the rest", () => {
    expect(listHeaderAddresses(" alice, (bob, carol")).toEqual(["alice"]);
  });
});

describe("malformedMailboxes", () => {
  it.each([
    [" carol@example.test <alice@example.test>", ["carol@example.test <alice@example.test>"]],
    [" Alice <alice@example.test>, <a@b.example> <c@d.example>", ["<a@b.example> <c@d.example>"]],
    [" alice@example.test carol@example.test", ["alice@example.test carol@example.test"]],
    [" alice@example.test <carol@example.test", ["alice@example.test <carol@example.test"]],
    [" Team: carol@example.test <alice@example.test>;", ["carol@example.test <alice@example.test>"]],
  ])("%j", (body, expected) => {
    expect(malformedMailboxes(body)).toEqual(expected);
  });
  it.each([" Alice <alice@example.test>", ' "carol@example.test" <alice@example.test>', " Dr. Alice (x) <alice@example.test>", " Undisclosed recipients:;", " , alice, ,", ""])(
    "none in %j",
    (body) => {
      expect(malformedMailboxes(body)).toEqual([]);
    },
  );
});

describe("qualifyAddressHeader", () => {
  it.each([
    [" alice", ` alice@${D}`],
    [" alice, bob", ` alice@${D}, bob@${D}`],
    [" bob@host", ` bob@host.${D}`],
    [" Alice <alice>", ` Alice <alice@${D}>`],
    [' "Alice Smith" <alice>', ` "Alice Smith" <alice@${D}>`],
    [" alice (Alice Smith)", ` alice@${D} (Alice Smith)`],
    [" alice(Alice)", ` alice@${D}(Alice)`],
    [" bob@host (Bob)", ` bob@host.${D} (Bob)`],
    [" Team: alice, bob@host, carol@x.example;", ` Team: alice@${D}, bob@host.${D}, carol@x.example;`],
    [" Team: alice;, dave", ` Team: alice@${D};, dave@${D}`],
    [' "john smith"', ` "john smith"@${D}`],
    [" <@relay.example:alice>", ` <@relay.example:alice@${D}>`],
    [" alice,\r\n bob", ` alice@${D},\r\n bob@${D}`],
    [" Alice\r\n\t<alice>", ` Alice\r\n\t<alice@${D}>`],
    [" alice . smith", ` alice . smith@${D}`],
    [" bob @ host", ` bob @ host.${D}`],
    [" bob@HOST", ` bob@HOST.${D}`],
    [' "Smith, John" <john>, "Doe: Jane" <jane@host>', ` "Smith, John" <john@${D}>, "Doe: Jane" <jane@host.${D}>`],
    [" Jörg <jörg>", ` Jörg <jörg@${D}>`],
  ])("%j", (body, expected) => {
    expect(qualifyAddressHeader(body, D)).toBe(expected);
  });

  it("never touches a bare display name", () => {
    expect(qualifyAddressHeader(" Alice <alice@example.test>", D)).toBe(" Alice <alice@example.test>");
    expect(qualifyAddressHeader(" Alice Smith", D)).toBe(" Alice Smith");
  });

  it.each([
    " alice@example.test",
    ' "Alice" <alice@example.test>, bob@x.example (Bob)',
    " Undisclosed recipients:;",
    " undisclosed-recipients:;",
    " :;",
    " a@[192.0.2.1], b@[IPv6:::1]",
    " <a@b.example> <c>",
    " Alice <alice",
    " (alice)",
    "",
    "\r\n ",
  ])("returns the very same string when nothing needs qualifying: %j", (body) => {
    expect(qualifyAddressHeader(body, D)).toBe(body);
  });

  it("keeps every other byte of a complex header", () => {
    const body =
      ' "Doe, Jane" (work) <jane>,\r\n\t=?utf-8?q?J=C3=B6rg?= <joerg@host> (home),\r\n' + " Team (the team): alice , (x) bob@z.example;,\r\n <@r.example,@s.example:carol>  ";
    const expected =
      ` "Doe, Jane" (work) <jane@${D}>,\r\n\t=?utf-8?q?J=C3=B6rg?= <joerg@host.${D}> (home),\r\n` +
      ` Team (the team): alice@${D} , (x) bob@z.example;,\r\n <@r.example,@s.example:carol@${D}>  `;
    expect(qualifyAddressHeader(body, D)).toBe(expected);
  });

  it("works on strings holding one character per byte", () => {
    const latin1 = Buffer.from(" Jörg <joerg>, jörg", "utf8").toString("latin1");
    const qualified = qualifyAddressHeader(latin1, D);
    expect(Buffer.from(qualified, "latin1").toString("utf8")).toBe(` Jörg <joerg@${D}>, jörg@${D}`);
  });

  it("qualified output lists only qualified addresses", () => {
    const body = " a, b@host, Team: c, <d>;, e (x)";
    const after = listHeaderAddresses(qualifyAddressHeader(body, D));
    expect(after).toEqual([`a@${D}`, `b@host.${D}`, `c@${D}`, `d@${D}`, `e@${D}`]);
  });

  it("is idempotent", () => {
    const body = " a, b@host, Team: c, <d>;, e (x)";
    const once = qualifyAddressHeader(body, D);
    expect(qualifyAddressHeader(once, D)).toBe(once);
  });

  it("only ever inserts text (property)", () => {
    // Headers built from pieces that exercise every construct; "Z" never occurs in them,
    // so removing the inserted "@Z.Z" / ".Z.Z" must give the input back.
    const piece = fc.constantFrom(
      "alice",
      "bob",
      "host",
      "x.example",
      "@",
      ".",
      ",",
      ":",
      ";",
      "<",
      ">",
      " ",
      "\r\n ",
      "\t",
      '"q s"',
      '"a\\"b"',
      "(c)",
      "(n (e) d)",
      "[1.2.3.4]",
      "ö",
      "\\",
      ")",
      "(",
      '"',
      "[",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const body = pieces.join("");
        const qualified = qualifyAddressHeader(body, "Z.Z");
        expect(qualified.replace(/[@.]Z\.Z/g, "")).toBe(body);
        expect(qualifyAddressHeader(qualified, "Z.Z")).toBe(qualified);
        for (const address of listHeaderAddresses(qualified)) {
          expect(address).toMatch(/@(?:[^@]*\.[^@]*|\[.*\])$/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
