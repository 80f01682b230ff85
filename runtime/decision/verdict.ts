// The decision core's answer to one event: accept or refuse (with the rule
// behind it), the next session state, and a trace of every rule consulted.
import type { RuleOrigin } from "../../compiler/graph.js";
import type { Reply } from "./replies.js";
import type { SessionState } from "./session.js";

export type Verdict =
  | { kind: "accept" }
  | { kind: "refuse"; reply: Reply; origin: RuleOrigin };

export interface TraceStep {
  node: string;
  origin: RuleOrigin;
  outcome: "pass" | "refuse" | "change" | "skip";
  detail?: string;
}

export interface Decision<T = undefined> {
  verdict: Verdict;
  state: SessionState;
  trace: TraceStep[];
  /** What the stage produced besides the verdict (header edits for a message). */
  result?: T;
}
