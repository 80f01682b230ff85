import { DkimSigningError } from "./dkimSigner.js";
export async function signPlan(signer, plan) {
    if (!signer || plan.signatures.length === 0)
        return { signed: true, bytes: plan.message };
    try {
        return { signed: true, bytes: await signer.sign(plan.message, plan.fromDomain) };
    }
    catch (error) {
        if (!(error instanceof DkimSigningError))
            throw error;
        return { signed: false, notSigned: { kind: "notSigned", reason: error.message, ...(error.signature ? { signature: error.signature } : {}) } };
    }
}
//# sourceMappingURL=signPlan.js.map