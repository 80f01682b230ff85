// `auth users "FILE"` or `auth sql "URL" ...`: who checks the passwords of SMTP AUTH (RFC 4954).
// Every `auth` form is a login source and a policy has one: a second `auth` rule of any form is a
// conflict. The longer checks of a form live in compiler/logins/.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { childrenOf, located, part, string, token } from "../../grammar/cstReader.js";
import { Duration, keywords, NumberLiteral, Url } from "../../grammar/lexer.js";
import { type KindFacts, type Lowering, type Printing, quote, type RuleModule, type RuleNode } from "./ruleModule.js";
import type { LoginSource } from "../../graph/graph.js";
import type { CheckContext } from "../checkContext.js";
import { resolvePolicyPath } from "../checkFiles.js";
import type { CheckedPolicy } from "../checkedPolicy.js";
import { type CheckedSqlLogins, checkSqlLogins, lowerSqlLogins, printSqlLogins, type SqlLoginsWritten } from "../logins/sqlLogins.js";
import { sendersStages } from "./senders.js";

/** A login source as checked, before lowering: one member per `auth` form. */
export type CheckedLoginSource = { kind: "usersFile"; path: Located } | ({ kind: "sql" } & CheckedSqlLogins);

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    logins?: From<CheckedLoginSource>;
  }
}

/** The words this rule is written with. */
const K = keywords("auth", "users", "sql", "password", "query", "senders", "pool", "timeout");

export interface AuthUsersRule extends RuleBase {
  kind: "authUsers";
  path: Located;
}

export interface AuthSqlRule extends RuleBase, SqlLoginsWritten {
  kind: "authSql";
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

export const authRule: RuleModule<AuthUsersRule | AuthSqlRule> = {
  summary: "who checks the passwords of AUTH: the users file (one `LOGIN:HASH` line per login) or PostgreSQL queries",
  grammar: {
    verb: K.auth,
    keywords: Object.values(K),
    productions: [
      {
        name: "authRule",
        body: ($) => {
          $.CONSUME(K.auth);
          $.OR([{ ALT: () => $.SUBRULE($.production("authUsers")) }, { ALT: () => $.SUBRULE($.production("authSql")) }]);
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
        // auth sql "postgresql://msa@db:5432/mail" [password "FILE"] password query "SQL" [senders query "SQL"] [pool N] [timeout D]
        name: "authSql",
        body: ($) => {
          $.CONSUME(K.sql);
          $.OR([{ ALT: () => $.SUBRULE($.stringValue, { LABEL: "url" }) }, { ALT: () => $.CONSUME(Url) }]);
          $.OPTION(() => $.SUBRULE($.production("sqlPasswordFile")));
          $.CONSUME(K.password);
          $.CONSUME(K.query);
          $.SUBRULE2($.stringValue, { LABEL: "passwordQuery" });
          $.OPTION2(() => {
            $.CONSUME(K.senders);
            $.CONSUME2(K.query);
            $.SUBRULE3($.stringValue, { LABEL: "sendersQuery" });
          });
          $.SUBRULE($.production("sqlPool"));
        },
      },
      {
        // password "FILE": the database password, on the file's first line
        name: "sqlPasswordFile",
        body: ($) => {
          $.CONSUME(K.password);
          $.SUBRULE($.stringValue);
        },
      },
      {
        // [pool N] [timeout DURATION]
        name: "sqlPool",
        body: ($) => {
          $.OPTION(() => {
            $.CONSUME(K.pool);
            $.CONSUME(NumberLiteral);
          });
          $.OPTION2(() => {
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
    const sql = part(c, "authSql");
    if (!sql) return undefined;
    const s = childrenOf(sql);
    const urlToken = token(s, "Url");
    const url = urlToken ? located(urlToken) : string(s, "url");
    const passwordQuery = string(s, "passwordQuery");
    if (!url || !passwordQuery) return undefined;
    const inPart = (name: string) => {
      const found = part(s, name);
      return found ? childrenOf(found) : {};
    };
    const passwordFile = string(inPart("sqlPasswordFile"));
    const sendersQuery = string(s, "sendersQuery");
    const pool = token(inPart("sqlPool"), "NumberLiteral");
    const timeout = token(inPart("sqlPool"), "Duration");
    return {
      kind: "authSql",
      ...base,
      url,
      passwordQuery,
      ...(passwordFile ? { passwordFile } : {}),
      ...(sendersQuery ? { sendersQuery } : {}),
      ...(pool ? { pool: located(pool) } : {}),
      ...(timeout ? { timeout: located(timeout) } : {}),
    };
  },
  kinds: {
    authUsers: loginSourceFacts("auth users", (rule) => ({ kind: "usersFile", path: rule.path })),
    authSql: loginSourceFacts("auth sql", (rule, context) => ({ kind: "sql", ...checkSqlLogins(rule, context) })),
  },
  // Addresses from a senders query are submission rights even without a `senders` rule; refusals then name the `auth sql` line.
  stages: (policy, at) => {
    const logins = policy.logins;
    if (policy.senders || logins?.value.kind !== "sql" || logins.value.sendersQuery === undefined) return {};
    return sendersStages({ value: new Map(), rule: logins.rule, logins: [] }, policy, at);
  },
};

export function lowerLogins(logins: NonNullable<CheckedPolicy["logins"]>, at: Lowering): LoginSource {
  const source = logins.value;
  switch (source.kind) {
    case "usersFile":
      return { kind: "usersFile", path: resolvePolicyPath(at.file, source.path.value), origin: at.origin(logins.rule) };
    case "sql":
      return lowerSqlLogins(source, at.origin(logins.rule), (path) => resolvePolicyPath(at.file, path));
  }
}

export function printLogins(logins: LoginSource, at: Printing): string {
  switch (logins.kind) {
    case "usersFile":
      return `auth users ${quote(at.path(logins.path))}`;
    case "sql":
      return printSqlLogins(logins, (path) => at.path(path));
  }
}
