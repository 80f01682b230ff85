// The XFORWARD commands msa writes (runtime/deliver/xforward.ts): only the attributes the next hop
// offers, xtext values, [UNAVAILABLE] for what is unknown or not plain text, and no command
// longer than the 512 octets Postfix's XFORWARD_README allows.
import { describe, expect, it } from "vitest";
import { clientFactsOf, offeredXforwardAttributes, xforwardCommands } from "../../runtime/deliver/xforward.js";

const POSTFIX_OFFER = new Set(["NAME", "ADDR", "PROTO", "HELO", "SOURCE", "PORT", "IDENT"]);
const facts = { address: "192.0.2.7", port: 50123, protocol: "ESMTPSA", helo: "laptop.example", queueId: "01JABCDEF", login: "alice" };

describe("XFORWARD commands", () => {
  it("reads the offered attributes from the EHLO lines, and none when XFORWARD is not offered", () => {
    expect(offeredXforwardAttributes(["PIPELINING", "XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT", "8BITMIME"])).toEqual(POSTFIX_OFFER);
    expect(offeredXforwardAttributes(["xforward name addr"])).toEqual(new Set(["NAME", "ADDR"]));
    expect(offeredXforwardAttributes(["PIPELINING", "XFORWARDX NAME"])).toBeNull();
    expect(offeredXforwardAttributes(undefined)).toBeNull();
  });

  it("sends what Postfix offers in one command, [UNAVAILABLE] for the name msa does not look up, LOGIN only when offered", () => {
    expect(xforwardCommands(facts, POSTFIX_OFFER)).toEqual([
      "XFORWARD NAME=[UNAVAILABLE] ADDR=192.0.2.7 PORT=50123 PROTO=ESMTPSA HELO=laptop.example IDENT=01JABCDEF SOURCE=REMOTE",
    ]);
    expect(xforwardCommands(facts, new Set([...POSTFIX_OFFER, "LOGIN"]))[0]).toMatch(/ SOURCE=REMOTE LOGIN=alice$/);
    expect(xforwardCommands(facts, new Set(["ADDR"]))).toEqual(["XFORWARD ADDR=192.0.2.7"]);
    expect(xforwardCommands(facts, new Set(["XCLIENT"]))).toEqual([]);
  });

  it("writes IPv6 with Postfix's prefix and an IPv4 client of a dual-stack socket as IPv4", () => {
    expect(xforwardCommands({ address: "2001:db8::1" }, new Set(["ADDR"]))).toEqual(["XFORWARD ADDR=IPv6:2001:db8::1"]);
    expect(xforwardCommands({ address: "::ffff:192.0.2.7" }, new Set(["ADDR"]))).toEqual(["XFORWARD ADDR=192.0.2.7"]);
  });

  it("xtext-encodes + and =, and sends [UNAVAILABLE] for a value with spaces, controls or non-ASCII", () => {
    expect(xforwardCommands({ login: "a+b=c@example.test" }, new Set(["LOGIN"]))).toEqual(["XFORWARD LOGIN=a+2Bb+3Dc@example.test"]);
    for (const helo of ["two words", "bad\r\nRSET", "caf\u00e9.example", "<x>"]) {
      expect(xforwardCommands({ helo }, new Set(["HELO"]))).toEqual(["XFORWARD HELO=[UNAVAILABLE]"]);
    }
  });

  it("splits into several commands so that none is longer than 512 octets with its CRLF", () => {
    const long = `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.example`;
    const commands = xforwardCommands({ ...facts, helo: long, login: `${"l".repeat(200)}+${"m".repeat(40)}` }, new Set([...POSTFIX_OFFER, "LOGIN"]));
    expect(commands.length).toBeGreaterThan(1);
    for (const command of commands) expect(Buffer.byteLength(`${command}\r\n`)).toBeLessThanOrEqual(512);
    expect(commands.join(" ")).toContain(`HELO=${long}`);
    // every offered attribute is sent exactly once, in Postfix's order
    expect(
      commands.flatMap((c) =>
        c
          .split(" ")
          .slice(1)
          .map((pair) => pair.split("=")[0]),
      ),
    ).toEqual(["NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE", "LOGIN"]);
  });

  it("takes the client's facts from a spool record's meta, and none for a DSN msa wrote itself", () => {
    expect(clientFactsOf({ clientAddress: "192.0.2.7", clientPort: 50123, heloName: "laptop.example", protocol: "ESMTPSA", queueId: "01J", login: "alice" })).toEqual({
      address: "192.0.2.7",
      port: 50123,
      helo: "laptop.example",
      protocol: "ESMTPSA",
      queueId: "01J",
      login: "alice",
    });
    expect(clientFactsOf({ dsnFor: "01J", dsnAction: "failed" })).toBeUndefined();
  });

  it("sends a local user's message (sendmail) as SOURCE=LOCAL with no client address", () => {
    const local = clientFactsOf({ clientAddress: "local", queueId: "01J", login: "alice", protocol: "ESMTPA" })!;
    expect(xforwardCommands(local, new Set([...POSTFIX_OFFER, "LOGIN"]))).toEqual([
      "XFORWARD NAME=[UNAVAILABLE] ADDR=[UNAVAILABLE] PORT=[UNAVAILABLE] PROTO=[UNAVAILABLE] HELO=[UNAVAILABLE] IDENT=01J SOURCE=LOCAL LOGIN=alice",
    ]);
  });
});
