// The LDAP login backend against a real slapd: binds by DN template and by search (anonymous or as
// a service account), over ldap://, StartTLS and ldaps://; the addresses it gives; what it answers
// for a wrong password, an unknown login, a login written to widen the search, and a directory it
// cannot use.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LdapLoginSource } from "../../graph/graph.js";
import { LdapLogins } from "../../runtime/auth/ldapLogins.js";
import { makeTestPki, type TestPki } from "../support/certificates.js";
import { freePort } from "../support/freePort.js";
import { LDAP_PEOPLE, LDAP_SERVICE, LDAP_USERS, type Slapd, startSlapd } from "../support/slapd.js";

let slapd: Slapd;
let pki: TestPki;
const opened: LdapLogins[] = [];

beforeAll(async () => {
  pki = await makeTestPki();
  slapd = await startSlapd({ pki });
  await writeFile(join(slapd.dir, "service.secret"), `${LDAP_SERVICE.password}\n`);
});
afterAll(async () => {
  for (const backend of opened) await backend.close();
});

const origin = { file: "policy.msa", line: 1, span: { start: 0, end: 0 } };
const BIND: LdapLoginSource["find"] = { by: "bind", dn: `uid=%u,${LDAP_PEOPLE}` };
const SEARCH: LdapLoginSource["find"] = { by: "search", base: LDAP_PEOPLE, filter: "(&(objectClass=inetOrgPerson)(uid=%u))" };

async function backend(find: LdapLoginSource["find"], more: Partial<LdapLoginSource> = {}): Promise<LdapLogins> {
  const source: LdapLoginSource = {
    kind: "ldap",
    url: slapd.url,
    startTls: false,
    find,
    addressAttributes: ["mail", "mailAlternateAddress"],
    cacheTtlMs: 0,
    timeoutMs: 5000,
    origin,
    ...more,
  };
  const opened_ = await LdapLogins.open(source);
  opened.push(opened_);
  return opened_;
}

const carol = LDAP_USERS.carol;
const carolAddresses = [carol.mail, ...carol.alternates];

// The service account's password file is in slapd's folder, known once it has started: each case is a function.
describe.each([
  ["bind with a DN template", (): LdapLoginSource["find"] => BIND],
  ["search anonymously, then bind", (): LdapLoginSource["find"] => SEARCH],
  ["search as a service account, then bind", (): LdapLoginSource["find"] => ({ ...SEARCH, as: { dn: LDAP_SERVICE.dn, passwordPath: join(slapd.dir, "service.secret") } })],
])("%s", (_, resolved) => {
  it("accepts the right password and gives the entry's mail and mailAlternateAddress", async () => {
    const logins = await backend(resolved());
    expect(await logins.verify("carol", carol.password)).toEqual({ kind: "accepted", addresses: carolAddresses });
    expect(await logins.verify("dave", LDAP_USERS.dave.password)).toEqual({ kind: "accepted", addresses: [LDAP_USERS.dave.mail] });
  });

  it("rejects a wrong password, an unknown login and an empty password", async () => {
    const logins = await backend(resolved());
    expect((await logins.verify("carol", "wrong")).kind).toBe("rejected");
    expect((await logins.verify("nobody", carol.password)).kind).toBe("rejected");
    // An empty password would be an unauthenticated bind, which the directory accepts.
    expect((await logins.verify("carol", "")).kind).toBe("rejected");
  });

  it("rejects logins written to match carol's entry by a wildcard, a second filter item or an escape", async () => {
    const logins = await backend(resolved());
    for (const login of ["car*", "*)(uid=carol", "\\63arol", "carol)(|(uid=*", "uid=carol,ou=people"]) {
      expect(await logins.verify(login, carol.password), login).toMatchObject({ kind: "rejected" });
    }
  });
});

describe("a filter that matches several entries", () => {
  it("refuses the login rather than bind as one of them", async () => {
    const logins = await backend({ by: "search", base: LDAP_PEOPLE, filter: "(|(uid=%u)(objectClass=inetOrgPerson))" });
    expect(await logins.verify("carol", carol.password)).toEqual({ kind: "rejected", reason: "the login matches more than one directory entry" });
  });
});

describe("what the directory's entry may grant", () => {
  it("uses the configured attributes, and only single addresses among their values", async () => {
    slapd.modify(
      `dn: uid=dave,${LDAP_PEOPLE}\nchangetype: modify\nadd: mailAlternateAddress\nmailAlternateAddress: *\nmailAlternateAddress: @example.com\nmailAlternateAddress: dave.d@example.com\n`,
    );
    const logins = await backend(BIND, { addressAttributes: ["mailalternateaddress"] });
    expect(await logins.verify("dave", LDAP_USERS.dave.password)).toEqual({ kind: "accepted", addresses: ["dave.d@example.com"] });
  });
});

describe("TLS", () => {
  it("logs in over StartTLS and over ldaps:// when the CA is trusted", async () => {
    const starttls = await backend(BIND, { startTls: true, caPath: pki.caPath });
    expect(await starttls.verify("carol", carol.password)).toEqual({ kind: "accepted", addresses: carolAddresses });
    const ldaps = await backend(BIND, { url: slapd.ldapsUrl!, caPath: pki.caPath });
    expect(await ldaps.verify("carol", carol.password)).toEqual({ kind: "accepted", addresses: carolAddresses });
  });

  it("is unavailable when the directory's certificate is not trusted", async () => {
    const ldaps = await backend(BIND, { url: slapd.ldapsUrl! });
    expect(await ldaps.verify("carol", carol.password)).toMatchObject({ kind: "unavailable", reason: expect.stringContaining(slapd.ldapsUrl!) });
  });
});

describe("a directory it cannot use", () => {
  it("is unavailable when the service account's bind is refused, not a wrong password", async () => {
    await writeFile(join(slapd.dir, "wrong.secret"), "not-the-password\n");
    const logins = await backend({ ...SEARCH, as: { dn: LDAP_SERVICE.dn, passwordPath: join(slapd.dir, "wrong.secret") } });
    expect(await logins.verify("carol", carol.password)).toMatchObject({ kind: "unavailable", reason: expect.stringContaining("service bind") });
  });

  it("is unavailable when nothing listens at the URL", async () => {
    const logins = await backend(BIND, { url: `ldap://127.0.0.1:${await freePort()}` });
    expect(await logins.verify("carol", carol.password)).toMatchObject({ kind: "unavailable", reason: expect.stringContaining("ECONNREFUSED") });
  });
});
