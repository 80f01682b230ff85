// What a property of `msac analyze` is: a check that watches every session class run and then
// says whether the property holds, with findings that name the policy line (or the missing rule)
// and a session that shows it. Severity follows what the RFCs ask: what they forbid is an error,
// what they recommend a warning.
import type { RuleGraph } from "../../graph/graph.js";
import type { TraceStep } from "../../runtime/decision/verdict.js";
import { describeSession, exampleRank, simulateCommand } from "./simulateCommand.js";
import type { RunCount, SessionRun } from "./sessionRuns.js";

export type Severity = "error" | "warning";

export interface Finding {
  /** `FILE:LINE` of the rule that lets it happen or never fires; null when a rule is missing. */
  rule: string | null;
  /** The rule the policy would need, as written in a policy (`require tls`). */
  missing?: string;
  /** What happens, in the policy's words. */
  explanation: string;
  /** One session class that shows it, in words, and how many classes show it. */
  example?: string;
  sessions?: number;
  /** The `msac simulate` command that plays the example. */
  simulate?: string;
}

export interface PropertyResult {
  id: "a" | "b" | "c" | "d" | "e";
  /** The property, as a statement that holds when proved. */
  claim: string;
  /** What a refutation means, as a statement. */
  refutation: string;
  severity: Severity;
  /** unproved: no counterexample among the classes run, but not every class was run (the bound). */
  status: "proved" | "refuted" | "unproved";
  findings: Finding[];
  /** What the policy lets through on purpose and the claim does not count (the clients of trusted networks), each with its rule. */
  exceptions?: Finding[];
}

export interface PropertyCheck {
  observe(run: SessionRun): void;
  result(count: RunCount): PropertyResult;
}

/** Proved, refuted or, when the bound left classes out and nothing was found, unproved. */
export function statusOf(findings: readonly Finding[], count: RunCount): PropertyResult["status"] {
  if (findings.length > 0) return "refuted";
  return count.capped ? "unproved" : "proved";
}

/** The first step of one of these kinds with one of these outcomes in the run's decisions. */
export function stepIn(run: SessionRun, kinds: readonly string[], outcomes: readonly TraceStep["outcome"][]): TraceStep | undefined {
  for (const decision of run.decisions) {
    for (const step of decision.trace) if (kinds.includes(step.node) && outcomes.includes(step.outcome)) return step;
  }
  return undefined;
}

/** How well a run shows a finding, lower is better: a class that reads well (exampleRank), accepted before refused. */
function findingRank(run: SessionRun): number {
  return exampleRank(run) * 2 + (run.outcome.kind === "accepted" ? 0 : 1);
}

/** Findings grouped by what lets them happen, each with the best example seen (the first of the best rank). */
export class FindingGroups {
  private readonly groups = new Map<string, { finding: Finding; run: SessionRun; sessions: number }>();

  constructor(private readonly graph: RuleGraph) {}

  /** Counts `run` under `key`; `finding` is made the first time the key is met. */
  add(key: string, finding: () => Finding, run: SessionRun): void {
    const group = this.groups.get(key);
    if (!group) {
      this.groups.set(key, { finding: finding(), run, sessions: 1 });
      return;
    }
    group.sessions++;
    if (findingRank(run) < findingRank(group.run)) group.run = run;
  }

  findings(): Finding[] {
    return [...this.groups.values()].map(({ finding, run, sessions }) => ({
      ...finding,
      example: describeSession(run),
      sessions,
      simulate: simulateCommand(this.graph, run),
    }));
  }
}
