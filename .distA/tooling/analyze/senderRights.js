// Property (b): no login can send as an address it was not granted: its own address, or what the
// senders table grants it (RFC 6409 section 6.1). Without a `senders` rule, with `observe senders`
// or `allow sender mismatch`, the server takes such a MAIL FROM; a warning, since RFC 6409 asks
// for the check (SHOULD) without forbidding its absence.
import { appliesTo, envelopeNodes, ruleLocation } from "../../graph/graph.js";
import { mayUse } from "../../runtime/rights/senderGrants.js";
import { senderTableOf } from "../../runtime/decision/tables.js";
import { qualifyDomainOf } from "./sessionSpace.js";
import { FindingGroups, statusOf, stepIn } from "./property.js";
export function senderRightsCheck(context) {
    const { graph, tables } = context;
    const rights = envelopeNodes(graph.stages.mail).filter((n) => n.kind === "SubmissionRights");
    const ownDomain = qualifyDomainOf(graph);
    const empty = { logins: new Map() };
    // What the login was granted on this listener (the rules for it, `on` and `for` included),
    // whatever the server then does with a MAIL FROM outside it.
    const granted = (login, listener, address) => {
        const judging = rights.filter((node) => appliesTo(node, { login, listener }));
        return judging.length === 0
            ? mayUse(empty, login, address, ownDomain)
            : judging.some((node) => mayUse(senderTableOf(node, tables), login, address, node.ownDomain ?? ownDomain));
    };
    const groups = new FindingGroups(graph);
    return {
        observe(run) {
            if (!run.login || !run.loginExists || run.mailFrom === "" || run.outcome.kind !== "accepted")
                return;
            if (granted(run.login.login, run.listener.endpoint, run.mailFrom))
                return;
            // The rule that let it through names the finding before one that did not judge the login.
            const step = stepIn(run, ["SubmissionRights"], ["observe", "change"]) ?? stepIn(run, ["SubmissionRights"], ["skip"]);
            let key;
            let finding;
            if (!step) {
                key = "missing";
                finding = () => ({ rule: null, missing: "senders", explanation: "submission rights are not checked: any login may use any address as MAIL FROM" });
            }
            else {
                const rule = ruleLocation(step.origin);
                key = `${rule} ${step.outcome}`;
                const why = step.outcome === "observe"
                    ? "`observe senders` only logs a MAIL FROM the login may not use"
                    : step.outcome === "change"
                        ? "`allow sender mismatch` takes a MAIL FROM the login may not use (and adds Sender:)"
                        : `the senders rule does not judge ${run.login.login}`;
                finding = () => ({ rule, explanation: why });
            }
            groups.add(key, finding, run);
        },
        result(count) {
            const findings = groups.findings();
            return {
                id: "b",
                claim: "no login can send as an address it was not granted",
                refutation: "a login can send as an address it was not granted",
                severity: "warning",
                status: statusOf(findings, count),
                findings,
            };
        },
    };
}
//# sourceMappingURL=senderRights.js.map