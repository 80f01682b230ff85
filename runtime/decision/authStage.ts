// AuthStage: may the client start AUTH now? Credentials themselves are checked
// by the adapter (hashing is slow and asynchronous); the core only decides
// whether the attempt is allowed and records the login afterwards.
import { appliesTo, type LimitSizeNode, type RuleGraph } from "../../graph/graph.js";
import { Replies } from "../../graph/replies.js";
import type { SessionState } from "./session.js";
import { decided, inScope, newSteps, protocolOrigin, refuseOrObserve } from "./envelopeStage.js";
import type { Decision } from "./verdict.js";

export function decideAuthStart(graph: RuleGraph, state: SessionState): Decision {
  const steps = newSteps();
  // RFC 4954 section 4: no AUTH inside a transaction, whatever the policy. A MAIL FROM accepted
  // before the login must never be judged as the login's (a client could send as anyone).
  if (state.transaction) {
    const origin = protocolOrigin(graph, "no AUTH during a mail transaction (RFC 4954 section 4)");
    steps.trace.push({ node: "AuthOutsideTransaction", origin, outcome: "refuse" });
    return decided(steps, { verdict: { kind: "refuse", reply: Replies.authInTransaction, origin }, state });
  }
  for (const node of graph.stages.auth) {
    if (!inScope(node, state, steps)) continue;
    // RFC 4954 section 4 / RFC 3207: credentials only over TLS when the policy says so.
    if (!state.tls) {
      const refusal = refuseOrObserve(steps, node, node.origin, Replies.encryptionRequired, undefined, (reply): Decision => {
        steps.trace.push({ node: node.kind, origin: node.origin, outcome: "refuse" });
        return decided(steps, { verdict: { kind: "refuse", reply, origin: node.origin }, state });
      });
      if (refusal) return refusal;
      continue;
    }
    steps.trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
  }
  return decided(steps, { verdict: { kind: "accept" }, state });
}

/** The login is recorded with no transaction: none can be open (AUTH is refused inside one). */
export function authenticated(state: SessionState, login: string, addresses?: string[]): SessionState {
  return { ...state, login, loginAddresses: addresses ?? null, transaction: null };
}

/**
 * EHLO keywords for this session (contract section 4): AUTH only once TLS is active under a
 * `require tls` for this listener; SIZE from the `limit size` that judges this session (its
 * listener, and its login after AUTH, when DATA asks).
 */
export function ehloKeywords(graph: RuleGraph, state: SessionState): { auth: boolean; starttls: boolean; size: number | null } {
  const authAllowed = !!graph.logins && !state.login && (state.tls || !graph.stages.auth.some((node) => appliesTo(node, state)));
  const size = graph.stages.mail.after.find((n): n is LimitSizeNode => n.kind === "LimitSize" && appliesTo(n, state));
  return {
    auth: authAllowed,
    starttls: state.listenerMode === "starttls" && !state.tls,
    // An observed limit advertises nothing and cuts nothing short: it only logs (`observe limit size`).
    size: size && !size.observe ? size.bytes : null,
  };
}
