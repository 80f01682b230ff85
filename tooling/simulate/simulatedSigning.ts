// `sign dkim` in a simulation: the policy's real keys sign the message as the server would.
// A key the simulation cannot read leaves the message unsigned, with a note in the trace saying so.
import type { RuleGraph } from "../../graph/graph.js";
import type { NotSigned } from "../../runtime/decision/deliveryStage.js";
import type { DeliveryPlan } from "../../runtime/decision/finishStage.js";
import type { TraceStep } from "../../runtime/decision/verdict.js";
import { graphSigner, type DkimSigner } from "../../runtime/dkim/dkimSigner.js";
import { signPlan } from "../../runtime/dkim/signPlan.js";

export interface LoadedSigner {
  signer: DkimSigner | null;
  /** Why the keys could not be loaded, or null. */
  problem: string | null;
}

export async function loadSigner(graph: RuleGraph): Promise<LoadedSigner> {
  try {
    return { signer: await graphSigner(graph), problem: null };
  } catch (error) {
    return { signer: null, problem: (error as Error).message };
  }
}

/** The message as it would be handed on, or why the server would refuse it; `notes` explain an unsigned simulation. */
export async function simulateSigning(loaded: LoadedSigner, plan: DeliveryPlan): Promise<{ bytes: Buffer; outcome?: NotSigned; notes: TraceStep[] }> {
  if (loaded.problem !== null && plan.signatures.length > 0) {
    const notes: TraceStep[] = plan.signatures.map((s) => ({ node: "SignDkim", origin: s.origin, outcome: "skip", detail: `not signed in this simulation: ${loaded.problem}` }));
    return { bytes: plan.message, notes };
  }
  const result = await signPlan(loaded.signer, plan);
  return result.signed ? { bytes: result.bytes, notes: [] } : { bytes: plan.message, outcome: result.notSigned, notes: [] };
}
