// Tests for submission rights (RFC 6409 section 6.1): grants, normalisation, the senders map file,
// the From:/Sender: check and the reloading watcher.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { parseHeaderSection } from "../../runtime/message/headerSection.js";
import { sameAddress } from "../../formats/ownAddress.js";
import { compileSenderGrants, headerSenderViolations, mayUse, type SenderGrantTable } from "../../runtime/rights/senderGrants.js";
import { parseSenderGrant, sendersFromFile } from "../../formats/sendersFile.js";
import { watchSendersFile } from "../../runtime/rights/watchSendersFile.js";
import { eventually } from "../support/eventually.js";
import { temporaryFolder } from "../support/temporaryFolder.js";

const table = compileSenderGrants([
  { login: "alice", grants: ["alice@example.com", "@sales.example.com", "Sales@Example.COM"] },
  { login: "bob@example.com", grants: ["bob@example.com"] },
  { login: "ops", grants: ["*"] },
  { login: "idn", grants: ["@bücher.example", "jürgen@xn--bcher-kva.example"] },
  { login: "typo", grants: ["not an address", "@bad..domain", "alice"] },
  { login: "quoted", grants: ['"john.smith"@example.com', '"a b"@example.com'] },
]);

describe("mayUse", () => {
  it.each([
    ["alice", "alice@example.com", true],
    ["alice", "alice@EXAMPLE.com", true], // domains are case-insensitive (RFC 5321 section 2.4)
    ["alice", "Alice@example.com", false], // local parts are not
    ["alice", "anyone@sales.example.com", true],
    ["alice", "x@SALES.example.com", true],
    ["alice", "x@eu.sales.example.com", false], // a domain grant does not cover subdomains
    ["alice", "x@example.com", false],
    ["alice", "Sales@example.com", true],
    ["alice", "sales@example.com", false],
    ["alice", '"alice"@example.com', true], // quoting that does not change the value
    ["alice", "bob@example.com", false],
    ["alice", "", false],
    ["bob@example.com", "bob@example.com", true],
    ["bob@example.com", "alice@example.com", false],
    ["ops", "anyone@anywhere.example", true],
    ["ops", "unqualified", true],
    ["idn", "x@xn--bcher-kva.example", true],
    ["idn", "x@BÜCHER.example", true],
    ["idn", "jürgen@bücher.example", true],
    ["idn", "ju\u0308rgen@bücher.example", true], // NFD local part equals its NFC form (RFC 6531)
    ["typo", "alice@example.com", false], // grants that do not parse grant nothing
    ["typo", "typo@example.com", false],
    ["quoted", "john.smith@example.com", true],
    ["quoted", '"a b"@example.com', true],
    ["quoted", '"a\\ b"@example.com', true],
    ["quoted", "ab@example.com", false],
  ])("%s may use %s: %s", (login, address, expected) => {
    expect(mayUse(table, login, address)).toBe(expected);
  });

  it("lets an unlisted login use only its own address", () => {
    expect(mayUse(table, "carol", "carol@example.com", "Example.com")).toBe(true);
    expect(mayUse(table, "carol", "carol@other.example", "example.com")).toBe(false);
    expect(mayUse(table, "carol@corp.example", "carol@CORP.example")).toBe(true);
    expect(mayUse(table, "carol", "carol")).toBe(true);
    expect(mayUse(table, "carol", "carol@example.com")).toBe(false);
  });

  it("gives a listed login exactly its grants, not its own address besides", () => {
    const only = compileSenderGrants([{ login: "dave", grants: ["sales@example.com"] }]);
    expect(mayUse(only, "dave", "dave@example.com", "example.com")).toBe(false);
    expect(mayUse(only, "dave", "sales@example.com", "example.com")).toBe(true);
  });

  it("merges two lines of one login", () => {
    const merged = compileSenderGrants([
      { login: "eve", grants: ["a@example.com"] },
      { login: "eve", grants: ["@b.example"] },
    ]);
    expect(mayUse(merged, "eve", "a@example.com")).toBe(true);
    expect(mayUse(merged, "eve", "z@b.example")).toBe(true);
  });

  it("agrees with sameAddress for single address grants", () => {
    const local = fc.stringMatching(/^[A-Za-z0-9._+-]{1,10}$/).filter((s) => !s.startsWith(".") && !s.endsWith(".") && !s.includes(".."));
    const domain = fc.constantFrom("example.com", "EXAMPLE.com", "Example.COM", "bücher.example", "xn--bcher-kva.example", "other.example");
    fc.assert(
      fc.property(local, domain, local, domain, (l1, d1, l2, d2) => {
        const granted = `${l1}@${d1}`;
        const used = `${l2}@${d2}`;
        const t = compileSenderGrants([{ login: "u", grants: [granted] }]);
        expect(mayUse(t, "u", used)).toBe(sameAddress(granted, used));
      }),
    );
  });
});

