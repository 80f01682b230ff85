// The checker's output: only values that passed, each with the span of the rule
// it came from. Lowering (lower.ts) reads nothing else; files the policy names
// are read by checkFiles.ts from the same value.
import type { Span } from "../grammar/ast.js";
import type { RuleKind } from "./rules/index.js";

/** A checked value, with the rule (its span) it came from. */
export interface From<T> {
  value: T;
  rule: Span;
}

/**
 * A checked rule that refuses something: written with `observe`, it logs what it would refuse and
 * refuses nothing; written with `with "TEXT"`, its refusal says TEXT.
 */
export interface Observable {
  observe?: true;
  replyText?: string;
}

/** A rule that is on or off (it has no value): where it was written, and whether it is observed. */
export interface Switch extends Observable {
  rule: Span;
}

/**
 * The checked policy. Each rule module declares the fields its check records
 * (`declare module "../checkedPolicy.js"` in compiler/rules/), so a rule's value
 * is written down beside its check; only what belongs to no rule is here. Inside
 * such a block `From`, `Observable` and `Switch` are this module's own, so a
 * module does not import them for it.
 */
export interface CheckedPolicy {
  /** Every kind of rule the policy wrote, valid or not (lints about absent rules look here). */
  written: ReadonlySet<RuleKind>;
  /** The rules written `for` some logins, each checked into a policy of its own. */
  scoped: ScopedRule[];
}

/**
 * A refusing rule written `for NAMES` or in an `on LISTENERS { }` block: whom it applies to, and
 * the rule as its own checked policy.
 */
export interface ScopedRule {
  /** The names as written (logins and groups) and the logins they stand for; empty in an `on` block. */
  names: string[];
  logins: string[];
  /** In an `on` block: the keys of the listeners it judges (graph/graph.ts listenerKey). */
  listeners?: string[];
  /** In an `on` block: the node kind it turns off for those listeners (`allow unauthenticated`). */
  lifts?: string;
  /** Every name is a login (not a group): such a rule is more specific than one for a group. */
  byLogin: boolean;
  /** The rule says one value for its logins (`limit size`), so it replaces the less specific rules of its kind for them. */
  overrides: boolean;
  rule: Span;
  policy: CheckedPolicy;
}
