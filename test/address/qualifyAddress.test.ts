// Tests for completing unqualified envelope addresses under `qualify domains`.
import { describe, expect, it } from "vitest";
import { formatEnvelopeAddress, parseEnvelopeAddress, type EnvelopeAddress } from "../../formats/envelopeAddress.js";
import { qualifyAddress, qualifyAddressText } from "../../runtime/address/qualifyAddress.js";

function parsed(text: string): EnvelopeAddress {
  const result = parseEnvelopeAddress(text, { smtputf8: true });
  if (!result.ok) throw new Error(result.reason);
  return result.address;
}

describe("qualifyAddress", () => {
  it("adds @D to an address without domain", () => {
    const address = qualifyAddress(parsed("alice"), "example.test");
    expect(address).toEqual({
      localPart: "alice",
      domain: "example.test",
      domainAsWritten: "example.test",
      literal: false,
    });
    expect(formatEnvelopeAddress(address)).toBe("alice@example.test");
  });

  it("adds .D to a single-label domain", () => {
    expect(formatEnvelopeAddress(qualifyAddress(parsed("bob@mailhost"), "example.test"))).toBe("bob@mailhost.example.test");
  });

  it("leaves qualified addresses and literals unchanged", () => {
    for (const text of ["a@b.example", "a@[192.0.2.1]", "a@[IPv6:::1]"]) {
      const address = parsed(text);
      expect(qualifyAddress(address, "example.test")).toBe(address);
    }
  });

  it("keeps a quoted local part's value", () => {
    expect(formatEnvelopeAddress(qualifyAddress(parsed('"john smith"'), "example.test"))).toBe('"john smith"@example.test');
  });

  it("handles IDN qualify domains in both forms", () => {
    const address = qualifyAddress(parsed("joerg"), "bücher.example");
    expect(address.domain).toBe("xn--bcher-kva.example");
    expect(address.domainAsWritten).toBe("bücher.example");
    const host = qualifyAddress(parsed("joerg@Häuser"), "bücher.example");
    expect(host.domain).toBe("xn--huser-gra.xn--bcher-kva.example");
    expect(formatEnvelopeAddress(host, { unicode: true })).toBe("joerg@Häuser.bücher.example");
  });
});

describe("qualifyAddressText", () => {
  it.each([
    ["alice", "alice@example.test"],
    ["bob@mailhost", "bob@mailhost.example.test"],
    ["bob@host.example", "bob@host.example"],
    ["a@[192.0.2.1]", "a@[192.0.2.1]"],
    ['"a@b"', '"a@b"@example.test'],
    ['"a@b"@host', '"a@b"@host.example.test'],
    ["user.@mailhost", "user.@mailhost.example.test"],
    ["alice@", "alice@example.test"],
    ["Postmaster", "Postmaster@example.test"],
  ])("%s -> %s", (text, expected) => {
    expect(qualifyAddressText(text, "example.test")).toBe(expected);
  });

  it("leaves the null path empty", () => {
    expect(qualifyAddressText("", "example.test")).toBe("");
  });
});
