// DSN generation of the queue: which DSNs the recipients' states call for (RFC 3461 section 4.1,
// NOTIFY), written into the queue as records of their own (dsn.ts builds them).
import { writeSpoolRecord } from "../deliver/spoolWriter.js";
import { QueueStatus } from "../../graph/replies.js";
import { buildDsn, smtpDiagnostic, wantsFailureNotice } from "./dsn.js";
/**
 * Queues the DSNs that the recipients' states call for (RFC 3461 section 4.1, NOTIFY):
 * failed -> unless NOTIFY=NEVER or NOTIFY without FAILURE; delivered -> "relayed" only for
 * NOTIFY=SUCCESS when the next hop does not offer DSN; still pending after delayNoticeMs ->
 * "delayed" once, only for NOTIFY containing DELAY. Never for the null sender (RFC 3461
 * section 6.2: no DSN about a DSN). Marks what it handled; returns whether every final
 * recipient is reported (a failed DSN write is tried again at the next attempt).
 */
export async function queueDueDsns(dir, record, state, context) {
    const nullSender = record.envelope.mailFrom === "";
    const groups = { failed: [], relayed: [], delayed: [] };
    state.recipients.forEach((r, i) => {
        const notify = record.envelope.recipients[i]?.dsn?.notify;
        if (r.state === "failed" && !r.reported) {
            if (!nullSender && wantsFailureNotice(notify))
                groups.failed.push(i);
            else
                r.reported = true;
        }
        else if (r.state === "delivered" && !r.reported) {
            if (!nullSender && notify?.includes("SUCCESS") && !context.nextHopOffersDsn)
                groups.relayed.push(i);
            else
                r.reported = true;
        }
        else if (r.state === "pending" && !r.delayNotified && !nullSender && notify?.includes("DELAY") && context.now - Date.parse(record.receivedAt) >= context.delayNoticeMs) {
            groups.delayed.push(i);
        }
    });
    let allWritten = true;
    const letters = { failed: "F", relayed: "S", delayed: "D" };
    for (const action of ["failed", "relayed", "delayed"]) {
        const indexes = groups[action];
        if (indexes.length === 0)
            continue;
        const recipients = indexes.map((i) => {
            const r = state.recipients[i];
            const orcpt = record.envelope.recipients[i]?.dsn?.orcpt;
            const diagnostic = smtpDiagnostic(r.code, r.enhanced, r.text);
            return {
                address: r.address,
                ...(orcpt ? { orcpt } : {}),
                status: r.enhanced ?? QueueStatus.dsnDefault[action],
                ...(diagnostic ? { diagnostic } : {}),
                lastAttempt: new Date(context.now),
            };
        });
        const dsn = buildDsn({
            reportingMta: context.hostname,
            action,
            original: record,
            recipients,
            now: new Date(context.now),
            ...(context.remoteMta ? { remoteMta: context.remoteMta } : {}),
            ...(context.fullMessageLimit !== undefined ? { fullMessageLimit: context.fullMessageLimit } : {}),
        });
        // named after the record and the attempt: written twice after a crash, it replaces itself
        const dsnId = `${record.id}-${letters[action]}${state.attempts.length}`;
        const outcome = await writeSpoolRecord(dir, dsn.envelope, dsn.message, { dsnFor: record.id, dsnAction: action }, { id: dsnId, receivedAt: new Date(context.now) });
        if (outcome.kind !== "accepted") {
            allWritten = false;
            context.log?.error({ event: "queue-dsn-failed", queueId: record.id, action, err: outcome.text }, "cannot queue a DSN");
            continue;
        }
        for (const i of indexes) {
            if (action === "delayed")
                state.recipients[i].delayNotified = true;
            else
                state.recipients[i].reported = true;
        }
        context.log?.info({ event: "queue-dsn", queueId: record.id, dsnId, action, to: record.envelope.mailFrom, recipients: indexes.length }, `DSN (${action}) queued`);
    }
    return allWritten && state.recipients.every((r) => r.state === "pending" || r.reported);
}
//# sourceMappingURL=queueDsns.js.map