// Property (d): every rule can fire. A rule the classes decide (require tls, require auth, senders,
// limit recipients to) that refuses no session class is dead: shadowed by an earlier rule that
// refuses first, scoped to logins that never reach it, or passing everything it judges. A rule
// written `for` logins of which none is in the users file (when it can be read) never applies,
// whatever its kind. Both are warnings: the policy is safe, but it does not say what it does.
import { envelopeNodes, ruleLocation } from "../../graph/graph.js";
import { statusOf } from "./property.js";
/** The node kinds whose firing depends only on what the classes vary (listener, TLS, login, addresses), in the policy's words. */
const JUDGED_BY_CLASSES = {
    RequireTls: "require tls",
    RequireAuth: "require auth",
    SubmissionRights: "senders",
    RecipientsTo: "limit recipients to",
};
export function deadRulesCheck(context) {
    const { graph, users } = context;
    const candidates = new Map();
    for (const node of [...graph.stages.auth, ...envelopeNodes(graph.stages.mail), ...envelopeNodes(graph.stages.rcpt)]) {
        const words = JUDGED_BY_CLASSES[node.kind];
        if (!words || node.origin.line === 0)
            continue;
        const phrase = node.kind === "RecipientsTo" && node.except ? "limit recipients except" : words;
        candidates.set(`${ruleLocation(node.origin)} ${node.kind}`, { origin: node.origin, words: phrase, consulted: false, applied: false, fired: false });
    }
    const seenDecisions = new WeakSet();
    return {
        observe(run) {
            if (!run.loginExists)
                return;
            for (const decision of run.decisions) {
                if (seenDecisions.has(decision))
                    continue;
                seenDecisions.add(decision);
                for (const step of decision.trace) {
                    const seen = candidates.get(`${ruleLocation(step.origin)} ${step.node}`);
                    if (!seen)
                        continue;
                    seen.consulted = true;
                    if (step.outcome !== "skip")
                        seen.applied = true;
                    if (step.outcome === "refuse" || step.outcome === "observe" || step.outcome === "change")
                        seen.fired = true;
                }
            }
        },
        result(count) {
            const findings = [];
            const reported = new Set();
            // `for` logins that cannot log in: any refusing rule, the classes need not have run it.
            if (users !== null) {
                const scoped = [
                    ...graph.stages.auth,
                    ...envelopeNodes(graph.stages.mail),
                    ...envelopeNodes(graph.stages.rcpt),
                    ...graph.stages.message.nodes,
                    ...graph.limits.rates,
                ];
                for (const node of scoped) {
                    const logins = node.for?.logins ?? ("logins" in node && node.logins ? node.logins : null);
                    if (!logins || logins.some((login) => users.has(login)))
                        continue;
                    const rule = ruleLocation(node.origin);
                    if (reported.has(rule))
                        continue;
                    reported.add(rule);
                    const names = node.for?.names ?? logins;
                    findings.push({ rule, explanation: `never applies: \`for ${names.join(", ")}\` names no login of the users file` });
                }
            }
            if (!count.capped) {
                for (const seen of candidates.values()) {
                    const rule = ruleLocation(seen.origin);
                    if (seen.fired || reported.has(rule))
                        continue;
                    reported.add(rule);
                    const why = !seen.consulted
                        ? "an earlier rule refuses every session before it is consulted"
                        : !seen.applied
                            ? "it applies to no session that reaches it"
                            : "every session it judges passes it";
                    findings.push({ rule, explanation: `\`${seen.words}\` never refuses: ${why}` });
                }
            }
            findings.sort((a, b) => (a.rule ?? "").localeCompare(b.rule ?? "", undefined, { numeric: true }));
            return {
                id: "d",
                claim: "every rule can fire",
                refutation: "some rules can never fire",
                severity: "warning",
                status: statusOf(findings, count),
                findings,
            };
        },
    };
}
//# sourceMappingURL=deadRules.js.map