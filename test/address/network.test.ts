// IP networks as `allow unauthenticated from` writes them: what parses, what holds a client
// address (IPv4-mapped IPv6 included), and which networks are public.
import { describe, expect, it } from "vitest";
import { isNonPublicNetwork, type Network, networkHolding, parseNetwork } from "../../formats/network.js";

const network = (text: string) => parseNetwork(text) as Network;

describe("parseNetwork", () => {
  it.each([
    ["192.0.2.0/24", "192.0.2.0/24"],
    ["2001:DB8::/32", "2001:db8::/32"],
    ["::1", "::1/128"],
    ["127.0.0.1", "127.0.0.1/32"],
    ["[::1]/128", "::1/128"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["::/0", "::/0"],
  ])("reads %s as %s", (text, cidr) => {
    expect(network(text).cidr).toBe(cidr);
  });

  it.each([
    ["10.1.2.3/16", "`10.1.2.3/16` has host bits set after its /16"],
    ["10.0.0.0/33", "prefix length `/33` of `10.0.0.0/33` is not a number from 0 to 32"],
    ["printer.example.com", "`printer.example.com` is not an IP address or network"],
    ["fe80::1/10", "`fe80::1/10` has host bits set after its /10"],
  ])("refuses %s", (text, problem) => {
    expect(parseNetwork(text)).toMatchObject({ problem });
  });
});

describe("networkHolding", () => {
  it("finds the network of a client, an IPv4-mapped IPv6 address as IPv4", () => {
    expect(networkHolding(["10.0.0.0/8", "::1/128"], "::ffff:10.2.3.4")).toBe("10.0.0.0/8");
    expect(networkHolding(["10.0.0.0/8", "::1/128"], "::1")).toBe("::1/128");
    expect(networkHolding(["127.0.0.1/32"], "127.0.0.2")).toBeUndefined();
    expect(networkHolding(["0.0.0.0/0"], "::1")).toBeUndefined();
  });
});

describe("isNonPublicNetwork", () => {
  it.each(["10.0.0.0/8", "172.16.5.0/24", "192.168.0.0/16", "127.0.0.1/32", "169.254.0.0/16", "192.0.2.0/24", "fd00::/8", "::1/128", "fe80::/64", "2001:db8:1::/48"])(
    "%s is not public",
    (text) => {
      expect(isNonPublicNetwork(network(text))).toBe(true);
    },
  );
  it.each(["0.0.0.0/0", "::/0", "8.8.8.0/24", "10.0.0.0/7", "172.0.0.0/8", "2001:4860::/32", "100.64.0.0/10"])("%s is public", (text) => {
    expect(isNonPublicNetwork(network(text))).toBe(false);
  });
});