describe("parseSenderGrant", () => {
  it.each([
    ["*", { kind: "all" }],
    ["@Example.COM", { kind: "domain", domain: "example.com" }],
    ["@bücher.example", { kind: "domain", domain: "xn--bcher-kva.example" }],
    ["Alice@Example.COM", { kind: "address", key: "Alice@example.com" }],
  ])("reads %s", (text, expected) => {
    expect(parseSenderGrant(text)).toEqual(expected);
  });

  it.each(["alice", "@", "@bad..example", "@-x.example", "a b@example.com", "alice@", "alice@exa mple.com", "**"])("refuses %s", (text) => {
    expect(parseSenderGrant(text)).toHaveProperty("problem");
  });
});

function header(text: string) {
  const parsed = parseHeaderSection(Buffer.from(text.replace(/\n/g, "\r\n")));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.header;
}

describe("headerSenderViolations", () => {
  it("is empty when every From: and Sender: address is granted", () => {
    const h = header('From: "Alice" <alice@example.com>, team@sales.example.com\nSender: alice@example.com\nTo: x@y.example\n\n');
    expect(headerSenderViolations(h, "alice", table)).toEqual([]);
  });

  it("lists each address that is not, with its field", () => {
    const h = header("To: a@b.example\nFrom: Mallory <ceo@example.com>, alice@example.com\nSender: (me) bob@example.com\n\nbody");
    expect(headerSenderViolations(h, "alice", table)).toEqual([
      { field: "From", index: 1, address: "ceo@example.com" },
      { field: "Sender", index: 2, address: "bob@example.com" },
    ]);
  });

  it("ignores recipient fields and matches field names case-insensitively", () => {
    const h = header("FROM: ceo@example.com\nCc: ceo@example.com\n\n");
    expect(headerSenderViolations(h, "alice", table)).toEqual([{ field: "FROM", index: 0, address: "ceo@example.com" }]);
  });

  it("uses the login's own address when it is not listed", () => {
    const h = header("From: carol@example.com\n\n");
    expect(headerSenderViolations(h, "carol", table, "example.com")).toEqual([]);
    expect(headerSenderViolations(h, "carol", table, "other.example")).toHaveLength(1);
  });
});

describe("sendersFromFile", () => {
  it("reads the lines of a senders block, with comments and blank lines", () => {
    const parsed = sendersFromFile("# who may send as whom\n\n  alice: alice@example.com, @sales.example.com   # sales team\nops:*\r\nbob@example.com: bob@example.com\n");
    expect(parsed.problems).toEqual([]);
    expect(parsed.entries).toEqual([
      { login: "alice", grants: ["alice@example.com", "@sales.example.com"], line: 3 },
      { login: "ops", grants: ["*"], line: 4 },
      { login: "bob@example.com", grants: ["bob@example.com"], line: 5 },
    ]);
  });

  it("keeps a # or a comma inside a quoted local part", () => {
    const parsed = sendersFromFile('alice: "a#b,c"@example.com, x@example.com\n');
    expect(parsed.problems).toEqual([]);
    expect(parsed.entries[0]!.grants).toEqual(['"a#b,c"@example.com', "x@example.com"]);
  });

  const underlined = (text: string) => {
    const parsed = sendersFromFile(text);
    const lines = text.split("\n");
    return parsed.problems.map((p) => [p.line, lines[p.line - 1]!.slice(p.column - 1, p.endColumn - 1), p.message]);
  };

  it.each([
    ["alice alice@example.com", [[1, "alice alice@example.com", "missing `:` after the login in `alice alice@example.com`"]]],
    [": a@example.com", [[1, ":", "empty login before `:`"]]],
    ["al ice: a@example.com", [[1, "al ice", "login `al ice` contains whitespace"]]],
    ["alice:", [[1, "alice:", "no address listed for `alice`"]]],
    ["alice: a@example.com,,b@example.com", [[1, ",", "empty entry between commas"]]],
    ["alice: a@example.com b@example.com", [[1, "a@example.com b@example.com", "`a@example.com b@example.com` contains whitespace; separate entries with `,`"]]],
    ["alice: alice", [[1, "alice", "`alice` is not an address; write `local@domain`"]]],
    ["alice: @bad..example", [[1, "@bad..example", "`bad..example` in `@bad..example` is not a valid domain name"]]],
    ["alice: a@example.com, A@EXAMPLE.COM, a@Example.com", [[1, "a@Example.com", "`a@Example.com` is listed twice for `alice`"]]],
    ["alice: a@example.com\n  alice: b@example.com", [[2, "alice", "login `alice` is listed twice, first on line 1; this line is ignored"]]],
  ])("reports %j", (text, expected) => {
    expect(underlined(text)).toEqual(expected);
  });

  it("keeps the good grants of a line with a bad one", () => {
    const parsed = sendersFromFile("alice: a@example.com, nonsense, @b.example\n");
    expect(parsed.entries[0]!.grants).toEqual(["a@example.com", "@b.example"]);
    expect(parsed.problems).toHaveLength(1);
  });

  it("gives the same table as the inline entries", () => {
    const parsed = sendersFromFile("alice: alice@example.com, @sales.example.com\n");
    const fromFile = compileSenderGrants(parsed.entries);
    expect(mayUse(fromFile, "alice", "x@sales.example.com")).toBe(true);
    expect(mayUse(fromFile, "alice", "bob@example.com")).toBe(false);
  });
});

