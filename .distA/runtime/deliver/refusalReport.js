// The in-line relay's word to the sender about recipients the next hop refused for good while it
// took the message for the others. The client's 250 covers the message, and SMTP has no reply
// per recipient after DATA, so their fate goes back as an RFC 3464 DSN, sent at once through the
// same relay with the null sender (RFC 5321 section 4.5.5), before the client hears 250.
import { buildDsn, smtpDiagnostic, wantsFailureNotice } from "../queue/dsn.js";
/** Sends the DSN with `send` when the sender wants one; never throws. */
export async function reportRefusedRecipients(input, send) {
    const { envelope, refused } = input;
    const addresses = refused.map((r) => r.address);
    // RFC 3461 section 6.2: never a DSN about a message from the null sender
    if (envelope.mailFrom === "")
        return { result: "not wanted", recipients: addresses, reason: "null sender" };
    const reported = refused.filter((r) => wantsFailureNotice(envelope.recipients.find((e) => e.address === r.address)?.dsn?.notify));
    if (reported.length === 0)
        return { result: "not wanted", recipients: addresses, reason: "NOTIFY" };
    const dsn = buildDsn({
        reportingMta: input.hostname,
        action: "failed",
        original: { id: input.queueId, receivedAt: input.now.toISOString(), envelope, message: input.message },
        recipients: reported.map((r) => {
            const orcpt = envelope.recipients.find((e) => e.address === r.address)?.dsn?.orcpt;
            return {
                address: r.address,
                ...(orcpt ? { orcpt } : {}),
                status: r.enhanced,
                diagnostic: smtpDiagnostic(r.code, r.enhanced, r.text) ?? r.text,
                lastAttempt: input.now,
            };
        }),
        now: input.now,
        ...(input.remoteMta ? { remoteMta: input.remoteMta } : {}),
    });
    const recipients = reported.map((r) => r.address);
    try {
        const outcome = await send(dsn.envelope, dsn.message);
        if (outcome.kind === "accepted")
            return { result: "sent", recipients, id: outcome.id };
        return { result: "failed", recipients, text: outcome.text };
    }
    catch (error) {
        return { result: "failed", recipients, text: error.message };
    }
}
//# sourceMappingURL=refusalReport.js.map