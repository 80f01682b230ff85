// In-line relay (`deliver relay smtp://HOST:PORT`) and the queue runner's client: hands one
// message to the next hop over SMTP (a new connection, or a session reused from a RelayPool,
// RSET between messages) and maps what happened to the reply our client gets. This file runs the
// transaction; beside it: relayEndpoint.ts (the URL and CA), relayConnection.ts (opening and
// closing sessions), relayContent.ts (8-bit content for a 7-bit next hop), smtpConnectionInternals.ts
// (what nodemailer's API cannot do), relayOutcome.ts (replies and failures as outcomes).
//
// Decisions:
// - SMTP has no per-recipient reply after DATA (LMTP does, RFC 2033), so the whole message
//   gets one outcome: every recipient accepted -> accepted; any recipient deferred (4xx) ->
//   the transaction is abandoned before the final dot (RFC 5321 section 4.1.1.4: nothing is
//   delivered without it) and the outcome is temporary, so the client's retry sends no
//   duplicates; some refused for good (5xx) and the rest accepted -> accepted, with the
//   refused ones in `perRecipient` for the caller to log (or to report in a DSN); all refused
//   for good -> permanent with the first refusal.
// - A 5xx to MAIL, RCPT or the message is passed on as permanent; anything that is about our
//   session with the next hop (greeting, EHLO, STARTTLS, AUTH, 530 "authentication required")
//   is temporary: it is our configuration or the next hop's state, not the message.
// - Session-level 4xx/5xx keep the next hop's enhanced code with the class made 4.
// - 8-bit content for a next hop without 8BITMIME is converted to 7-bit MIME (RFC 6409 section
//   8.4, sevenBitConversion.ts), then signed again (`resign`) so that DKIM verifies where it lands;
//   only what cannot be converted is refused, 554 5.6.3.
// - Under `xforward`, the client's facts go before each MAIL FROM when the next hop offers
//   XFORWARD (xforward.ts); its refusal is no reason to keep the message back: the transaction
//   goes on, and the outcome carries the reply for the log. Postfix resets the attributes after
//   each transaction, so a reused session gets them again.
import { DeliveryReplies } from "../../graph/replies.js";
import { closeConnection, openConnection, poolKey } from "./relayConnection.js";
import { contentForNextHop } from "./relayContent.js";
import { prepareTarget } from "./relayEndpoint.js";
import { RelayConnectionEnded, RelayDeadlineExceeded, RelayTlsMissing } from "./relayFailures.js";
import { outcomeForError, queueIdFromReply, recipientResults, refusalForMissingExtension, singleLine, temporary } from "./relayOutcome.js";
import { isUsable } from "./relayPool.js";
import { chunkingKeywords, hasExpectedInternals, messageGatedOnRecipients, rewriteEnvelopeCommands, sendWithBdat, sendXforward, } from "./smtpConnectionInternals.js";
import { offeredXforwardAttributes, xforwardCommands } from "./xforward.js";
const DEFAULT_TOTAL_TIMEOUT_MS = 300_000;
/** Relays one message; never throws, every failure is an outcome. */
export async function relayMessage(target, envelope, message, options = {}) {
    let prepared;
    try {
        prepared = prepareTarget(target);
    }
    catch (error) {
        return temporary(DeliveryReplies.relayMisconfigured(error.message));
    }
    const { endpoint, ca } = prepared;
    if (envelope.recipients.length === 0) {
        return temporary(DeliveryReplies.noRecipients);
    }
    const attempt = {
        target,
        endpoint,
        ca,
        where: `${endpoint.host}:${endpoint.port}`,
        options,
        deadlineAt: Date.now() + (options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS),
    };
    const first = await relayOnce(attempt, envelope, message, false);
    // a reused session the next hop had closed meanwhile fails before anything was sent: once
    // more on a new session (the first attempt cannot have delivered: the message never left)
    if (first.staleSession)
        return (await relayOnce(attempt, envelope, message, true)).outcome;
    return first.outcome;
}
async function relayOnce(attempt, envelope, message, fresh) {
    const { target, where, options } = attempt;
    const pool = options.pool;
    const key = pool ? poolKey(attempt) : "";
    let session = null;
    let reused = false;
    if (pool) {
        const acquired = await pool.acquire(key, Math.max(0, attempt.deadlineAt - Date.now()), fresh);
        if (acquired === "timeout")
            return { outcome: temporary(DeliveryReplies.noFreeConnection(where)) };
        if (acquired !== "open") {
            session = acquired;
            reused = true;
        }
    }
    const connection = session?.connection ?? openConnection(attempt);
    const internals = connection;
    if (!hasExpectedInternals(internals)) {
        pool?.release(key, null, false);
        closeConnection(connection, false);
        return { outcome: temporary(DeliveryReplies.relayClientIncompatible) };
    }
    // Every step races the connection's own failure ('error', or an 'end' nobody expected) and
    // the overall deadline, so no path waits for a callback that will never come.
    let deadlineTimer;
    let onError = () => undefined;
    let onEnd = () => undefined;
    const failure = new Promise((_, reject) => {
        onError = reject;
        // nodemailer closes (emitting 'end') just before it hands a 421 or a refusal to the send
        // callback: give that callback the chance to settle first
        onEnd = () => setImmediate(() => reject(new RelayConnectionEnded()));
        connection.on("error", onError);
        connection.once("end", onEnd);
        deadlineTimer = setTimeout(() => reject(new RelayDeadlineExceeded()), Math.max(0, attempt.deadlineAt - Date.now()));
    });
    failure.catch(() => undefined);
    const step = (work) => Promise.race([work, failure]);
    const sendCommand = internals._sendCommand;
    let cleanSession = false; // the next hop is between transactions: reuse, or QUIT
    // A transaction the next hop answered after the final dot is over: the session is ready for
    // MAIL (RFC 5321 section 4.1.1.4), so only a refused or abandoned one is RSET before reuse.
    let transactionCompleted = false;
    let dataStarted = false;
    let restoreData = () => undefined;
    let outcome;
    const transact = async () => {
        if (!session) {
            await step(new Promise((done, fail) => connection.connect((error) => (error ? fail(error) : done()))));
            if (target.requireTls && !connection.secure) {
                throw new RelayTlsMissing(); // unreachable with requireTLS set, kept as a guard
            }
            if (target.auth) {
                const { user, pass } = target.auth;
                await step(new Promise((done, fail) => connection.login({ user, pass }, (error) => (error ? fail(error) : done()))));
            }
            session = { key, connection, extensions: new Set([...internals._supportedExtensions, ...chunkingKeywords(internals._ehloLines)]), messages: 0 };
        }
        const extensions = session.extensions;
        const refusal = refusalForMissingExtension(envelope, extensions, where);
        if (refusal) {
            cleanSession = true;
            return refusal;
        }
        // a BINARYMIME body goes as it is (refusalForMissingExtension checked the next hop takes it)
        const content = envelope.bodyType === "BINARYMIME" ? { payload: message, converted: false } : await contentForNextHop(message, extensions, target, options.resign, where);
        if ("kind" in content) {
            cleanSession = true;
            return content;
        }
        const { payload, converted } = content;
        let xforwardRefused;
        if (target.xforward && options.client) {
            const offered = offeredXforwardAttributes(internals._ehloLines);
            const refusal = offered && (await step(sendXforward(internals, xforwardCommands(options.client, offered), extensions.has("PIPELINING"))));
            if (refusal)
                xforwardRefused = `${where} said: ${singleLine(refusal)}`;
        }
        // RFC 3030: BDAT when offered, so the message goes without dot-stuffing or an end-of-data line to misread
        if (extensions.has("CHUNKING"))
            restoreData = sendWithBdat(internals);
        rewriteEnvelopeCommands(internals, envelope, extensions);
        const info = await step(new Promise((done, fail) => connection.send({
            from: envelope.mailFrom,
            to: envelope.recipients.map((recipient) => recipient.address),
            size: payload.length, // RFC 1870: SIZE=, so an oversized message is refused before DATA
            use8BitMime: envelope.bodyType === "8BITMIME" && !converted,
            dsn: envelope.dsn && { ret: envelope.dsn.ret, envid: envelope.dsn.envid },
        }, messageGatedOnRecipients(payload, internals, () => (dataStarted = true)), (error, sent) => (error ? fail(error) : done(sent)))));
        cleanSession = true;
        transactionCompleted = true;
        const perRecipient = recipientResults(envelope, info.rejectedErrors ?? [], where);
        const refused = perRecipient.filter((result) => result.status !== "accepted").length;
        return {
            kind: "accepted",
            id: queueIdFromReply(info.response) ?? connection.id,
            detail: `relayed to ${where}: ${singleLine(info.response)}` + (refused ? ` (${refused} recipient(s) refused)` : "") + (converted ? " (converted to 7-bit MIME)" : ""),
            perRecipient,
            nextHopExtensions: [...extensions],
            ...(xforwardRefused ? { xforwardRefused } : {}),
        };
    };
    try {
        outcome = await transact();
    }
    catch (error) {
        const clientError = error;
        // replies to MAIL, RCPT or the message leave the next hop ready for the next command;
        // anything else (a dropped connection, a timeout, an abandoned DATA) is torn down
        cleanSession = typeof clientError.responseCode === "number" && (clientError.code === "EENVELOPE" || clientError.code === "EMESSAGE");
        outcome = outcomeForError(clientError, envelope, connection, where);
        const connectionLost = typeof clientError.responseCode !== "number" && (error instanceof RelayConnectionEnded || clientError.code === "ECONNECTION" || clientError.code === "ESOCKET");
        if (reused && !dataStarted && connectionLost) {
            restoreData();
            internals._sendCommand = sendCommand;
            clearTimeout(deadlineTimer);
            detach();
            pool?.release(key, null, false);
            closeConnection(connection, false);
            return { outcome, staleSession: true };
        }
    }
    finally {
        restoreData();
        internals._sendCommand = sendCommand;
    }
    // the session: back to the pool (after RSET, RFC 5321 section 4.1.1.5, unless the
    // transaction completed), or closed
    let keep = false;
    if (pool && cleanSession && session && isUsable(connection)) {
        session.messages++;
        try {
            if (!transactionCompleted)
                await step(new Promise((done, fail) => connection.reset((error) => (error ? fail(error) : done()))));
            keep = true;
        }
        catch {
            keep = false;
        }
    }
    clearTimeout(deadlineTimer);
    detach();
    if (pool)
        pool.release(key, keep ? session : null, keep);
    if (!keep)
        closeConnection(connection, cleanSession);
    return { outcome };
    function detach() {
        connection.off("error", onError);
        connection.off("end", onEnd);
    }
}
//# sourceMappingURL=relayClient.js.map