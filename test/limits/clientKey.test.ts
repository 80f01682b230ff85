// How addresses and names become counter subjects: IPv6 per /64 in every spelling, IPv4-mapped
// IPv6 as IPv4, zone ids dropped, and names compared without case.
import { describe, expect, it } from "vitest";
import { ipSubject, nameSubject } from "../../runtime/limits/clientKey.js";

describe("ipSubject", () => {
  it("keeps IPv4 and maps IPv4-mapped IPv6 to it", () => {
    expect(ipSubject("203.0.113.5")).toBe("203.0.113.5");
    expect(ipSubject("::ffff:203.0.113.5")).toBe("203.0.113.5");
    expect(ipSubject("::FFFF:cb00:7105")).toBe("203.0.113.5");
  });

  it("reduces IPv6 to its /64 whatever the spelling", () => {
    for (const ip of ["2001:db8:0:1::5", "2001:DB8:0000:0001:ffff:ffff:ffff:ffff", "2001:db8:0:1:0:0:0:1", "fe80::1%eth0".replace("fe80", "2001:db8:0:1")]) {
      expect(ipSubject(ip)).toBe("2001:db8:0:1::/64");
    }
    expect(ipSubject("::1")).toBe("0:0:0:0::/64");
    expect(ipSubject("2001:db8::1.2.3.4")).toBe("2001:db8:0:0::/64");
  });

  it("passes anything else through as a stable key", () => {
    expect(ipSubject("Unknown")).toBe("unknown");
  });
});

describe("nameSubject", () => {
  it("ignores case and Unicode normalisation form", () => {
    expect(nameSubject("Alice@Example.ORG")).toBe("alice@example.org");
    expect(nameSubject("Jos\u0065\u0301")).toBe(nameSubject("jos\u00e9"));
  });
});
