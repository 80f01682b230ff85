import { normalizeDomain } from "../dkim/domainCovers.js";
import { Replies } from "../../graph/replies.js";
/** The signature named by a signing failure, or the first one that signs the message. */
function failedSignature(plan, named) {
    const match = named && plan.signatures.find((s) => normalizeDomain(s.domain) === normalizeDomain(named.domain) && s.selector.toLowerCase() === named.selector.toLowerCase());
    return match ?? plan.signatures[0];
}
export function decideDelivery(graph, state, event) {
    const { outcome } = event;
    const origin = graph.deliver.origin;
    switch (outcome.kind) {
        case "accepted": {
            const detail = outcome.id !== event.queueId ? `delivered as ${outcome.id}` : outcome.detail;
            const reply = { ...Replies.ok, text: `Ok: queued as ${event.queueId}` };
            return { verdict: { kind: "accept" }, state, trace: [{ node: graph.deliver.kind, origin, outcome: "pass", detail }], result: reply };
        }
        case "notSigned": {
            // RFC 6409 section 8.5: a message the policy signs is never handed on unsigned; the client tries again.
            const signature = failedSignature(event.plan, outcome.signature);
            const signedBy = signature?.origin ?? origin;
            return {
                verdict: { kind: "refuse", reply: Replies.signingFailed, origin: signedBy },
                state,
                trace: [{ node: "SignDkim", origin: signedBy, outcome: "refuse", detail: outcome.reason }],
            };
        }
        case "temporary":
        case "permanent": {
            // A next hop's temporary failure is ours to retry later: the client hears 451 with its enhanced code.
            const reply = { code: outcome.kind === "temporary" ? 451 : outcome.code, enhanced: outcome.enhanced, text: outcome.text };
            return { verdict: { kind: "refuse", reply, origin }, state, trace: [{ node: graph.deliver.kind, origin, outcome: "refuse", detail: outcome.text }] };
        }
    }
}
//# sourceMappingURL=deliveryStage.js.map