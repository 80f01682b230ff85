// Tests for a login's own address and address equality.
import { describe, expect, it } from "vitest";
import { parseEnvelopeAddress } from "../../formats/envelopeAddress.js";
import { ownAddressOfLogin, sameAddress } from "../../formats/ownAddress.js";

describe("ownAddressOfLogin", () => {
  it("uses a login containing @ as it is", () => {
    expect(ownAddressOfLogin("alice@Example.TEST", "other.test")).toBe("alice@Example.TEST");
    expect(ownAddressOfLogin("alice@example.test", undefined)).toBe("alice@example.test");
  });

  it("qualifies other logins with the lowercased first qualify domain", () => {
    expect(ownAddressOfLogin("alice", "Example.TEST")).toBe("alice@example.test");
    expect(ownAddressOfLogin("Alice", "example.test")).toBe("Alice@example.test");
  });

  it("leaves the login unqualified without a qualify domain", () => {
    expect(ownAddressOfLogin("alice", undefined)).toBe("alice");
  });

  it("quotes a login that is not a Dot-string", () => {
    expect(ownAddressOfLogin("john smith", "example.test")).toBe('"john smith"@example.test');
  });
});

describe("sameAddress", () => {
  it("compares domains case-insensitively", () => {
    expect(sameAddress("alice@example.test", "alice@EXAMPLE.Test")).toBe(true);
  });

  it("compares local parts exactly", () => {
    expect(sameAddress("alice@example.test", "Alice@example.test")).toBe(false);
    expect(sameAddress("alice@example.test", "bob@example.test")).toBe(false);
  });

  it("needs the same domain or both none", () => {
    expect(sameAddress("alice", "alice")).toBe(true);
    expect(sameAddress("alice", "alice@example.test")).toBe(false);
    expect(sameAddress("alice@a.test", "alice@b.test")).toBe(false);
  });

  it("treats IDN U-labels and A-labels as the same domain", () => {
    expect(sameAddress("joerg@Bücher.example", "joerg@xn--bcher-kva.example")).toBe(true);
  });

  it("normalizes to NFC", () => {
    const composed = "j\u00f6rg@b\u00fccher.example";
    const decomposed = "jo\u0308rg@bu\u0308cher.example";
    expect(sameAddress(composed, decomposed)).toBe(true);
  });

  it("compares quoted local parts by value", () => {
    expect(sameAddress('"alice"@example.test', "alice@example.test")).toBe(true);
    expect(sameAddress('"a\\"b"@example.test', '"a\\"b"@EXAMPLE.test')).toBe(true);
    expect(sameAddress('"a b"@example.test', "a b@example.test")).toBe(true);
  });

  it("accepts parsed addresses", () => {
    const parsed = parseEnvelopeAddress('"alice"@Bücher.example', { smtputf8: true });
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(sameAddress(parsed.address, "alice@xn--bcher-kva.example")).toBe(true);
    expect(sameAddress(parsed.address, "alice@bücher.EXAMPLE")).toBe(true);
    expect(sameAddress(parsed.address, parsed.address)).toBe(true);
  });

  it("compares address literals case-insensitively", () => {
    expect(sameAddress("a@[IPv6:2001:DB8::1]", "a@[ipv6:2001:db8::1]")).toBe(true);
  });
});
