// Tests for recognizing the postmaster recipient (RFC 5321 section 4.5.1).
import { describe, expect, it } from "vitest";
import { parseEnvelopeAddress } from "../../formats/envelopeAddress.js";
import { isPostmaster } from "../../runtime/address/postmaster.js";

const domains = new Set(["msa.example.test", "example.test", "bücher.example"]);

describe("isPostmaster", () => {
  it.each([
    "postmaster",
    "Postmaster",
    "POSTMASTER",
    "postmaster@example.test",
    "PostMaster@EXAMPLE.test",
    "postmaster@msa.example.test",
    '"postmaster"@example.test',
    "postmaster@xn--bcher-kva.example",
    "postmaster@BÜCHER.example",
  ])("accepts %s", (text) => {
    expect(isPostmaster(text, domains)).toBe(true);
  });

  it.each([
    "postmaster@other.test",
    "postmaster@example.test.evil",
    "postmaster@mailhost",
    "postmistress@example.test",
    "post.master@example.test",
    "postmaster+x@example.test",
    "alice",
    "",
  ])("rejects %s", (text) => {
    expect(isPostmaster(text, domains)).toBe(false);
  });

  it("accepts parsed addresses", () => {
    const parsed = parseEnvelopeAddress("PostMaster@Bücher.Example", { smtputf8: true });
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(isPostmaster(parsed.address, domains)).toBe(true);
    const bare = parseEnvelopeAddress("postmaster", { smtputf8: false });
    if (!bare.ok) throw new Error(bare.reason);
    expect(isPostmaster(bare.address, new Set())).toBe(true);
  });

  it("matches set entries given in any case", () => {
    expect(isPostmaster("postmaster@example.test", new Set(["Example.TEST"]))).toBe(true);
  });

  it("with an empty set only the domainless form is accepted", () => {
    expect(isPostmaster("postmaster@example.test", new Set())).toBe(false);
  });
});
