import { describeSession, exampleRank, simulateCommand } from "./simulateCommand.js";
/** Proved, refuted or, when the bound left classes out and nothing was found, unproved. */
export function statusOf(findings, count) {
    if (findings.length > 0)
        return "refuted";
    return count.capped ? "unproved" : "proved";
}
/** The first step of one of these kinds with one of these outcomes in the run's decisions. */
export function stepIn(run, kinds, outcomes) {
    for (const decision of run.decisions) {
        for (const step of decision.trace)
            if (kinds.includes(step.node) && outcomes.includes(step.outcome))
                return step;
    }
    return undefined;
}
/** How well a run shows a finding, lower is better: a class that reads well (exampleRank), accepted before refused. */
function findingRank(run) {
    return exampleRank(run) * 2 + (run.outcome.kind === "accepted" ? 0 : 1);
}
/** Findings grouped by what lets them happen, each with the best example seen (the first of the best rank). */
export class FindingGroups {
    graph;
    groups = new Map();
    constructor(graph) {
        this.graph = graph;
    }
    /** Counts `run` under `key`; `finding` is made the first time the key is met. */
    add(key, finding, run) {
        const group = this.groups.get(key);
        if (!group) {
            this.groups.set(key, { finding: finding(), run, sessions: 1 });
            return;
        }
        group.sessions++;
        if (findingRank(run) < findingRank(group.run))
            group.run = run;
    }
    findings() {
        return [...this.groups.values()].map(({ finding, run, sessions }) => ({
            ...finding,
            example: describeSession(run),
            sessions,
            simulate: simulateCommand(this.graph, run),
        }));
    }
}
//# sourceMappingURL=property.js.map