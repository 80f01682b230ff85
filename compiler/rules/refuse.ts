// `refuse header NAME, ...`: a message carrying any of the named header fields is refused
// (550 5.7.1), as Postfix's header_checks REJECT does, for fields a site will not pass on
// (an internal X-Classification, a client's Return-Path). Can be observed.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { list } from "../../grammar/cstReader.js";
import { keywords } from "../../grammar/lexer.js";
import type { RefuseHeaderNode } from "../../graph/graph.js";
import type { CheckedPolicy } from "../checkedPolicy.js";
import { type Lowering, observed, replied, observeOf, type RuleModule } from "./ruleModule.js";
import { Replies } from "../../graph/replies.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    refuseHeaders?: (From<string[]> & Observable)[];
  }
}

/** The words this rule is written with. */
const K = keywords("refuse", "header");

export interface RefuseHeaderRule extends RuleBase {
  kind: "refuseHeader";
  names: Located[];
}

export const refuseRule: RuleModule<RefuseHeaderRule> = {
  summary: "messages carrying any of these header fields are refused",
  grammar: {
    verb: K.refuse,
    keywords: Object.values(K),
    productions: [
      {
        // refuse header X-Classification, Return-Path
        name: "refuseRule",
        body: ($) => {
          $.CONSUME(K.refuse);
          $.CONSUME(K.header);
          $.SUBRULE($.nameList);
        },
      },
    ],
  },
  build: (c, base) => {
    const names = list(c);
    return names.length > 0 ? { kind: "refuseHeader", ...base, names } : undefined;
  },
  kinds: {
    refuseHeader: {
      name: "refuse header",
      refuses: Replies.headerRefused,
      check: (rule, context, observe) => {
        const names = context.headerFieldNames(rule.names);
        if (names.length === rule.names.length) (context.policy.refuseHeaders ??= []).push({ value: names.map((n) => n.value), rule: rule.span, ...observe });
      },
    },
  },
  printers: {
    RefuseHeader: (node) => `${observed(node)}refuse header ${node.names.join(", ")}${replied(node)}`,
  },
  stages: (policy, at) => ({ message: (policy.refuseHeaders ?? []).map((refusal) => lowerRefuseHeader(refusal, at)) }),
};

function lowerRefuseHeader(refusal: NonNullable<CheckedPolicy["refuseHeaders"]>[number], at: Lowering): RefuseHeaderNode {
  return { kind: "RefuseHeader", origin: at.origin(refusal.rule), ...observeOf(refusal), names: refusal.value };
}
