import { Replies } from "../../graph/replies.js";
import { applyMilterModifications } from "../milter/milterEdits.js";
import { domainCovers } from "../dkim/domainCovers.js";
import { messageFromDomain } from "../dkim/fromDomain.js";
import { withTransaction } from "./session.js";
const NODE = "Milter";
function milterOf(graph, index) {
    const node = graph.milters?.[index];
    if (!node)
        throw new RangeError(`no milter ${index} in the graph`);
    return node;
}
/** The reply for a refusing answer, or null when the transaction goes on. */
function refusalOf(node, answer) {
    switch (answer.kind) {
        case "continue":
        case "accept":
        case "discard":
            return null;
        case "reject":
            return { reply: Replies.milterRejected, detail: "the milter rejected" };
        case "tempfail":
            return { reply: Replies.milterTempfail, detail: "the milter answered tempfail" };
        case "reply":
            return {
                reply: { code: answer.code, enhanced: answer.enhanced ?? (answer.code >= 500 ? "5.7.1" : "4.7.1"), text: answer.text || Replies.milterRejected.text },
                detail: `the milter replied ${answer.code}${answer.enhanced ? ` ${answer.enhanced}` : ""} ${answer.text}`,
            };
        case "failed":
            // Postfix's milter_default_action: tempfail, or accept (go on as if the milter were not there).
            return node.onFailure === "tempfail" ? { reply: Replies.milterTempfail, detail: `milter failed: ${answer.reason}` } : null;
    }
}
function describe(answer) {
    return answer.kind === "failed"
        ? `milter failed: ${answer.reason}; on failure accept`
        : answer.kind === "discard"
            ? "the milter discards the message"
            : `the milter answered ${answer.kind}`;
}
/** MAIL or RCPT: a refusal takes back the sender (the transaction) or that recipient. */
export function decideMilterCommand(graph, state, event) {
    const node = milterOf(graph, event.milter);
    const refusal = refusalOf(node, event.answer);
    if (!refusal) {
        // SMFIR_DISCARD before the message: the message is taken and thrown away at the end of DATA.
        const transaction = state.transaction;
        const discarding = event.answer.kind === "discard" && transaction ? withTransaction(state, { ...transaction, discardedBy: node.origin }) : state;
        return {
            verdict: { kind: "accept" },
            state: discarding,
            trace: [{ node: NODE, origin: node.origin, outcome: event.answer.kind === "continue" ? "pass" : "skip", detail: describe(event.answer) }],
        };
    }
    const transaction = state.transaction;
    const undone = event.stage === "mail" || !transaction ? withTransaction(state, null) : withTransaction(state, { ...transaction, recipients: transaction.recipients.slice(0, -1) });
    return {
        verdict: { kind: "refuse", reply: refusal.reply, origin: node.origin },
        state: undone,
        trace: [{ node: NODE, origin: node.origin, outcome: "refuse", detail: refusal.detail }],
    };
}
/** The end of the message: refuse, discard, or the plan with the milter's changes (signatures chosen again for the new From). */
export function decideMilterMessage(graph, state, event) {
    const node = milterOf(graph, event.milter);
    const { answer, modifications } = event.answer;
    const refusal = refusalOf(node, answer);
    const trace = [];
    if (refusal) {
        trace.push({ node: NODE, origin: node.origin, outcome: "refuse", detail: refusal.detail });
        return { verdict: { kind: "refuse", reply: refusal.reply, origin: node.origin }, state, trace };
    }
    const discardedBy = state.transaction?.discardedBy;
    if (answer.kind === "discard" || discardedBy) {
        trace.push({ node: NODE, origin: discardedBy ?? node.origin, outcome: "change", detail: "the milter discards the message" });
        return { verdict: { kind: "accept" }, state, trace, result: { kind: "discard", reply: Replies.milterDiscarded } };
    }
    if (answer.kind === "failed" || modifications.length === 0) {
        trace.push({ node: NODE, origin: node.origin, outcome: answer.kind === "failed" ? "skip" : "pass", detail: describe(answer) });
        return { verdict: { kind: "accept" }, state, trace, result: { kind: "deliver", plan: event.plan } };
    }
    let edited;
    try {
        edited = applyMilterModifications(event.plan.message, event.plan.envelope, modifications, event.leadingSpace);
    }
    catch (error) {
        // A change that would make the message malformed is the milter's failure, met like any other.
        return decideMilterMessage(graph, state, { ...event, answer: { answer: { kind: "failed", reason: `unusable change: ${error.message}` }, modifications: [] } });
    }
    if (edited.quarantine !== null) {
        trace.push({ node: NODE, origin: node.origin, outcome: "refuse", detail: `the milter quarantines the message: ${edited.quarantine}` });
        return { verdict: { kind: "refuse", reply: Replies.milterQuarantine, origin: node.origin }, state, trace };
    }
    if (edited.envelope.recipients.length === 0) {
        trace.push({ node: NODE, origin: node.origin, outcome: "change", detail: `${edited.changes.join("; ")}; no recipient left` });
        return { verdict: { kind: "accept" }, state, trace, result: { kind: "discard", reply: Replies.milterDiscarded } };
    }
    trace.push({ node: NODE, origin: node.origin, outcome: "change", detail: edited.changes.join("; ") });
    // `sign dkim` signs what the milters left: the From domain may have changed.
    const fromDomain = graph.dkim.length > 0 ? messageFromDomain(edited.message) : null;
    const signatures = fromDomain === null ? [] : graph.dkim.filter((signature) => domainCovers(signature.domain, fromDomain));
    return {
        verdict: { kind: "accept" },
        state,
        trace,
        result: { kind: "deliver", plan: { ...event.plan, message: edited.message, envelope: edited.envelope, fromDomain, signatures } },
    };
}
//# sourceMappingURL=milterStage.js.map