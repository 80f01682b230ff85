// `auth ldap` in the compiler: what the block lowers to (defaults written out, paths resolved),
// the submission rights it brings without a `senders` rule, what the checker refuses in it, and
// that `msac print` writes back a policy that compiles to the same login source.
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import type { CompilerHost } from "../../compiler/checkFiles.js";
import { printPolicy } from "../../tooling/print/print.js";

const HEAD = ["hostname msa.example.test", "listen 127.0.0.1:2525 plain", "require auth"];
const files: Record<string, string> = { "/srv/msa/ca.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "/srv/msa/ldap.secret": "service-pw\n" };
const host: CompilerHost = { readFile: (path) => (path in files ? { ok: true, text: files[path]! } : { ok: false, missing: true, reason: "missing" }) };

function compile(lines: string[]) {
  const text = [...HEAD, ...lines].join("\n") + "\n";
  const result = compilePolicy("/srv/msa/policy.msa", text, host);
  return { ...result, codes: result.diagnostics.map((d) => `${d.code} ${d.message}`) };
}

const SEARCH = [
  'auth ldap "ldap://127.0.0.1:3389" {',
  "  starttls",
  '  ca "ca.pem"',
  '  search base "ou=people,dc=example,dc=com" filter "(&(objectClass=inetOrgPerson)(uid=%u))"',
  '  search as "cn=msa,dc=example,dc=com" password file "ldap.secret"',
  "}",
];

describe("lowering", () => {
  it("gives the graph's login source with the defaults written out and the files resolved", () => {
    const { graph, codes } = compile(SEARCH);
    expect(codes).toEqual([]);
    expect(graph!.logins).toEqual({
      kind: "ldap",
      url: "ldap://127.0.0.1:3389",
      startTls: true,
      caPath: "/srv/msa/ca.pem",
      find: {
        by: "search",
        base: "ou=people,dc=example,dc=com",
        filter: "(&(objectClass=inetOrgPerson)(uid=%u))",
        as: { dn: "cn=msa,dc=example,dc=com", passwordPath: "/srv/msa/ldap.secret" },
      },
      addressAttributes: ["mail", "mailAlternateAddress"],
      cacheTtlMs: 300_000,
      timeoutMs: 5_000,
      origin: expect.objectContaining({ line: 4 }),
    });
  });

  it("judges MAIL FROM by the directory's addresses alone when there is no senders rule, under the auth ldap line", () => {
    const { graph } = compile(SEARCH);
    const rights = [...graph!.stages.mail.before, ...graph!.stages.mail.after].find((node) => node.kind === "SubmissionRights");
    expect(rights).toMatchObject({ kind: "SubmissionRights", senders: {}, origin: { line: 4 } });
  });

  it("takes attributes, `cache off` and a timeout", () => {
    const { graph, codes } = compile([
      'auth ldap "ldaps://ldap.example.com" {',
      '  bind "uid=%u,ou=people,dc=example,dc=com"',
      "  addresses mail",
      "  cache off",
      "  timeout 2s",
      "}",
    ]);
    expect(codes).toEqual([]);
    expect(graph!.logins).toMatchObject({ find: { by: "bind", dn: "uid=%u,ou=people,dc=example,dc=com" }, addressAttributes: ["mail"], cacheTtlMs: 0, timeoutMs: 2000 });
  });

  it("prints a policy that compiles to the same login source", () => {
    const { graph } = compile(SEARCH);
    const printed = printPolicy(graph!, { hostnameWritten: true });
    expect(printed).toContain('auth ldap "ldap://127.0.0.1:3389" {\n  starttls\n  ca "ca.pem"\n');
    const again = compilePolicy("/srv/msa/policy.msa", printed, host);
    expect(again.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect({ ...again.graph!.logins, origin: undefined }).toEqual({ ...graph!.logins, origin: undefined });
  });
});

describe("checks", () => {
  it("refuses a second auth rule of another form", () => {
    expect(compile(['auth users "users.passwd"', ...SEARCH]).codes.some((c) => c.startsWith("MSA2002"))).toBe(true);
  });

  it("refuses a clause written twice, `search as` without a search, and both lookups at once", () => {
    expect(compile(['auth ldap "ldaps://ldap.example.com" {', '  bind "uid=%u,dc=example,dc=com"', "  cache 1m", "  cache 2m", "}"]).codes).toEqual([
      "MSA4170 `cache` is written twice in `auth ldap`",
    ]);
    expect(
      compile(['auth ldap "ldaps://ldap.example.com" {', '  bind "uid=%u,dc=example,dc=com"', '  search as "cn=msa,dc=example,dc=com" password file "ldap.secret"', "}"]).codes,
    ).toEqual(["MSA4170 `search as` without `search base`: there is no search to bind for"]);
    expect(compile(['auth ldap "ldaps://ldap.example.com" {', '  bind "uid=%u,dc=example,dc=com"', '  search base "dc=example,dc=com" filter "(uid=%u)"', "}"]).codes).toEqual([
      "MSA4170 `auth ldap` has both `bind` and `search base`; a login's entry is found one way",
    ]);
  });

  it("refuses a filter without %u and a CA file that holds no certificate", () => {
    expect(compile(['auth ldap "ldaps://ldap.example.com" {', '  search base "dc=example,dc=com" filter "(uid=alice)"', "}"]).codes).toEqual([
      "MSA3171 the `search` filter has no `%u`, so every login would be the same entry",
    ]);
    files["/srv/msa/not-a-ca.pem"] = "hello\n";
    expect(compile(['auth ldap "ldaps://ldap.example.com" {', '  ca "not-a-ca.pem"', '  bind "uid=%u,dc=example,dc=com"', "}"]).codes).toEqual([
      "MSA5004 `not-a-ca.pem` holds no PEM certificate",
    ]);
  });

  it("does not warn about clear text on loopback", () => {
    expect(compile(['auth ldap "ldap://localhost" {', '  bind "uid=%u,dc=example,dc=com"', "}"]).codes).toEqual([]);
  });
});
