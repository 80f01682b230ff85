import { graphSigner } from "../../runtime/dkim/dkimSigner.js";
import { signPlan } from "../../runtime/dkim/signPlan.js";
export async function loadSigner(graph) {
    try {
        return { signer: await graphSigner(graph), problem: null };
    }
    catch (error) {
        return { signer: null, problem: error.message };
    }
}
/** The message as it would be handed on, or why the server would refuse it; `notes` explain an unsigned simulation. */
export async function simulateSigning(loaded, plan) {
    if (loaded.problem !== null && plan.signatures.length > 0) {
        const notes = plan.signatures.map((s) => ({ node: "SignDkim", origin: s.origin, outcome: "skip", detail: `not signed in this simulation: ${loaded.problem}` }));
        return { bytes: plan.message, notes };
    }
    const result = await signPlan(loaded.signer, plan);
    return result.signed ? { bytes: result.bytes, notes: [] } : { bytes: plan.message, outcome: result.notSigned, notes: [] };
}
//# sourceMappingURL=simulatedSigning.js.map