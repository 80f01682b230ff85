// `auth users "FILE"`, `auth dovecot "SOCKET"`: who checks the passwords of SMTP AUTH (RFC 4954).
// Every `auth` form is a login source and a policy has one: a second `auth` rule of any form is a conflict.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { childrenOf, located, part, string, token } from "../../grammar/cstReader.js";
import { Duration, keywords } from "../../grammar/lexer.js";
import { type KindFacts, type Lowering, type Printing, quote, type RuleModule, type RuleNode } from "./ruleModule.js";
import type { LoginSource } from "../../graph/graph.js";
import { resolvePolicyPath } from "../checkFiles.js";
import type { CheckedPolicy } from "../checkedPolicy.js";
import type { CheckContext } from "../checkContext.js";
import { type CheckedDovecotLogins, checkDovecotLogins, lowerDovecotLogins, printDovecotLogins } from "../logins/dovecotLogins.js";

/** A login source as checked, before lowering: one member per `auth` form. */
export type CheckedLoginSource = { kind: "usersFile"; path: Located } | CheckedDovecotLogins;

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    logins?: From<CheckedLoginSource>;
  }
}

/** The words this rule is written with. */
const K = keywords("auth", "users", "dovecot", "timeout");

export interface AuthUsersRule extends RuleBase {
  kind: "authUsers";
  path: Located;
}

export interface AuthDovecotRule extends RuleBase {
  kind: "authDovecot";
  socket: Located;
  timeout?: Located;
}

type AuthRule = AuthUsersRule | AuthDovecotRule;

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

export const authRule: RuleModule<AuthRule> = {
  summary: "who checks the passwords of AUTH: the users file (one `LOGIN:HASH` line per login) or Dovecot's auth service",
  grammar: {
    verb: K.auth,
    keywords: Object.values(K),
    productions: [
      {
        name: "authRule",
        body: ($) => {
          $.CONSUME(K.auth);
          $.OR([{ ALT: () => $.SUBRULE($.production("authUsers")) }, { ALT: () => $.SUBRULE($.production("authDovecot")) }]);
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
      {
        // auth dovecot "/run/dovecot/auth-client" | auth dovecot "inet:127.0.0.1:12345" timeout 5s
        name: "authDovecot",
        body: ($) => {
          $.CONSUME(K.dovecot);
          $.SUBRULE($.stringValue);
          $.OPTION(() => {
            $.CONSUME(K.timeout);
            $.CONSUME(Duration);
          });
        },
      },
    ],
  },
  build: (c, base) => {
    const users = part(c, "authUsers");
    if (users) {
      const path = string(childrenOf(users));
      return path && { kind: "authUsers", ...base, path };
    }
    const dovecot = part(c, "authDovecot");
    if (!dovecot) return undefined;
    const socket = string(childrenOf(dovecot));
    const duration = token(childrenOf(dovecot), "Duration");
    return socket && { kind: "authDovecot", ...base, socket, ...(duration ? { timeout: located(duration) } : {}) };
  },
  kinds: {
    authUsers: loginSourceFacts("auth users", (rule) => ({ kind: "usersFile", path: rule.path })),
    authDovecot: loginSourceFacts("auth dovecot", (rule, context) => checkDovecotLogins(rule.socket, rule.timeout, context)),
  },
};

export function lowerLogins(logins: NonNullable<CheckedPolicy["logins"]>, at: Lowering): LoginSource {
  const source = logins.value;
  switch (source.kind) {
    case "usersFile":
      return { kind: "usersFile", path: resolvePolicyPath(at.file, source.path.value), origin: at.origin(logins.rule) };
    case "dovecot":
      return lowerDovecotLogins(source, at, logins.rule);
  }
}

export function printLogins(logins: LoginSource, at: Printing): string {
  switch (logins.kind) {
    case "usersFile":
      return `auth users ${quote(at.path(logins.path))}`;
    case "dovecot":
      return printDovecotLogins(logins, at);
  }
}
