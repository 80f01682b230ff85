// Tests the Received: trace field value (RFC 5321 section 4.4, RFC 3848 protocol names).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressLiteral, cipherBits, receivedFieldValue, type ReceivedFieldInput } from "../../runtime/message/receivedField.js";
import { formatHeaderField } from "../../runtime/message/headerEdits.js";
import { parseHeaderSection } from "../../runtime/message/headerSection.js";

const originalTZ = process.env.TZ;
beforeAll(() => {
  process.env.TZ = "UTC";
});
afterAll(() => {
  if (originalTZ === undefined) delete process.env.TZ;
  else process.env.TZ = originalTZ;
});

const base: ReceivedFieldInput = {
  heloName: "client.example",
  clientAddress: "127.0.0.1",
  clientHostname: "client.example",
  hostname: "msa.example.test",
  protocol: "ESMTPSA",
  queueId: "ABC",
  date: new Date(Date.UTC(2026, 10, 28, 17, 11, 32)),
};
const DATE = "Sat, 28 Nov 2026 17:11:32 +0000";

describe("receivedFieldValue", () => {
  it("has the usual form", () => {
    expect(receivedFieldValue(base)).toBe(`from client.example (client.example [127.0.0.1]) by msa.example.test (msa) with ESMTPSA id ABC; ${DATE}`);
  });

  it("names each RFC 3848 protocol", () => {
    for (const protocol of ["SMTP", "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA"] as const) {
      expect(receivedFieldValue({ ...base, protocol })).toContain(` with ${protocol} `);
    }
  });

  it("leaves out the reverse name when there is none or it is not a domain", () => {
    const expected = `from client.example ([127.0.0.1]) by msa.example.test (msa) with ESMTPSA id ABC; ${DATE}`;
    expect(receivedFieldValue({ ...base, clientHostname: undefined })).toBe(expected);
    expect(receivedFieldValue({ ...base, clientHostname: "bad name(" })).toBe(expected);
  });

  it("leaves out the bracketed address when the address is unknown", () => {
    expect(receivedFieldValue({ ...base, clientAddress: null })).toBe(`from client.example by msa.example.test (msa) with ESMTPSA id ABC; ${DATE}`);
  });

  it("writes IPv6 addresses as [IPv6:...] and IPv4-mapped ones as IPv4", () => {
    expect(receivedFieldValue({ ...base, clientHostname: undefined, clientAddress: "2001:db8::1" })).toContain("from client.example ([IPv6:2001:db8::1]) by");
    expect(receivedFieldValue({ ...base, clientHostname: undefined, clientAddress: "::ffff:192.0.2.7" })).toContain("([192.0.2.7])");
    expect(addressLiteral("fe80::1%eth0")).toBe("[IPv6:fe80::1]");
    expect(addressLiteral("::1")).toBe("[IPv6:::1]");
    expect(addressLiteral("not an ip")).toBeNull();
  });

  it("accepts an address literal as HELO name", () => {
    expect(receivedFieldValue({ ...base, heloName: "[127.0.0.1]", clientHostname: undefined })).toContain("from [127.0.0.1] ([127.0.0.1]) by");
    expect(receivedFieldValue({ ...base, heloName: "[IPv6:::1]", clientHostname: undefined, clientAddress: "::1" })).toContain("from [IPv6:::1] ([IPv6:::1]) by");
  });

  it("puts a HELO name that is not a domain into an escaped comment", () => {
    expect(receivedFieldValue({ ...base, heloName: "bad_helo (x) \\ \u00e9", clientHostname: undefined })).toBe(
      `from [127.0.0.1] ([127.0.0.1]) (helo=bad_helo \\(x\\) \\\\ ?) by msa.example.test (msa) with ESMTPSA id ABC; ${DATE}`,
    );
    expect(receivedFieldValue({ ...base, heloName: "localhost.", clientAddress: null })).toBe(
      `from unknown (helo=localhost.) by msa.example.test (msa) with ESMTPSA id ABC; ${DATE}`,
    );
    expect(receivedFieldValue({ ...base, heloName: "", clientAddress: null })).toMatch(/^from unknown by /);
  });

  it("adds the TLS protocol and cipher and the login as Postfix's comments, and a single recipient", () => {
    const tls = { protocol: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384" };
    expect(receivedFieldValue({ ...base, tls, authenticatedSender: "alice", recipient: "bob@example.test" })).toBe(
      "from client.example (client.example [127.0.0.1]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)) (Authenticated sender: alice) " +
        `by msa.example.test (msa) with ESMTPSA id ABC for <bob@example.test>; ${DATE}`,
    );
  });

  it("names the key bits of the usual cipher suites and leaves out those it does not know", () => {
    expect(cipherBits("ECDHE-RSA-AES128-GCM-SHA256")).toBe("128/128");
    expect(cipherBits("TLS_CHACHA20_POLY1305_SHA256")).toBe("256/256");
    expect(cipherBits("ECDHE-ECDSA-AES256-GCM-SHA384")).toBe("256/256");
    expect(cipherBits("NULL-SHA")).toBeUndefined();
    expect(receivedFieldValue({ ...base, tls: { protocol: "TLSv1.2", cipher: "NULL-SHA" } })).toContain("(using TLSv1.2 with cipher NULL-SHA) by");
  });

  it("escapes a login that would break the comment", () => {
    expect(receivedFieldValue({ ...base, authenticatedSender: "eve) (Authenticated sender: boss" })).toContain("(Authenticated sender: eve\\) \\(Authenticated sender: boss) by");
  });

  it("leaves out a recipient that would not be a path, and a missing queue id", () => {
    const value = receivedFieldValue({ ...base, queueId: undefined, recipient: "bob smith@example.test" });
    expect(value).toBe(`from client.example (client.example [127.0.0.1]) by msa.example.test (msa) with ESMTPSA; ${DATE}`);
  });

  it("refuses an unusable hostname or queue id of our own", () => {
    expect(() => receivedFieldValue({ ...base, hostname: "msa example" })).toThrow(TypeError);
    expect(() => receivedFieldValue({ ...base, queueId: "a b" })).toThrow(TypeError);
  });

  it("makes a field that folds and parses back to the same value", () => {
    const value = receivedFieldValue({
      ...base,
      clientAddress: "2001:db8:85a3::8a2e:370:7334",
      clientHostname: "a-rather-long-reverse-name.customers.isp.example",
      tls: { protocol: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384" },
      authenticatedSender: "alice@example.test",
      recipient: "someone@example.test",
    });
    const field = formatHeaderField("Received", value);
    for (const line of field.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    const parsed = parseHeaderSection(Buffer.from(field));
    expect(parsed.ok && parsed.header.fields[0]!.value).toBe(value);
  });
});
