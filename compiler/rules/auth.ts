// `auth users "FILE"`: the logins and their password hashes (bcrypt or argon2id),
// for SMTP AUTH (RFC 4954).
import type { Located, RuleBase } from "../../grammar/ast.js";
import { string } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import { type Lowering, type Printing, quote, type RuleModule } from "./ruleModule.js";
import type { RuleGraph } from "../../graph/graph.js";
import { resolvePolicyPath } from "../checkFiles.js";
import type { CheckedPolicy } from "../checkedPolicy.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    users?: From<Located>;
  }
}

/** The words this rule is written with. */
const K = keywords("auth", "users");

export interface AuthUsersRule extends RuleBase {
  kind: "authUsers";
  path: Located;
}

export const authRule: RuleModule<AuthUsersRule> = {
  summary: "the users file: one `LOGIN:HASH` line per login",
  grammar: {
    verb: K.auth,
    keywords: Object.values(K),
    // auth users "users.passwd"
    productions: [
      {
        name: "authRule",
        body: ($) => {
          $.CONSUME(K.auth);
          $.CONSUME(K.users);
          $.SUBRULE($.stringValue);
        },
      },
    ],
  },
  build: (c, base) => {
    const path = string(c);
    return path && { kind: "authUsers", ...base, path };
  },
  kinds: {
    authUsers: {
      name: "auth users",
      once: true,
      check: (rule, context) => {
        context.policy.users = { value: rule.path, rule: rule.span };
      },
    },
  },
};

export function lowerUsers(users: NonNullable<CheckedPolicy["users"]>, at: Lowering): NonNullable<RuleGraph["users"]> {
  return { path: resolvePolicyPath(at.file, users.value.value), origin: at.origin(users.rule) };
}

export function printUsers(users: NonNullable<RuleGraph["users"]>, at: Printing): string {
  return `auth users ${quote(at.path(users.path))}`;
}
