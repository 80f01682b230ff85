import { ruleLocation } from "../../graph/graph.js";
/** Connection errors that a client causes (a broken TLS handshake, a reset or timed-out socket). */
const CLIENT_ERROR_CODES = new Set(["TLSError", "SocketError", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ERR_SSL_WRONG_VERSION_NUMBER"]);
/**
 * The stage a log event names (docs/deployment.md): SMTP's, except that the start of AUTH is
 * `auth`, and the steps after DATA name what refused: `aliases`, `sign` or `deliver`.
 */
export function logStage(event, decision) {
    const node = decision.trace.at(-1)?.node;
    if (event.type === "authStart")
        return "auth";
    if (event.type === "message" && node === "Aliases")
        return "aliases";
    if (event.type === "delivery")
        return node === "SignDkim" ? "sign" : "deliver";
    if (event.type === "milter")
        return event.stage;
    if (event.type === "milterMessage")
        return "message";
    return event.type;
}
export class SessionLog {
    log;
    metrics;
    deliverOrigin;
    constructor(log, metrics, 
    /** The deliver rule, which next-hop refusals of single recipients name. */
    deliverOrigin) {
        this.log = log;
        this.metrics = metrics;
        this.deliverOrigin = deliverOrigin;
    }
    /**
     * A client that breaks off a TLS handshake, sends plain text after STARTTLS or drops the
     * socket is the client's problem, logged as a warning; anything else is the server's, an error.
     */
    serverError(error) {
        const clientSide = error.meta?.remoteAddress !== undefined || CLIENT_ERROR_CODES.has(error.code ?? "");
        const fields = { event: "client-error", client: error.meta?.remoteAddress, code: error.code, err: error.message };
        // A reset is how many clients hang up (HAProxy ends each health check with one): not worth a warning.
        if (error.code === "ECONNRESET")
            this.log.info(fields, "client reset the connection");
        else if (clientSide)
            this.log.warn(fields, "client connection failed");
        else
            this.log.error({ event: "server-error", err: error.message }, "server error");
    }
    refusal(session, stage, reply, origin, detail, event = "reject") {
        if (event === "reject")
            this.metrics?.recordRefusal(stage, origin.line > 0 ? origin : null);
        else
            this.metrics?.wouldRejectByRule.inc({ rule: ruleLocation(origin) });
        this.log.warn({
            event,
            session: session.id,
            client: session.remoteAddress,
            stage,
            code: reply.code,
            enhanced: reply.enhanced,
            rule: ruleLocation(origin),
            ...(origin.builtin ? { default: origin.builtin } : {}),
            ...(detail ? { detail } : {}),
        }, `${reply.code} ${reply.enhanced} ${reply.text}`);
    }
    /**
     * Each sender address the `rewrite senders` table changed (at MAIL, and in the header after
     * DATA): the policy rule (`rule`) and the table line (`entry`), both as `FILE:LINE`.
     */
    rewrites(session, trace) {
        for (const step of trace) {
            if (step.node !== "RewriteSenders" || step.outcome !== "change")
                continue;
            this.log.info({ event: "sender-rewritten", session: session.id, client: session.remoteAddress, rule: ruleLocation(step.origin), entry: step.entry, detail: step.detail }, "sender address rewritten");
        }
    }
    /** What the finish stage did that the log keeps: removed fields (names only: Bcc lists recipients) and alias expansions. */
    plan(session, queueId, plan) {
        for (const name of plan.removed)
            this.log.info({ event: "removed-header", session: session.id, queueId, name }, "header field removed");
        for (const e of plan.expansions) {
            this.log.info({ event: "alias-expansion", session: session.id, queueId, recipient: e.recipient, expandedTo: e.expandedTo, ...(e.problems.length > 0 ? { problems: e.problems } : {}) }, "recipient expanded");
        }
    }
    accepted(session, state, queueId, plan, outcome, size) {
        this.metrics?.messagesAccepted.inc();
        this.metrics?.messageBytes.inc(size);
        this.log.info({
            event: "accept",
            session: session.id,
            client: state.clientAddress,
            login: state.login,
            queueId,
            ...(outcome.id !== queueId ? { deliveredAs: outcome.id } : {}),
            size,
            recipients: plan.envelope.recipients.length,
            ...(outcome.refused ? { refused: outcome.refused.length } : {}),
            from: plan.envelope.mailFrom,
            // Without a login, which `allow unauthenticated from` rule let the client in.
            ...(state.transaction?.trustedNetwork
                ? { trustedNetwork: state.transaction.trustedNetwork.network, trustedBy: ruleLocation(state.transaction.trustedNetwork.origin) }
                : {}),
        }, "message accepted");
        this.refusedRecipients(session, queueId, plan.envelope.mailFrom, outcome);
        // XFORWARD is for the next hop's logs only: its refusal did not keep the message back
        if (outcome.xforwardRefused) {
            this.log.warn({ event: "xforward-refused", session: session.id, queueId, reply: outcome.xforwardRefused, rule: ruleLocation(this.deliverOrigin) }, "XFORWARD refused by the next hop");
        }
    }
    /**
     * Recipients the next hop refused while it took the message for the others (the client's 250
     * stands for those): each one with the deliver rule, then what became of the sender's DSN.
     */
    refusedRecipients(session, queueId, sender, outcome) {
        const rule = ruleLocation(this.deliverOrigin);
        for (const r of outcome.refused ?? []) {
            this.log.warn({ event: "recipient-refused", session: session.id, queueId, recipient: r.address, code: r.code, enhanced: r.enhanced, reply: r.text, rule }, `recipient <${r.address}> refused by the next hop`);
        }
        const report = outcome.refusalReport;
        if (!report)
            return;
        const fields = { event: "dsn", session: session.id, queueId, action: "failed", to: sender, ...report };
        if (report.result === "failed")
            this.log.error(fields, "DSN about refused recipients could not be sent");
        else
            this.log.info(fields, report.result === "sent" ? "DSN about refused recipients sent" : "no DSN about refused recipients");
    }
}
//# sourceMappingURL=sessionLog.js.map