// `workers N | auto`: how many processes share the listeners.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { located, token } from "../../grammar/cstReader.js";
import { keywords, Name, NumberLiteral } from "../../grammar/lexer.js";
import type { RuleModule } from "./ruleModule.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    workers?: From<number | "auto">;
  }
}

/** The words this rule is written with. */
const K = keywords("workers");

export interface WorkersRule extends RuleBase {
  kind: "workers";
  count: Located;
}

export const workersRule: RuleModule<WorkersRule> = {
  summary: "how many worker processes serve the listeners",
  grammar: {
    verb: K.workers,
    keywords: Object.values(K),
    productions: [
      {
        // workers 4 | workers auto
        name: "workersRule",
        body: ($) => {
          $.CONSUME(K.workers);
          $.OR([{ ALT: () => $.CONSUME(NumberLiteral) }, { ALT: () => $.CONSUME(Name) }]);
        },
      },
    ],
  },
  build: (c, base) => {
    const count = token(c, "NumberLiteral") ?? token(c, "Name");
    return count && { kind: "workers", ...base, count: located(count) };
  },
  kinds: {
    workers: {
      name: "workers",
      once: true,
      check: (rule, context) => {
        if (rule.count.value === "auto") {
          context.policy.workers = { value: "auto", rule: rule.span };
          return;
        }
        if (!/^\d+$/.test(rule.count.value)) return context.unknown(rule.count, "`workers`", ["auto"], "a number or `auto`");
        const count = context.positive(rule.count);
        if (count !== undefined) context.policy.workers = { value: count, rule: rule.span };
      },
    },
  },
  values: { workersRule: { words: ["auto"], kind: "value", detail: "one worker per CPU" } },
};

export function printWorkers(workers: number | "auto"): string {
  return `workers ${workers}`;
}
