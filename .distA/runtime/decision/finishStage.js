import { expandEnvelopeRecipients } from "../aliases/aliasRecipients.js";
import { dedupeRecipients } from "../deliver/dedupeRecipients.js";
import { domainCovers } from "../dkim/domainCovers.js";
import { messageFromDomain } from "../dkim/fromDomain.js";
import { applyHeaderEdits } from "../message/headerEdits.js";
import { decided, protocolOrigin } from "./envelopeStage.js";
import { Replies } from "../../graph/replies.js";
export function finishMessage(graph, state, transaction, plan, steps, tables) {
    const trace = steps.trace;
    let recipients = dedupeRecipients(transaction.recipients);
    if (recipients.length < transaction.recipients.length) {
        const origin = protocolOrigin(graph, "each mailbox gets one copy");
        trace.push({ node: "DedupeRecipients", origin, outcome: "change", detail: `${transaction.recipients.length - recipients.length} repeated recipient(s) dropped` });
    }
    let expansions = [];
    if (graph.aliases) {
        const origin = graph.aliases.origin;
        // A file that could not be read expands nothing (its problems were logged when it was loaded).
        const expanded = tables?.aliases ? expandEnvelopeRecipients(tables.aliases, recipients, graph.localDomains) : null;
        if (expanded) {
            expansions = expanded.expansions;
            for (const e of expanded.expansions)
                trace.push({ node: "Aliases", origin, outcome: "change", detail: `${e.recipient} -> ${e.expandedTo.join(", ") || "(nowhere)"}` });
            if (expanded.recipients.length === 0) {
                const detail = `no recipient left: ${expanded.nowhere.join(", ")}`;
                trace.push({ node: "Aliases", origin, outcome: "refuse", detail });
                return decided(steps, { verdict: { kind: "refuse", reply: Replies.aliasLoop, origin }, state });
            }
            recipients = expanded.recipients;
        }
    }
    // `copy to`: after aliases (the archive address is taken as written), each address once.
    if (graph.copyTo) {
        // Compared as mailboxes are everywhere (exact local parts): a recipient the client named keeps its own DSN.
        const before = recipients.length;
        recipients = dedupeRecipients([...recipients, ...graph.copyTo.addresses.map((address) => ({ address, dsn: { notify: ["NEVER"] } }))]);
        const added = recipients.slice(before).map((r) => r.address);
        trace.push({
            node: "CopyTo",
            origin: graph.copyTo.origin,
            outcome: added.length > 0 ? "change" : "skip",
            detail: added.length > 0 ? `+ ${added.join(", ")}` : "already a recipient",
        });
    }
    const message = applyHeaderEdits(plan.bytes, plan.header, plan.edits);
    const fromDomain = graph.dkim.length > 0 ? messageFromDomain(message) : null;
    const signatures = fromDomain === null ? [] : graph.dkim.filter((signature) => domainCovers(signature.domain, fromDomain));
    for (const signature of graph.dkim) {
        const signs = signatures.includes(signature);
        trace.push({
            node: "SignDkim",
            origin: signature.origin,
            outcome: signs ? "change" : "skip",
            detail: signs ? `signed by ${signature.selector}._domainkey.${signature.domain}` : `From domain ${fromDomain ?? "(none)"} is not ${signature.domain} or below it`,
        });
    }
    const envelope = {
        mailFrom: transaction.mailFrom,
        recipients,
        dsn: transaction.dsn,
        smtputf8: transaction.smtputf8,
        ...(transaction.bodyType ? { bodyType: transaction.bodyType } : {}),
    };
    return decided(steps, { verdict: { kind: "accept" }, state, result: { ...plan, envelope, message, fromDomain, signatures, expansions } });
}
//# sourceMappingURL=finishStage.js.map