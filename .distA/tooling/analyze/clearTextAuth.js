// Property (c): AUTH never happens in clear text (RFC 8314 section 3, RFC 3207 section 4): on a
// plain listener, or on a starttls one before STARTTLS, the decision core must refuse AUTH. A
// password sent before TLS can be read on the way, so a refutation is an error.
import { ruleLocation } from "../../graph/graph.js";
import { listenerOf } from "./sessionSpace.js";
import { FindingGroups, statusOf, stepIn } from "./property.js";
export function clearTextAuthCheck(context) {
    const { graph } = context;
    const groups = new FindingGroups(graph);
    return {
        observe(run) {
            if (!run.login || !run.loginExists || run.listener.tls)
                return;
            const auth = run.decisions[0];
            if (!auth || auth.verdict.kind !== "accept")
                return;
            const observed = stepIn(run, ["RequireTls"], ["observe"]);
            const listener = listenerOf(graph, run.listener);
            groups.add(run.listener.endpoint, () => observed
                ? { rule: ruleLocation(observed.origin), explanation: `\`observe require tls\` only logs: AUTH is accepted before TLS on ${run.listener.endpoint}` }
                : {
                    rule: listener.origin.line > 0 ? ruleLocation(listener.origin) : null,
                    missing: "require tls",
                    explanation: `AUTH is accepted before TLS on ${run.listener.endpoint} (${listener.mode}): passwords cross the network in clear text`,
                }, run);
        },
        result(count) {
            const findings = groups.findings();
            return {
                id: "c",
                claim: "AUTH never happens in clear text",
                refutation: "AUTH can happen in clear text",
                severity: "error",
                status: statusOf(findings, count),
                findings,
            };
        },
    };
}
//# sourceMappingURL=clearTextAuth.js.map