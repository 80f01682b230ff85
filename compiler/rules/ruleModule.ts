// What a rule module holds: everything about one rule (or one verb's family of
// forms) but its runtime handler. Its grammar fragment, the syntax-tree node it
// builds, its check, how it is named in diagnostics and whether it may be
// observed, the nodes it puts into the session's stages; the lowering of the
// graph's other fields and the printing are functions the module exports beside
// it. The runtime never sees a module, only the graph nodes.
import type { RuleBase, RuleBuilder, Span } from "../../grammar/ast.js";
import type { RuleGrammar } from "../../grammar/grammarDsl.js";
import type { Reply } from "../../graph/replies.js";
import type { RuleGraph } from "../../graph/graph.js";
import type { AuthNode, CheckHeaderSyntaxNode, MailNode, MessageNode, RcptNode, RefuseBareLineEndingsNode, RefuseUnqualifiedNode, RuleOrigin } from "../../graph/graph.js";
import type { CheckContext } from "../checkContext.js";
import type { CheckedPolicy, Observable } from "../checkedPolicy.js";

/** A rule's syntax-tree node: its kind and spans, then its values. */
export type RuleNode = RuleBase & { kind: string };

/** What the checker knows of one kind of rule. */
export interface KindFacts<R extends RuleNode> {
  /** How diagnostics name the rule. */
  name: string | ((rule: R) => string);
  /** At most one such rule: a second one is MSA2001 when it says the same, MSA2002 when it says something else. */
  once?: true;
  /** Rules of this kind may repeat, but two with the same key are one rule written twice (`require tls`). */
  key?: (rule: R) => string;
  /**
   * The rule refuses something, with this reply: `observe` may stand in front of it, and
   * `with [CODE] "TEXT"` after it sets the text (a code written there must be this one's).
   */
  refuses?: Reply | ((rule: R) => Reply);
  /** The rule judges a session before it has a login (`require auth`), so it cannot be `for` some logins. */
  beforeLogin?: (rule: R) => boolean;
  /**
   * The node kind the rule turns off where it applies: in an `on` block, `allow unauthenticated`
   * lifts `require auth` for that listener.
   */
  lifts?: (rule: R) => string | undefined;
  /** The rule refuses only as part of another rule, whose `observe` covers it (`senders` for `enforce senders in headers`). */
  observedWith?: string;
  /** Checks one rule and records what passed in `context.policy`; `observe` goes into that value. */
  check: (rule: R, context: CheckContext, observe: Observable) => void;
}

/** Words completion offers where a rule takes an open name. */
export interface CompletionValues {
  words: readonly string[];
  kind: "header" | "value";
  detail: string;
}

export interface RuleModule<R extends RuleNode> {
  /** The rule in one line, for documentation and the editor. */
  summary: string;
  grammar: RuleGrammar;
  /** Builds the syntax-tree node from the CST of the grammar's first production. */
  build: RuleBuilder<R>;
  kinds: { [K in R["kind"]]: KindFacts<Extract<R, { kind: K }>> };
  /** Known values of the open names the rule takes, by production name. */
  values?: Readonly<Record<string, CompletionValues>>;
  /**
   * Printers of the stage nodes the rule lowers to, by node kind, for the effective policy
   * (`msac print`): a node that tooling/print/print.ts does not lay out itself is printed
   * with these, after the rules it lays out.
   */
  printers?: { [K in StageNode["kind"]]?: (node: Extract<StageNode, { kind: K }>, at: Printing) => string };
  /**
   * The nodes the rule puts into each stage, from the checked policy (which other rules'
   * values it may read). Their order is not the module's to choose: lower.ts sorts every
   * stage by graph/graph.ts's STAGE_ORDER.
   */
  stages?: (policy: CheckedPolicy, at: Lowering) => StageNodes;
  /** The optional fields of the graph the rule sets (those that are no stage node), from the checked policy. */
  graph?: (policy: CheckedPolicy, at: Lowering) => Partial<RuleGraph>;
  /** The rule as `msac print` writes it back from those fields (nothing when the graph has none of them). */
  printGraph?: (graph: RuleGraph, at: Printing) => { text: string; origin: RuleOrigin }[];
}

/** A rule's nodes, by stage. */
export interface StageNodes {
  auth?: AuthNode[];
  mail?: MailNode[];
  rcpt?: RcptNode[];
  message?: MessageNode[];
}

/** A node of the envelope or message stages, their fixed checks included. */
export type StageNode = MailNode | RcptNode | MessageNode | RefuseUnqualifiedNode | RefuseBareLineEndingsNode | CheckHeaderSyntaxNode;

/** What lowering gives a module to build its node. */
export interface Lowering {
  /** The policy file, for paths relative to it. */
  file: string;
  origin(span: Span): RuleOrigin;
  builtin(what: string): RuleOrigin;
  /** The names that are the site's own: the hostname, and the local domains (the first qualifies). */
  site: { hostname: string; localDomains: string[]; qualifyDomain: string | null };
}

/** The nodes a rule's optional parts gave, in order. */
export function present<T>(...nodes: (T | undefined | null | false)[]): T[] {
  return nodes.filter((node): node is T => !!node);
}

/** The `observe` and the reply text of a checked rule, as its graph node carries them. */
export function observeOf(checked: Observable): Observable {
  return { ...(checked.observe ? { observe: true } : {}), ...(checked.replyText !== undefined ? { replyText: checked.replyText } : {}) };
}

/** What printing gives a module to write its rule back. */
export interface Printing {
  /** A path as the policy would write it (relative to the policy's folder when below it). */
  path(resolved: string): string;
}

/** A string as the policy writes it. */
export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, "\\$&")}"`;
}

/** `observe ` before a rule that only logs what it would refuse. */
export function observed(node: { observe?: true } | undefined): string {
  return node?.observe ? "observe " : "";
}

/** What follows a refusing rule: ` for NAMES` when it is for some logins, ` with "TEXT"` when its refusal says its own text. */
export function replied(node: { replyText?: string; for?: { names: string[] } }): string {
  return (node.for ? ` for ${node.for.names.join(", ")}` : "") + (node.replyText === undefined ? "" : ` with ${quote(node.replyText)}`);
}
