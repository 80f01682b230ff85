// Carries out the signing step of a delivery plan, for the server and `msac simulate` alike:
// the signatures the finish stage chose, or the failure the delivery stage turns into 451 4.3.0.
import type { NotSigned } from "../decision/deliveryStage.js";
import type { DeliveryPlan } from "../decision/finishStage.js";
import { type DkimSigner, DkimSigningError } from "./dkimSigner.js";

export type SignedPlan = { signed: true; bytes: Buffer } | { signed: false; notSigned: NotSigned };

export async function signPlan(signer: DkimSigner | null, plan: DeliveryPlan): Promise<SignedPlan> {
  if (!signer || plan.signatures.length === 0) return { signed: true, bytes: plan.message };
  try {
    return { signed: true, bytes: await signer.sign(plan.message, plan.fromDomain) };
  } catch (error) {
    if (!(error instanceof DkimSigningError)) throw error;
    return { signed: false, notSigned: { kind: "notSigned", reason: error.message, ...(error.signature ? { signature: error.signature } : {}) } };
  }
}
