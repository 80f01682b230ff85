// The decision core's answer to one event: accept or refuse (with the rule
// behind it), the next session state, and a trace of every rule consulted.
// An `observe` rule that would have refused leaves an observation instead and
// the decision goes on as if the rule had passed (observe-only rules).
import type { RuleOrigin } from "../../graph/graph.js";
import type { Reply } from "../../graph/replies.js";
import type { SessionState } from "./session.js";

export type Verdict = { kind: "accept" } | { kind: "refuse"; reply: Reply; origin: RuleOrigin };

export interface TraceStep {
  node: string;
  origin: RuleOrigin;
  /** `observe`: an observe-only rule that would have refused (see Decision.observations). */
  outcome: "pass" | "refuse" | "change" | "skip" | "observe";
  detail?: string;
  /** The table entry the node decided with (a `senders` login), for coverage of table entries. */
  entry?: string;
}

/** What an observe-only rule would have answered; the adapter logs it as `would-reject`. */
export interface Observation {
  origin: RuleOrigin;
  reply: Reply;
  detail?: string;
}

export interface Decision<T = undefined> {
  verdict: Verdict;
  state: SessionState;
  trace: TraceStep[];
  /** Refusals that observe-only rules did not make, in the order met; absent when none. */
  observations?: Observation[];
  /** What the stage produced besides the verdict (header edits for a message). */
  result?: T;
}
