// `msac analyze`: runs every session class of a compiled graph (sessionSpace.ts) through the
// decision core (sessionRuns.ts) once, lets each property watch every run, and collects what
// they prove or refute. Exhaustive up to a bound on the number of classes; past it the analysis
// says so and properties without a counterexample are unproved rather than proved.
import type { RuleGraph } from "../../graph/graph.js";
import { clearTextAuthCheck } from "./clearTextAuth.js";
import { deadRulesCheck } from "./deadRules.js";
import type { PropertyResult } from "./property.js";
import { refuseEverythingCheck } from "./refuseEverything.js";
import { relayCheck } from "./relay.js";
import { senderRightsCheck } from "./senderRights.js";
import { graphContext, type SessionSpace, type SpaceShape, sessionSpace, shapeOf } from "./sessionSpace.js";
import { runSessions, type RunCount } from "./sessionRuns.js";

/** The default bound on session classes: a policy needing more is analysed in part, and says so. */
export const DEFAULT_SESSION_BOUND = 100_000;

export interface Analysis {
  file: string;
  space: SpaceShape;
  sessions: RunCount & { bound: number };
  properties: PropertyResult[];
}

export function analyzeGraph(graph: RuleGraph, bound = DEFAULT_SESSION_BOUND): Analysis {
  const context = graphContext(graph);
  const space: SessionSpace = sessionSpace([context]);
  const checks = [relayCheck(context), senderRightsCheck(context), clearTextAuthCheck(context), deadRulesCheck(context), refuseEverythingCheck(context)];
  const count = runSessions(context, space, bound, (run) => {
    for (const check of checks) check.observe(run);
  });
  return {
    file: graph.source.file,
    space: shapeOf(space),
    sessions: { ...count, bound },
    properties: checks.map((check) => check.result(count)),
  };
}

/** Refuted properties by severity, and unproved ones (which count as warnings). */
export function tally(analysis: Analysis): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const property of analysis.properties) {
    if (property.status === "refuted" && property.severity === "error") errors++;
    else if (property.status !== "proved") warnings++;
  }
  return { errors, warnings };
}
