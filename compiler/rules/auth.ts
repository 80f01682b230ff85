// `auth users "FILE"`: who checks the passwords of SMTP AUTH (RFC 4954). Every `auth` form is a
// login source and a policy has one: a second `auth` rule of any form is a conflict.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { childrenOf, part, string } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import { type KindFacts, type Lowering, type Printing, quote, type RuleModule, type RuleNode } from "./ruleModule.js";
import type { LoginSource } from "../../graph/graph.js";
import { resolvePolicyPath } from "../checkFiles.js";
import type { CheckedPolicy } from "../checkedPolicy.js";

/** A login source as checked, before lowering: one member per `auth` form. */
export type CheckedLoginSource = { kind: "usersFile"; path: Located };

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
function loginSourceFacts<R extends RuleNode>(name: string, source: (rule: R) => CheckedLoginSource): KindFacts<R> {
  return {
    name,
    once: true,
    key: () => "auth",
    check: (rule, context) => {
      context.policy.logins = { value: source(rule), rule: rule.span };
    },
  };
}

export const authRule: RuleModule<AuthUsersRule> = {
  summary: "who checks the passwords of AUTH: the users file (one `LOGIN:HASH` line per login)",
  grammar: {
    verb: K.auth,
    keywords: Object.values(K),
    productions: [
      {
        name: "authRule",
        body: ($) => {
          $.CONSUME(K.auth);
          $.OR([{ ALT: () => $.SUBRULE($.production("authUsers")) }]);
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
    ],
  },
  build: (c, base) => {
    const users = part(c, "authUsers");
    const path = users && string(childrenOf(users));
    return path && { kind: "authUsers", ...base, path };
  },
  kinds: {
    authUsers: loginSourceFacts("auth users", (rule) => ({ kind: "usersFile", path: rule.path })),
  },
};

export function lowerLogins(logins: NonNullable<CheckedPolicy["logins"]>, at: Lowering): LoginSource {
  const source = logins.value;
  switch (source.kind) {
    case "usersFile":
      return { kind: "usersFile", path: resolvePolicyPath(at.file, source.path.value), origin: at.origin(logins.rule) };
  }
}

export function printLogins(logins: LoginSource, at: Printing): string {
  switch (logins.kind) {
    case "usersFile":
      return `auth users ${quote(at.path(logins.path))}`;
  }
}
