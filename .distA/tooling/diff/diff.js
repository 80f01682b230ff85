// `msac diff OLD NEW`: every session class of either policy (the union of both graphs' classes,
// tooling/analyze/sessionSpace.ts) run through the decision core on both graphs, and the classes
// whose outcome changes, grouped by what decided before and what decides now. An outcome is what
// the client sees: accepted, or refused at a command with a reply code; the rule's line may move
// between versions without that being a change.
import { ruleLocation } from "../../graph/graph.js";
import { DEFAULT_SESSION_BOUND } from "../analyze/analyze.js";
import { graphContext, sessionSpace, shapeOf } from "../analyze/sessionSpace.js";
import { runSessions } from "../analyze/sessionRuns.js";
/** What the client sees: equal outcomes are no change, whichever line of the policy decided. */
function seen(outcome) {
    switch (outcome.kind) {
        case "accepted":
            return "accepted";
        case "impossible":
            return "impossible";
        case "refused":
            return `refused ${outcome.stage} ${outcome.reply.code} ${outcome.reply.enhanced}`;
    }
}
/** The outcome with the rule that decided it, for grouping. */
function decidedBy(outcome) {
    if (outcome.kind === "refused")
        return `${seen(outcome)} ${outcome.origin ? ruleLocation(outcome.origin) : ""} ${outcome.node}`;
    return outcome.kind === "impossible" ? `impossible ${outcome.why}` : seen(outcome);
}
function directionOf(before, after) {
    if (after.kind === "accepted")
        return "now accepted";
    if (before.kind === "accepted")
        return "now refused";
    return "refused differently";
}
const DIRECTIONS = ["now refused", "now accepted", "refused differently"];
export function listenerName(run) {
    return `${run.listener.endpoint} ${run.listener.tls ? "with" : "without"} TLS`;
}
export function loginName(run) {
    return run.login?.login ?? "none";
}
export function diffGraphs(oldGraph, newGraph, bound = DEFAULT_SESSION_BOUND) {
    const contexts = [graphContext(oldGraph), graphContext(newGraph)];
    const space = sessionSpace(contexts);
    const before = [];
    runSessions(contexts[0], space, bound, (run) => before.push(run.outcome));
    const groups = new Map();
    let index = 0;
    const count = runSessions(contexts[1], space, bound, (run) => {
        const was = before[index++];
        if (seen(was) === seen(run.outcome))
            return;
        const key = `${decidedBy(was)} -> ${decidedBy(run.outcome)}`;
        const group = groups.get(key);
        const session = { listener: run.listener, login: run.login, mailFrom: run.mailFrom, rcpt: run.rcpt };
        if (group)
            group.classes.push(session);
        else
            groups.set(key, { direction: directionOf(was, run.outcome), before: was, after: run.outcome, classes: [session] });
    });
    const ordered = [...groups.values()].sort((a, b) => DIRECTIONS.indexOf(a.direction) - DIRECTIONS.indexOf(b.direction));
    return {
        old: oldGraph,
        new: newGraph,
        space: shapeOf(space),
        sessions: { ...count, bound },
        groups: ordered,
        dimensions: {
            listeners: space.listeners.map((listener) => listenerName({ listener })),
            logins: ["none", ...space.logins.map((l) => l.login)],
            senders: space.senders,
            recipients: space.recipients,
        },
    };
}
export function changedSessions(diff) {
    return diff.groups.reduce((n, g) => n + g.classes.length, 0);
}
//# sourceMappingURL=diff.js.map