// `aliases "FILE"`: recipient aliases expanded at RCPT, in the format of
// aliases(5).
import type { Located, RuleBase } from "../../grammar/ast.js";
import { string } from "../../grammar/cstReader.js";
import { Keywords as K } from "../../grammar/lexer.js";
import type { RuleModule } from "./ruleModule.js";

export interface AliasesRule extends RuleBase {
  kind: "aliases";
  path: Located;
}

export const aliasesRule: RuleModule<AliasesRule> = {
  summary: "the aliases file recipients are expanded with",
  grammar: {
    verb: K.aliases,
    productions: [
      {
        // aliases "aliases"
        name: "aliasesRule",
        body: ($) => {
          $.CONSUME(K.aliases);
          $.SUBRULE($.stringValue);
        },
      },
    ],
  },
  build: (c, base) => {
    const path = string(c);
    return path && { kind: "aliases", ...base, path };
  },
  kinds: {
    aliases: {
      name: "aliases",
      once: true,
      check: (rule, context) => {
        context.policy.aliases = { value: rule.path, rule: rule.span };
      },
    },
  },
};
