// DeliveryStage: what the client hears once its message was signed and handed on. The driver
// signs and delivers as the plan says and reports the outcome here; this is the one place a
// delivery outcome becomes a reply (RFC 6409 section 4: 250 only once the message is durably
// stored or the next hop took it) and names the rule behind a refusal.
import type { DkimSignatureNode, RuleGraph } from "../../graph/graph.js";
import type { DeliveryOutcome } from "../deliver/envelope.js";
import { normalizeDomain } from "../dkim/domainCovers.js";
import type { DeliveryPlan } from "./finishStage.js";
import { Replies, type Reply } from "../../graph/replies.js";
import type { SessionState } from "./session.js";
import type { Decision } from "./verdict.js";

/** The plan could not be signed: which signature failed (d= and s=), when one did rather than the message. */
export interface NotSigned {
  kind: "notSigned";
  reason: string;
  signature?: { domain: string; selector: string };
}

export interface DeliveryEvent {
  type: "delivery";
  plan: DeliveryPlan;
  /** The id in our Received field and the 250 reply. */
  queueId: string;
  outcome: DeliveryOutcome | NotSigned;
}

/** The signature named by a signing failure, or the first one that signs the message. */
function failedSignature(plan: DeliveryPlan, named: NotSigned["signature"]): DkimSignatureNode | undefined {
  const match = named && plan.signatures.find((s) => normalizeDomain(s.domain) === normalizeDomain(named.domain) && s.selector.toLowerCase() === named.selector.toLowerCase());
  return match ?? plan.signatures[0];
}

export function decideDelivery(graph: RuleGraph, state: SessionState, event: DeliveryEvent): Decision<Reply> {
  const { outcome } = event;
  const origin = graph.deliver.origin;
  switch (outcome.kind) {
    case "accepted": {
      const detail = outcome.id !== event.queueId ? `delivered as ${outcome.id}` : outcome.detail;
      const reply: Reply = { ...Replies.ok, text: `Ok: queued as ${event.queueId}` };
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
      const reply: Reply = { code: outcome.kind === "temporary" ? 451 : outcome.code, enhanced: outcome.enhanced, text: outcome.text };
      return { verdict: { kind: "refuse", reply, origin }, state, trace: [{ node: graph.deliver.kind, origin, outcome: "refuse", detail: outcome.text }] };
    }
  }
}
