// `require helo`'s judgement of a greeting: our own names and address literals of another host are
// not a client's name; anything else may be.
import { describe, expect, it } from "vitest";
import { heloNameProblem } from "../../runtime/address/heloName.js";

const OURS = ["msa.example.test", "example.test"];

describe("heloNameProblem", () => {
  it.each([
    ["laptop.example.org", "192.0.2.7"],
    ["[192.0.2.7]", "192.0.2.7"],
    ["[IPv6:2001:db8::7]", "2001:db8:0:0:0:0:0:7"],
    ["[ipv6:::1]", "::1"],
    ["[127.0.0.1]", "::ffff:127.0.0.1"],
    ["mail.example.test", "192.0.2.7"],
  ])("takes %s from %s", (helo, client) => {
    expect(heloNameProblem(helo, client, OURS)).toBeNull();
  });

  it.each([
    ["msa.example.test", "192.0.2.7", "HELO msa.example.test is this server's name"],
    ["EXAMPLE.TEST.", "192.0.2.7", "HELO EXAMPLE.TEST. is this server's name"],
    ["[198.51.100.1]", "192.0.2.7", "HELO [198.51.100.1] is not the client's address 192.0.2.7"],
    ["[IPv6:2001:db8::8]", "2001:db8::7", "HELO [IPv6:2001:db8::8] is not the client's address 2001:db8::7"],
  ])("refuses %s from %s", (helo, client, problem) => {
    expect(heloNameProblem(helo, client, OURS)).toBe(problem);
  });
});
