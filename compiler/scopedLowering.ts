// Lowering the rules written `for` some logins or in `on` blocks (compiler/ruleScope.ts): each
// one's nodes carry whom they are for, and a rule that says one value (`limit size 10MB for bob`)
// takes its logins or listeners away from the less specific rules of its kind: login before
// group, group before listener, listener before everyone.
import type { Observable, RateRuleNode, RuleOrigin } from "../graph/graph.js";
import type { CheckedPolicy, ScopedRule } from "./checkedPolicy.js";
import { RULE_MODULES } from "./rules/index.js";
import { lowerRate } from "./rules/limit.js";
import type { Lowering, RuleModule, RuleNode, StageNodes } from "./rules/ruleModule.js";

type Node = { kind: string; origin: RuleOrigin } & Observable;

/** What a less specific rule yields to: the kind (or rate) and the logins or listeners of a more specific one. */
interface Override {
  key: string;
  logins: readonly string[];
  byLogin: boolean;
  listeners?: readonly string[];
  /** The policy line of the more specific rule, which a trace of the yielding node names. */
  line: number;
}

type Specificity = "everyone" | "listener" | "group";

const rateKey = (rate: RateRuleNode) => `rate ${rate.unit} per ${rate.per}`;

/**
 * The stage nodes and rates of the scoped rules, with `for` set; `general` (the nodes of the
 * rules for everyone) and `rates` get `notFor` where a scoped rule decides for some logins instead.
 */
export function lowerScoped(policy: CheckedPolicy, at: Lowering, general: readonly StageNodes[], rates: readonly RateRuleNode[]): { given: StageNodes[]; rates: RateRuleNode[] } {
  const overrides: Override[] = [];
  const scopedNodes: { node: Node; rule: ScopedRule }[] = [];
  const given = policy.scoped.map((rule): StageNodes => {
    const scope = rule.listeners ? { on: rule.listeners } : { for: { names: rule.names, logins: rule.logins } };
    const override = (key: string): Override => ({
      key,
      logins: rule.logins,
      byLogin: rule.byLogin,
      ...(rule.listeners ? { listeners: rule.listeners } : {}),
      line: at.origin(rule.rule).line,
    });
    if (rule.lifts) overrides.push(override(rule.lifts));
    // One copy per node: the same node may stand in two stages (`limit size` at MAIL and after DATA).
    const copies = new Map<Node, Node>();
    const mark = <N extends Node>(nodes: readonly N[] | undefined): N[] =>
      (nodes ?? [])
        .filter((node) => node.origin.line > 0) // the defaults are the main policy's
        .map((node) => {
          let copy = copies.get(node);
          if (!copy) {
            copy = { ...node, ...scope };
            copies.set(node, copy);
            scopedNodes.push({ node: copy, rule });
            if (rule.overrides) overrides.push(override(node.kind));
          }
          return copy as N;
        });
    const stages = RULE_MODULES.map((module) => (module as RuleModule<RuleNode>).stages?.(rule.policy, at) ?? {});
    return {
      auth: stages.flatMap((s) => mark(s.auth)),
      mail: stages.flatMap((s) => mark(s.mail)),
      rcpt: stages.flatMap((s) => mark(s.rcpt)),
      message: stages.flatMap((s) => mark(s.message)),
    };
  });
  // A rate for some logins replaces the rates for everyone that count the same unit per the same subject.
  const scopedRates = policy.scoped.flatMap((rule) =>
    rule.policy.rates.map((rate) => {
      const scope = rule.listeners ? { on: rule.listeners } : { for: { names: rule.names, logins: rule.logins } };
      const node: RateRuleNode = { ...lowerRate(rate, at), ...scope };
      // An observed rate counts beside the enforced ones; it replaces none of them.
      if (!node.observe)
        overrides.push({ key: rateKey(node), logins: rule.logins, byLogin: rule.byLogin, ...(rule.listeners ? { listeners: rule.listeners } : {}), line: node.origin.line });
      return { node, rule };
    }),
  );

  // A node yields to the rules of its key for logins (all of them, or only those by login for a
  // group's rule) and, for everyone's rules, to the rules for listeners.
  const yieldTo = (node: Observable, key: string, specificThan: Specificity) => {
    const ofKey = overrides.filter((o) => o.key === key);
    const logins = ofKey.filter((o) => !o.listeners && (specificThan !== "group" || o.byLogin)).flatMap((o) => o.logins);
    if (logins.length > 0) node.notFor = [...new Set(logins)].sort();
    if (specificThan !== "everyone") return;
    // Each listener with the line of the rule that decides for it instead (the checker refuses two).
    const notOn = ofKey.flatMap((o) => (o.listeners ?? []).map((listener) => [listener, o.line] as const)).sort(([a], [b]) => a.localeCompare(b));
    if (notOn.length > 0) node.notOn = Object.fromEntries(notOn);
  };
  const specificity = (rule: ScopedRule): Specificity | undefined => (rule.listeners ? "listener" : rule.byLogin ? undefined : "group");
  for (const stages of general)
    for (const node of [...(stages.auth ?? []), ...(stages.mail ?? []), ...(stages.rcpt ?? []), ...(stages.message ?? [])] as Node[]) yieldTo(node, node.kind, "everyone");
  for (const rate of rates) yieldTo(rate, rateKey(rate), "everyone");
  for (const { node, rule } of scopedNodes) {
    const level = specificity(rule);
    if (rule.overrides && level) yieldTo(node, node.kind, level);
  }
  for (const { node, rule } of scopedRates) {
    const level = specificity(rule);
    if (level) yieldTo(node, rateKey(node), level);
  }
  return { given, rates: scopedRates.map((r) => r.node) };
}
