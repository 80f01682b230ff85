// Tests Message-ID generation: RFC 5322 section 3.6.4 syntax, our hostname, uniqueness.
import { describe, expect, it } from "vitest";
import { newMessageId } from "../../runtime/message/messageId.js";

const DOT_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*";

describe("newMessageId", () => {
  it("is <dot-atom-text@hostname>", () => {
    const id = newMessageId("msa.example.test");
    expect(id).toMatch(new RegExp(`^<${DOT_ATOM}@msa\\.example\\.test>$`));
  });

  it("accepts a domain literal as the right side", () => {
    expect(newMessageId("[192.0.2.1]")).toMatch(/@\[192\.0\.2\.1\]>$/);
  });

  it("is unique across many calls", () => {
    const ids = new Set(Array.from({ length: 10000 }, () => newMessageId("h.test")));
    expect(ids.size).toBe(10000);
  });

  it("refuses a hostname that cannot be id-right", () => {
    for (const bad of ["", "a b", "a..b", ".a", "a.", "x@y", "a>b", "[a]b"]) {
      expect(() => newMessageId(bad), bad).toThrow(TypeError);
    }
  });
});
