// ConnectionLimiter: the total and per-IP session caps, slots freed on close, IPv6 per /64, and
// that memory follows the connected clients, not every client ever seen.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectionLimiter } from "../../runtime/limits/connectionLimiter.js";

describe("ConnectionLimiter", () => {
  it("caps sessions per IP and frees a slot on close", () => {
    const limits = new ConnectionLimiter({ maxSessions: 100, maxSessionsPerIp: 2 });
    expect([limits.open("192.0.2.1"), limits.open("192.0.2.1"), limits.open("192.0.2.1")]).toEqual([true, true, false]);
    expect(limits.open("192.0.2.2")).toBe(true);
    limits.close("192.0.2.1");
    expect(limits.open("192.0.2.1")).toBe(true);
    expect(limits.sessions).toBe(3);
  });

  it("caps sessions in total", () => {
    const limits = new ConnectionLimiter({ maxSessions: 3, maxSessionsPerIp: 10 });
    expect(["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"].map((ip) => limits.open(ip))).toEqual([true, true, true, false]);
    limits.close("192.0.2.2");
    expect(limits.open("192.0.2.4")).toBe(true);
  });

  it("counts an IPv6 client per /64", () => {
    const limits = new ConnectionLimiter({ maxSessions: 100, maxSessionsPerIp: 1 });
    expect(limits.open("2001:db8:a:b::1")).toBe(true);
    expect(limits.open("2001:db8:a:b:cafe::2")).toBe(false);
    expect(limits.open("2001:db8:a:c::1")).toBe(true);
  });

  it("ignores a close without an open, so a double close cannot free someone else’s slot", () => {
    const limits = new ConnectionLimiter({ maxSessions: 1, maxSessionsPerIp: 1 });
    limits.close("192.0.2.9");
    expect(limits.sessions).toBe(0);
    expect(limits.open("192.0.2.1")).toBe(true);
    limits.close("192.0.2.9");
    expect(limits.open("192.0.2.2")).toBe(false);
  });

  it("agrees with a plain model over random opens and closes, and forgets IPs with no sessions", () => {
    const ips = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "2001:db8::1", "2001:db8::2"];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: ips.length - 1 })), { maxLength: 200 }), (ops) => {
        const limits = new ConnectionLimiter({ maxSessions: 6, maxSessionsPerIp: 3 });
        const open = new Map<string, number>(); // model, keyed by the /64 for IPv6
        const model = (ip: string): string => (ip.includes(":") ? "2001:db8::/64" : ip);
        for (const [isOpen, i] of ops) {
          const ip = ips[i];
          const held = open.get(model(ip)) ?? 0;
          const total = [...open.values()].reduce((a, b) => a + b, 0);
          if (isOpen) {
            const admit = total < 6 && held < 3;
            expect(limits.open(ip)).toBe(admit);
            if (admit) open.set(model(ip), held + 1);
          } else if (held > 0) {
            limits.close(ip);
            open.set(model(ip), held - 1);
          }
        }
        expect(limits.sessions).toBe([...open.values()].reduce((a, b) => a + b, 0));
        expect(limits.clients).toBe([...open.values()].filter((n) => n > 0).length);
      }),
    );
  });
});
