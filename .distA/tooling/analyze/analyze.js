import { clearTextAuthCheck } from "./clearTextAuth.js";
import { deadRulesCheck } from "./deadRules.js";
import { refuseEverythingCheck } from "./refuseEverything.js";
import { relayCheck } from "./relay.js";
import { senderRightsCheck } from "./senderRights.js";
import { graphContext, sessionSpace, shapeOf } from "./sessionSpace.js";
import { runSessions } from "./sessionRuns.js";
/** The default bound on session classes: a policy needing more is analysed in part, and says so. */
export const DEFAULT_SESSION_BOUND = 100_000;
export function analyzeGraph(graph, bound = DEFAULT_SESSION_BOUND) {
    const context = graphContext(graph);
    const space = sessionSpace([context]);
    const checks = [relayCheck(context), senderRightsCheck(context), clearTextAuthCheck(context), deadRulesCheck(context), refuseEverythingCheck(context)];
    const count = runSessions(context, space, bound, (run) => {
        for (const check of checks)
            check.observe(run);
    });
    return {
        file: graph.source.file,
        space: shapeOf(space),
        sessions: { ...count, bound },
        properties: checks.map((check) => check.result(count)),
    };
}
/** Refuted properties by severity, and unproved ones (which count as warnings). */
export function tally(analysis) {
    let errors = 0;
    let warnings = 0;
    for (const property of analysis.properties) {
        if (property.status === "refuted" && property.severity === "error")
            errors++;
        else if (property.status !== "proved")
            warnings++;
    }
    return { errors, warnings };
}
//# sourceMappingURL=analyze.js.map