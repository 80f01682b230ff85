// How `msac diff` reads: a headline with the classes compared, then one block per group of
// classes that change outcome the same way: what decided before and now (FILE:LINE in each
// policy), which listeners, logins, senders and recipients the group spans, and the `msac
// simulate` command of one class on each policy. JSON lists every class of every group.
import { ruleLocation } from "../../graph/graph.js";
import { exampleRank, simulateCommand } from "../analyze/simulateCommand.js";
import { listenerOf } from "../analyze/sessionSpace.js";
import { coverageInWords, plural, ruleInWords, spaceInWords } from "../analyze/wording.js";
import { changedSessions, listenerName, loginName } from "./diff.js";
const COMMAND = { auth: "AUTH", mail: "MAIL FROM", rcpt: "RCPT TO" };
/** What the client sees of an outcome, in one word or three. */
const OUTCOME_WORD = { accepted: "accepted", refused: "refused", impossible: "no such session" };
/** Values of a dimension shown before the rest are counted. */
const SHOWN = 4;
export function describeOutcome(outcome) {
    switch (outcome.kind) {
        case "accepted":
            return "accepted";
        case "impossible":
            return `no such session: ${outcome.why}`;
        case "refused": {
            const rule = outcome.origin ? ` by ${ruleInWords(outcome.origin)} ${outcome.node}` : "";
            return `refused at ${COMMAND[outcome.stage]}, ${outcome.reply.code} ${outcome.reply.enhanced}${rule}`;
        }
    }
}
/** `accepted before, refused now`, or for two refusals `refused before and now, differently`. */
function heading(group) {
    const before = OUTCOME_WORD[group.before.kind];
    const after = OUTCOME_WORD[group.after.kind];
    return before === after ? `${before} before and now, differently` : `${before} before, ${after} now`;
}
/** The class of a group that reads best as an example (the first of the best rank). */
function exampleOf(group) {
    return group.classes.reduce((best, c) => (exampleRank(c) < exampleRank(best) ? c : best));
}
/** The values a group spans in one dimension: `any` when it spans them all. */
function span(values, all) {
    const distinct = [...new Set(values)];
    if (distinct.length === all.length)
        return "any";
    const shown = distinct.slice(0, SHOWN).map((v) => (v === "" ? "<>" : v));
    return distinct.length > SHOWN ? `${shown.join(", ")} and ${distinct.length - SHOWN} more` : shown.join(", ");
}
function groupLines(diff, group) {
    const classes = group.classes;
    const example = exampleOf(group);
    const lines = [
        `${heading(group)}: ${plural(classes.length, "session class")}`,
        `  before: ${describeOutcome(group.before)}`,
        `  now:    ${describeOutcome(group.after)}`,
        `  listeners: ${span(classes.map(listenerName), diff.dimensions.listeners)}`,
        `  logins: ${span(classes.map(loginName), diff.dimensions.logins)}`,
        `  MAIL FROM: ${span(classes.map((c) => c.mailFrom), diff.dimensions.senders)}`,
        `  RCPT TO: ${span(classes.map((c) => c.rcpt), diff.dimensions.recipients)}`,
    ];
    for (const graph of [diff.old, diff.new])
        if (listenerOf(graph, example.listener))
            lines.push(`  ${simulateCommand(graph, example)}`);
    return lines;
}
export function renderDiffText(diff) {
    const changed = changedSessions(diff);
    const coverage = coverageInWords(diff.sessions, "every one run on both");
    const lines = [`${diff.old.source.file} -> ${diff.new.source.file}: ${spaceInWords(diff.space, diff.sessions.total)}, ${coverage}`];
    for (const group of diff.groups)
        lines.push("", ...groupLines(diff, group));
    lines.push("", changed === 0 ? "no session class changes outcome" : `${plural(changed, "session class")} ${changed === 1 ? "changes" : "change"} outcome`);
    return lines.join("\n") + "\n";
}
export function renderDiffJson(diff) {
    const outcome = (o) => o.kind === "refused"
        ? { kind: o.kind, stage: o.stage, code: o.reply.code, enhanced: o.reply.enhanced, rule: o.origin ? ruleLocation(o.origin) : null, node: o.node }
        : o.kind === "accepted"
            ? { kind: o.kind }
            : o;
    return (JSON.stringify({
        old: diff.old.source.file,
        new: diff.new.source.file,
        sessions: diff.sessions,
        changed: changedSessions(diff),
        groups: diff.groups.map((g) => ({
            direction: g.direction,
            before: outcome(g.before),
            after: outcome(g.after),
            classes: g.classes.map((c) => ({ listener: c.listener.endpoint, tls: c.listener.tls, login: c.login?.login ?? null, mailFrom: c.mailFrom, rcpt: c.rcpt })),
            simulate: [diff.old, diff.new].filter((graph) => listenerOf(graph, exampleOf(g).listener)).map((graph) => simulateCommand(graph, exampleOf(g))),
        })),
    }, null, 2) + "\n");
}
//# sourceMappingURL=render.js.map