// AuthStage: may the client start AUTH now? Credentials themselves are checked
// by the adapter (hashing is slow and asynchronous); the core only decides
// whether the attempt is allowed and records the login afterwards.
import { appliesTo } from "../../graph/graph.js";
import { Replies } from "../../graph/replies.js";
import { decided, inScope, newSteps, protocolOrigin, refuseOrObserve } from "./envelopeStage.js";
export function decideAuthStart(graph, state) {
    const steps = newSteps();
    // RFC 4954 section 4: no AUTH inside a transaction, whatever the policy. A MAIL FROM accepted
    // before the login must never be judged as the login's (a client could send as anyone).
    if (state.transaction) {
        const origin = protocolOrigin(graph, "no AUTH during a mail transaction (RFC 4954 section 4)");
        steps.trace.push({ node: "AuthOutsideTransaction", origin, outcome: "refuse" });
        return decided(steps, { verdict: { kind: "refuse", reply: Replies.authInTransaction, origin }, state });
    }
    for (const node of graph.stages.auth) {
        if (!inScope(node, state, steps))
            continue;
        // RFC 4954 section 4 / RFC 3207: credentials only over TLS when the policy says so.
        if (!state.tls) {
            const refusal = refuseOrObserve(steps, node, node.origin, Replies.encryptionRequired, undefined, (reply) => {
                steps.trace.push({ node: node.kind, origin: node.origin, outcome: "refuse" });
                return decided(steps, { verdict: { kind: "refuse", reply, origin: node.origin }, state });
            });
            if (refusal)
                return refusal;
            continue;
        }
        steps.trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
    }
    return decided(steps, { verdict: { kind: "accept" }, state });
}
/** The login is recorded with no transaction: none can be open (AUTH is refused inside one). */
export function authenticated(state, login, addresses) {
    return { ...state, login, loginAddresses: addresses ?? null, transaction: null };
}
/** The SASL mechanisms AUTH offers: PLAIN and LOGIN with a login source, OAUTHBEARER and XOAUTH2 with `auth oauth`. */
export function authMechanisms(graph) {
    return [...(graph.logins ? ["PLAIN", "LOGIN"] : []), ...(graph.oauth ? ["OAUTHBEARER", "XOAUTH2"] : [])];
}
/**
 * EHLO keywords for this session (contract section 4): AUTH only once TLS is active under a
 * `require tls` for this listener; SIZE from the `limit size` that judges this session (its
 * listener, and its login after AUTH, when DATA asks).
 */
export function ehloKeywords(graph, state) {
    const authAllowed = authMechanisms(graph).length > 0 && !state.login && (state.tls || !graph.stages.auth.some((node) => appliesTo(node, state)));
    const size = graph.stages.mail.after.find((n) => n.kind === "LimitSize" && appliesTo(n, state));
    return {
        auth: authAllowed,
        starttls: state.listenerMode === "starttls" && !state.tls,
        // An observed limit advertises nothing and cuts nothing short: it only logs (`observe limit size`).
        size: size && !size.observe ? size.bytes : null,
    };
}
//# sourceMappingURL=authStage.js.map