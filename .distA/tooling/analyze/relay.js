// Property (a): no unauthenticated client can relay, that is, have a recipient outside the local
// domains accepted (RFC 6409 section 4.3: submission requires authentication; `allow postmaster`
// admits only the local postmaster, so it keeps this property).
import { envelopeNodes, ruleLocation } from "../../graph/graph.js";
import { isNonPublicNetwork, parseNetwork } from "../../formats/network.js";
import { domainOf } from "./sessionSpace.js";
import { FindingGroups, statusOf, stepIn } from "./property.js";
export function relayCheck(context) {
    const { graph } = context;
    const local = new Set(graph.localDomains.map((d) => d.toLowerCase()));
    const requireAuth = envelopeNodes(graph.stages.rcpt).filter((n) => n.kind === "RequireAuth");
    const requiresAuth = requireAuth.length > 0;
    // The line of an `on` block's `allow unauthenticated` that lifts `require auth` on this listener.
    const liftedOn = (listener) => requireAuth.map((n) => n.notOn?.[listener]).find((line) => line !== undefined);
    const groups = new FindingGroups(graph);
    // Clients of `allow unauthenticated from` send without authentication on purpose: the proof names them instead of counting them.
    const trusted = requireAuth.flatMap((n) => n.trusted ?? []);
    const exceptions = new FindingGroups(graph);
    return {
        observe(run) {
            if (run.login !== null || run.outcome.kind !== "accepted")
                return;
            const domain = domainOf(run.outcome.recipient);
            // An unqualified recipient that was accepted is the postmaster, which is local everywhere.
            if (domain === null || local.has(domain))
                return;
            const observed = stepIn(run, ["RequireAuth"], ["observe"]);
            const lifted = liftedOn(run.listener.endpoint);
            const passed = stepIn(run, ["RequireAuth"], ["pass"]);
            const trustedBy = passed && trusted.find((t) => t.origin.line === passed.origin.line && t.origin.file === passed.origin.file);
            if (trustedBy && run.listener.trusted) {
                const rule = ruleLocation(trustedBy.origin);
                const senders = trustedBy.senders.includes("*") ? "any sender" : trustedBy.senders.join(", ");
                exceptions.add(rule, () => ({
                    rule,
                    explanation: `clients in ${trustedBy.networks.map((n) => (isNonPublicNetwork(parseNetwork(n)) ? n : `${n} (public)`)).join(", ")} send without authentication to any domain, as ${senders} (\`allow unauthenticated from\`)`,
                }), run);
            }
            else if (observed) {
                const rule = ruleLocation(observed.origin);
                groups.add(rule, () => ({ rule, explanation: "`observe require auth` only logs: mail without authentication is taken for any domain" }), run);
            }
            else if (lifted !== undefined) {
                const rule = `${graph.source.file}:${lifted}`;
                groups.add(rule, () => ({ rule, explanation: `\`allow unauthenticated\` in the block for ${run.listener.endpoint}: mail without authentication is taken there for any domain` }), run);
            }
            else if (!requiresAuth) {
                groups.add("missing", () => ({ rule: null, missing: "require auth", explanation: "mail without authentication is taken for any domain" }), run);
            }
            else {
                groups.add("other", () => ({ rule: null, explanation: `an unauthenticated recipient outside the local domains is accepted` }), run);
            }
        },
        result(count) {
            const findings = groups.findings();
            const excepted = exceptions.findings();
            return {
                ...(excepted.length > 0 ? { exceptions: excepted } : {}),
                id: "a",
                claim: "no unauthenticated client can relay to a non-local domain",
                refutation: "an unauthenticated client can relay to a non-local domain",
                severity: "error",
                status: statusOf(findings, count),
                findings,
            };
        },
    };
}
//# sourceMappingURL=relay.js.map