describe("watchSendersFile", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  function setup(initial: string) {
    const dir = temporaryFolder("msa-senders-");
    const file = path.join(dir, "senders.map");
    fs.writeFileSync(file, initial);
    const tables: SenderGrantTable[] = [];
    const errors: unknown[] = [];
    const watcher = watchSendersFile(file, (t) => tables.push(t), { debounceMs: 20, onError: (e) => errors.push(e) });
    cleanups.push(() => watcher.close());
    return { dir, file, tables, errors };
  }

  it("reloads after a change, once for a burst of writes", async () => {
    const { file, tables } = setup("alice: alice@example.com\n");
    fs.writeFileSync(file, "alice: alice@example.com, @sales.example.com\n");
    fs.appendFileSync(file, "bob: bob@example.com\n");
    await eventually(() => tables.length > 0);
    // no second reload within 100 ms (five debounce periods): the quiet time is what is tested
    await new Promise((r) => setTimeout(r, 100));
    expect(tables).toHaveLength(1);
    expect(mayUse(tables[0]!, "alice", "x@sales.example.com")).toBe(true);
    expect(mayUse(tables[0]!, "bob", "bob@example.com")).toBe(true);
  });

  it("follows a file replaced by rename, as editors save", async () => {
    const { dir, file, tables } = setup("alice: alice@example.com\n");
    const temporary = path.join(dir, ".senders.map.swp");
    fs.writeFileSync(temporary, "alice: *\n");
    fs.renameSync(temporary, file);
    await eventually(() => tables.length > 0);
    expect(mayUse(tables.at(-1)!, "alice", "anyone@anywhere.example")).toBe(true);
  });

  it("keeps the old table when the new text has problems", async () => {
    const { file, tables, errors } = setup("alice: alice@example.com\n");
    fs.writeFileSync(file, "alice alice@example.com\n");
    await eventually(() => errors.length > 0);
    expect(tables).toEqual([]);
    expect(errors[0]).toMatchObject({ problems: [{ line: 1 }] });
    fs.writeFileSync(file, "alice: @example.com\n");
    await eventually(() => tables.length > 0);
    expect(mayUse(tables[0]!, "alice", "z@example.com")).toBe(true);
  });

  it("ignores other files in the directory and stops after close", async () => {
    const { dir, file, tables } = setup("alice: alice@example.com\n");
    fs.writeFileSync(path.join(dir, "other"), "x");
    // nothing may happen within 100 ms (five debounce periods): the quiet time is what is tested
    await new Promise((r) => setTimeout(r, 100));
    expect(tables).toEqual([]);
    cleanups.shift()!();
    fs.writeFileSync(file, "alice: *\n");
    // as above: a closed watcher stays quiet
    await new Promise((r) => setTimeout(r, 100));
    expect(tables).toEqual([]);
  });
});
