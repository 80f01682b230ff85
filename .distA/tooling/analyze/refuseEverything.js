// Property (e): no rule set refuses every recipient or every sender of a login that can log in
// (or, when the policy takes mail without authentication, of a session without one): a login
// whose every MAIL FROM, or every RCPT TO after an accepted MAIL FROM, is refused cannot submit
// anything, which no policy means to say. An error: the policy is broken for those logins.
import { envelopeNodes, ruleLocation } from "../../graph/graph.js";
import { ruleInWords } from "./wording.js";
import { statusOf } from "./property.js";
import { describeSession, simulateCommand } from "./simulateCommand.js";
export function refuseEverythingCheck(context) {
    const { graph } = context;
    const withoutLogin = !envelopeNodes(graph.stages.rcpt).some((n) => n.kind === "RequireAuth");
    const standings = new Map();
    return {
        observe(run) {
            if (run.login ? !run.loginExists : !withoutLogin)
                return;
            const outcome = run.outcome;
            if (outcome.kind === "impossible" || (outcome.kind === "refused" && outcome.stage === "auth"))
                return;
            const name = run.login?.login ?? "a session without login";
            let standing = standings.get(name);
            if (!standing) {
                standing = { name, mailAccepted: false, rcptAccepted: false, mailRefusedBy: new Map(), rcptRefusedBy: new Map(), classes: 0 };
                standings.set(name, standing);
            }
            standing.classes++;
            const refuser = (refusedBy) => {
                if (outcome.kind === "refused" && outcome.origin)
                    refusedBy.set(`${ruleInWords(outcome.origin)} (${outcome.node})`, outcome.origin);
            };
            if (outcome.kind === "refused" && outcome.stage === "mail") {
                if (run.mailFrom === "")
                    return;
                refuser(standing.mailRefusedBy);
                standing.mailExample ??= run;
                return;
            }
            if (run.mailFrom !== "")
                standing.mailAccepted = true;
            if (outcome.kind === "accepted")
                standing.rcptAccepted = true;
            else {
                refuser(standing.rcptRefusedBy);
                if (run.mailFrom !== "")
                    standing.rcptExample ??= run;
            }
        },
        result(count) {
            const findings = [];
            if (!count.capped) {
                const groups = new Map();
                for (const standing of standings.values()) {
                    const what = !standing.mailAccepted ? "sender" : !standing.rcptAccepted ? "recipient" : null;
                    if (!what)
                        continue;
                    const rules = [...(what === "sender" ? standing.mailRefusedBy : standing.rcptRefusedBy)].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
                    const key = `${what} ${rules.map(([words]) => words).join(" ")}`;
                    const example = (what === "sender" ? standing.mailExample : standing.rcptExample);
                    const group = groups.get(key);
                    if (group) {
                        group.names.push(standing.name);
                        group.classes += standing.classes;
                    }
                    else
                        groups.set(key, { what, rules, names: [standing.name], example, classes: standing.classes });
                }
                for (const group of groups.values()) {
                    const who = group.names.length === standings.size && standings.size > 1 ? "every login" : group.names.join(", ");
                    const command = group.what === "sender" ? "MAIL FROM" : "RCPT TO";
                    const others = group.rules.slice(1).map(([words]) => words);
                    findings.push({
                        rule: group.rules[0] ? ruleLocation(group.rules[0][1]) : null,
                        explanation: `every ${command} of ${who} is refused${others.length > 0 ? `, by this rule and ${others.join(", ")}` : ""}`,
                        example: describeSession(group.example),
                        sessions: group.classes,
                        simulate: simulateCommand(graph, group.example),
                    });
                }
            }
            return {
                id: "e",
                claim: "no rule set refuses every recipient or every sender",
                refutation: "a rule set refuses every recipient or every sender",
                severity: "error",
                status: statusOf(findings, count),
                findings,
            };
        },
    };
}
//# sourceMappingURL=refuseEverything.js.map