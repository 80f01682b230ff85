// `auth users "FILE"` or `auth ldap URL { ... }`: who checks the passwords of SMTP AUTH (RFC 4954).
// Every `auth` form is a login source and a policy has one: a second `auth` rule of any form is a
// conflict. The LDAP form's grammar, checks and lowering are compiler/logins/ldapLogins.ts.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { childrenOf, part, string } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import { type KindFacts, type Lowering, type Printing, quote, type RuleModule, type RuleNode } from "./ruleModule.js";
import type { LoginSource } from "../../graph/graph.js";
import { resolvePolicyPath } from "../checkFiles.js";
import { type AuthLdapRule, buildLdap, type CheckedLdap, checkLdap, LDAP_KEYWORDS, LDAP_PRODUCTIONS, ldapAlternative, lowerLdap, printLdap } from "../logins/ldapLogins.js";
import type { CheckedPolicy } from "../checkedPolicy.js";
import type { CheckContext } from "../checkContext.js";

/** A login source as checked, before lowering: one member per `auth` form. */
export type CheckedLoginSource = { kind: "usersFile"; path: Located } | ({ kind: "ldap" } & CheckedLdap);

/** Whether the source gives each login the addresses it may send as (then it is a table of submission rights too). */
export function givesAddresses(source: CheckedLoginSource): boolean {
  return source.kind === "ldap";
}

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    logins?: From<CheckedLoginSource>;
  }
}

/** The words this rule is written with. */
const K = keywords("auth", "users");

export interface AuthUsersRule extends RuleBase {
  kind: "authUsers";
  path: Located;
}

/** What every `auth` form shares: one login source per policy, whatever its form. */
function loginSourceFacts<R extends RuleNode>(name: string, source: (rule: R, context: CheckContext) => CheckedLoginSource): KindFacts<R> {
  return {
    name,
    once: true,
    key: () => "auth",
    check: (rule, context) => {
      context.policy.logins = { value: source(rule, context), rule: rule.span };
    },
  };
}

export const authRule: RuleModule<AuthUsersRule | AuthLdapRule> = {
  summary: "who checks the passwords of AUTH: the users file (one `LOGIN:HASH` line per login), or an LDAP directory",
  grammar: {
    verb: K.auth,
    keywords: [...Object.values(K), ...Object.values(LDAP_KEYWORDS)],
    productions: [
      {
        name: "authRule",
        body: ($) => {
          $.CONSUME(K.auth);
          $.OR([{ ALT: () => $.SUBRULE($.production("authUsers")) }, { ALT: () => $.SUBRULE($.production("authLdap")) }]);
        },
      },
      {
        // auth users "users.passwd"
        name: "authUsers",
        body: ($) => {
          $.CONSUME(K.users);
          $.SUBRULE($.stringValue);
        },
      },
      // auth ldap "ldaps://ldap.example.com" { bind "uid=%u,ou=people,dc=example,dc=com" }
      { name: "authLdap", body: ldapAlternative },
      ...LDAP_PRODUCTIONS,
    ],
  },
  build: (c, base) => {
    const ldap = part(c, "authLdap");
    if (ldap) return buildLdap(childrenOf(ldap), base);
    const users = part(c, "authUsers");
    const path = users && string(childrenOf(users));
    return path && { kind: "authUsers", ...base, path };
  },
  kinds: {
    authUsers: loginSourceFacts("auth users", (rule) => ({ kind: "usersFile", path: rule.path })),
    authLdap: loginSourceFacts("auth ldap", (rule: AuthLdapRule, context) => ({ kind: "ldap", ...checkLdap(rule, context) })),
  },
};

export function lowerLogins(logins: NonNullable<CheckedPolicy["logins"]>, at: Lowering): LoginSource {
  const source = logins.value;
  switch (source.kind) {
    case "usersFile":
      return { kind: "usersFile", path: resolvePolicyPath(at.file, source.path.value), origin: at.origin(logins.rule) };
    case "ldap":
      return lowerLdap(source, at.file, at.origin(logins.rule));
  }
}

export function printLogins(logins: LoginSource, at: Printing): string {
  switch (logins.kind) {
    case "usersFile":
      return `auth users ${quote(at.path(logins.path))}`;
    case "ldap":
      return printLdap(logins, at);
  }
}
