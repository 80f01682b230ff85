// What one attempt did to each recipient of a record: the relay outcome (or the queue lifetime
// running out) written into the recipients' states and the attempt's log entry. Pure: the
// runner relays, rewrites the record and queues the DSNs.
import { QueueStatus, Replies } from "../../graph/replies.js";
/**
 * RFC 5321 section 4.5.4.1: the recipients at `indexes` have waited `lifetimeMs`; they fail, and
 * the sender is told.
 */
export function expireRecipients(state, indexes, entry, lifetimeMs, at) {
    const days = (lifetimeMs / 86_400_000).toFixed(1).replace(/\.0$/, "");
    for (const i of indexes) {
        const r = state.recipients[i];
        Object.assign(r, { state: "failed", ...QueueStatus.expired(days, r.text), at });
        entry.failed.push(r.address);
    }
    entry.result = "expired";
}
/**
 * Records `outcome` for the recipients at `indexes` (in the order they were relayed). Returns
 * those whose RCPT the next hop accepted in an attempt that was deferred as a whole (relayClient
 * abandons the message when one recipient is deferred), and whether the next hop offers DSN.
 */
export function recordOutcome(state, entry, outcome, indexes, at) {
    const rcptAccepted = [];
    indexes.forEach((i, j) => {
        const r = state.recipients[i];
        const result = outcome.perRecipient?.[j];
        if (outcome.kind === "accepted") {
            if (result && result.status !== "accepted") {
                Object.assign(r, { state: "failed", code: result.code, enhanced: result.enhanced, text: result.text, at });
                entry.failed.push(r.address);
            }
            else {
                Object.assign(r, { state: "delivered", code: Replies.ok.code, enhanced: Replies.ok.enhanced, text: outcome.detail, at });
                entry.delivered.push(r.address);
            }
        }
        else if (result?.status === "permanent" || (outcome.kind === "permanent" && result?.status !== "temporary")) {
            const reply = result?.status === "permanent" ? result : outcome.kind === "permanent" ? outcome : undefined;
            Object.assign(r, { state: "failed", code: reply?.code, enhanced: reply?.enhanced, text: reply?.text, at });
            entry.failed.push(r.address);
        }
        else {
            if (result?.status === "accepted")
                rcptAccepted.push(i);
            const reply = result?.status === "temporary" ? result : outcome.kind === "temporary" ? outcome : undefined;
            Object.assign(r, { code: reply?.code, enhanced: reply?.enhanced, text: reply?.text ?? "deferred" });
            if (!entry.deferred.includes(r.address))
                entry.deferred.push(r.address);
        }
    });
    if (outcome.kind !== "accepted")
        state.lastError = outcome.text;
    return { rcptAccepted, nextHopDsn: outcome.kind === "accepted" && outcome.nextHopExtensions?.includes("DSN") === true };
}
//# sourceMappingURL=attemptResults.js.map