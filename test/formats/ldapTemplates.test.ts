// The LDAP values of `auth ldap`: URLs and filters the checker refuses, and logins that stay one
// attribute value however they are spelt (the end-to-end proof against slapd is test/auth/ldapLogins.test.ts).
import { describe, expect, it } from "vitest";
import { escapeDnValue, fillDnTemplate, fillFilterTemplate, ldapFilterProblem, ldapUrlProblem } from "../../formats/ldapTemplates.js";

describe("ldapUrlProblem", () => {
  it("takes ldap:// and ldaps:// with a host and an optional port", () => {
    for (const url of ["ldap://127.0.0.1:389", "ldaps://ldap.example.com", "ldap://[::1]:3389/"]) expect(ldapUrlProblem(url)).toBeUndefined();
  });
  it("names what is wrong with anything else", () => {
    expect(ldapUrlProblem("http://ldap.example.com")).toBe("`http://ldap.example.com` is not an `ldap://` or `ldaps://` URL");
    expect(ldapUrlProblem("ldap://admin:secret@ldap.example.com")).toContain("carries credentials");
    expect(ldapUrlProblem("ldap://ldap.example.com/dc=example,dc=com?mail")).toContain("more than a host and port");
    expect(ldapUrlProblem("ldap://ldap.example.com:99999")).toContain("is not a URL");
  });
});

describe("ldapFilterProblem", () => {
  it("takes RFC 4515 filters", () => {
    expect(ldapFilterProblem("(&(objectClass=inetOrgPerson)(uid=%u))")).toBeUndefined();
    expect(ldapFilterProblem("(|(mail=%u)(uid=%u))")).toBeUndefined();
  });
  it("refuses filters a directory would refuse", () => {
    expect(ldapFilterProblem("uid=%u")).toBe("an LDAP filter is enclosed in parentheses");
    expect(ldapFilterProblem("(&(uid=%u)")).toBe("the filter's parentheses are not balanced");
    expect(ldapFilterProblem("(uid=%u)(mail=%u)")).toBe("the filter's parentheses close before its end");
  });
});

describe("filling in the login", () => {
  it("escapes what would widen a filter", () => {
    expect(fillFilterTemplate("(uid=%u)", "*")).toBe("(uid=\\2a)");
    expect(fillFilterTemplate("(uid=%u)", "*)(uid=carol")).toBe("(uid=\\2a\\29\\28uid=carol)");
    expect(fillFilterTemplate("(uid=%u)", "\\63arol")).toBe("(uid=\\5c63arol)");
  });
  it("escapes what would add an RDN or leave the DN's value", () => {
    expect(fillDnTemplate("uid=%u,ou=people,dc=example,dc=com", "carol,ou=admins")).toBe("uid=carol\\2cou\\3dadmins,ou=people,dc=example,dc=com");
    expect(escapeDnValue("a+cn=b")).toBe("a\\2bcn\\3db");
    expect(escapeDnValue(" #x ")).toBe("\\20#x\\20");
    expect(escapeDnValue("#x")).toBe("\\23x");
  });
});
