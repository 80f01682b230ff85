// How a simulated session reads on a terminal: client lines as `C:`, replies as
// `S:`, and before each reply the rules consulted, one per line, as
// `>>> rule FILE:LINE NodeKind -> outcome (detail)`. Defaults the policy did not
// write have line 0 and say which default they are.
import { ruleLocation } from "../../graph/graph.js";
export function formatTraceStep(step) {
    const builtin = step.origin.builtin ? ` [default: ${step.origin.builtin}]` : "";
    const detail = step.detail ? ` (${step.detail})` : "";
    return `>>> rule ${ruleLocation(step.origin)} ${step.node} -> ${step.outcome}${detail}${builtin}`;
}
export function shownSteps(trace, level) {
    if (level === "none")
        return [];
    if (level === "all")
        return [...trace];
    return trace.filter((s) => s.outcome === "refuse" || s.outcome === "change" || s.outcome === "observe");
}
export function formatReply(reply) {
    return reply.lines.map((line, i) => {
        const separator = i < reply.lines.length - 1 ? "-" : " ";
        return `S: ${reply.code}${separator}${reply.enhanced ? reply.enhanced + " " : ""}${line}`;
    });
}
/** The message as it would be handed on: its envelope, then each line as `M: `. */
export function formatDelivered(delivered) {
    const lines = delivered.bytes.toString("utf8").replace(/\r\n$/, "").split("\r\n");
    return [`>>> handed on: MAIL FROM:<${delivered.mailFrom}> RCPT TO:${delivered.recipients.map((r) => `<${r}>`).join(", ")}`, ...lines.map((line) => `M: ${line}`)];
}
/** `showMessages`: after each accepted message, the message as it would be handed on (`msac simulate --show-message`). */
export function renderSimulation(simulation, level, showMessages = false) {
    const out = formatReply(simulation.greeting);
    for (const exchange of simulation.exchanges) {
        const step = exchange.step;
        out.push(`C: ${step.text}`);
        if (step.kind === "data") {
            // The 354 comes before the message lines, the verdict after them.
            const [first, ...rest] = exchange.replies;
            if (first)
                out.push(...formatReply(first));
            if (first?.code === 354) {
                // Message lines as the script holds them, which is as they go on the wire (dot-stuffed).
                for (const line of step.message)
                    out.push(`C: ${line}`);
                out.push("C: .");
            }
            out.push(...shownSteps(exchange.trace, level).map(formatTraceStep));
            for (const r of rest)
                out.push(...formatReply(r));
            if (showMessages && exchange.delivered)
                out.push(...formatDelivered(exchange.delivered));
            continue;
        }
        out.push(...shownSteps(exchange.trace, level).map(formatTraceStep));
        for (const r of exchange.replies)
            out.push(...formatReply(r));
    }
    if (!simulation.endedAsScripted)
        out.push("!!! the script goes on after QUIT or a 421 closed the connection; the rest was not run");
    return out.join("\n") + "\n";
}
/** The one-line form's answer: each step, its verdict, and under it the rules behind it. */
export function renderVerdicts(simulation, level) {
    const out = [];
    for (const exchange of simulation.exchanges) {
        const last = exchange.replies[exchange.replies.length - 1];
        const verdict = last ? `${last.code}${last.enhanced ? " " + last.enhanced : ""} ${last.lines[0]}` : "ok";
        const outcome = exchange.refusedBy ? "refused" : last && last.code >= 400 ? "failed" : "accepted";
        out.push(`${exchange.step.text}: ${outcome}, ${verdict}`);
        out.push(...shownSteps(exchange.trace, level).map((s) => "  " + formatTraceStep(s)));
    }
    return out.join("\n") + "\n";
}
//# sourceMappingURL=render.js.map