// `copy to ADDRESS, ...`: every accepted message also goes to these addresses (an archive), as
// Postfix's always_bcc: in the envelope only, never in the header, and with NOTIFY=NEVER (RFC 3461)
// so a failing archive never sends the author a bounce about a recipient they did not write.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { list } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import type { RuleModule } from "./ruleModule.js";
import type { RuleGraph } from "../../graph/graph.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    copyTo?: From<string[]>;
  }
}

/** The words this rule is written with. */
const K = keywords("copy", "to");

export interface CopyRule extends RuleBase {
  kind: "copy";
  addresses: Located[];
}

export const copyRule: RuleModule<CopyRule> = {
  summary: "addresses every accepted message is also delivered to, in the envelope only (an archive)",
  grammar: {
    verb: K.copy,
    keywords: Object.values(K),
    productions: [
      {
        // copy to archive@example.com
        name: "copyRule",
        body: ($) => {
          $.CONSUME(K.copy);
          $.CONSUME(K.to);
          $.SUBRULE($.nameList, { LABEL: "addresses" });
        },
      },
    ],
  },
  build: (c, base) => {
    const addresses = list(c, "addresses");
    return addresses.length > 0 ? { kind: "copy", ...base, addresses } : undefined;
  },
  kinds: {
    copy: {
      name: "copy to",
      once: true,
      check: (rule, context) => {
        const addresses = rule.addresses.map((a) => context.normalizePolicyAddress(a));
        if (addresses.every((a) => a !== undefined)) context.policy.copyTo = { value: [...new Set(addresses as string[])], rule: rule.span };
      },
    },
  },
  graph: (policy, at) => (policy.copyTo ? { copyTo: { addresses: policy.copyTo.value, origin: at.origin(policy.copyTo.rule) } } : {}),
  printGraph: (graph: RuleGraph) => (graph.copyTo ? [{ text: `copy to ${graph.copyTo.addresses.join(", ")}`, origin: graph.copyTo.origin }] : []),
};
