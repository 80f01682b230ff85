// `groups from "FOLDER"`: a group for each file of a folder, named as the file, one login per line
// (the format of `group NAME from "FILE"`), for a site whose groups another system writes out.
// The folder is read with the policy's other files (compiler/checkFiles.ts).
import type { Located, RuleBase } from "../../grammar/ast.js";
import { string } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import type { RuleModule } from "./ruleModule.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    groupFolder?: From<Located>;
  }
}

/** The words this rule is written with. */
const K = keywords("groups", "from");

export interface GroupsRule extends RuleBase {
  kind: "groups";
  folder: Located;
}

export const groupsRule: RuleModule<GroupsRule> = {
  summary: "a group for each file of a folder, named as the file, which `for` may use",
  grammar: {
    verb: K.groups,
    keywords: Object.values(K),
    productions: [
      {
        // groups from FOLDER
        name: "groupsRule",
        body: ($) => {
          $.CONSUME(K.groups);
          $.CONSUME(K.from);
          $.SUBRULE($.stringValue);
        },
      },
    ],
  },
  build: (c, base) => {
    const folder = string(c);
    return folder && { kind: "groups", ...base, folder };
  },
  kinds: {
    groups: {
      name: "groups from",
      once: true,
      check: (rule, context) => {
        context.policy.groupFolder = { value: rule.folder, rule: rule.span };
      },
    },
  },
};
