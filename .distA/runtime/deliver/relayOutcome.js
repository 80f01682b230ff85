// Reply classification: what the next hop said (or how the connection failed) as the outcome
// of a relay attempt and each recipient's result. The codes and texts msa uses itself come from
// the reply catalogue (graph/replies.ts); the next hop's replies are passed on, the
// class of a session-level one made 4 (see relayClient.ts for the decisions).
import { DeliveryReplies, NextHopStatus } from "../../graph/replies.js";
import { RelayConnectionEnded, RelayDeadlineExceeded, RelayRecipientDeferred, RelayTlsMissing } from "./relayFailures.js";
// A 4xx the next hop gave a recipient without a reply code is 451 (RFC 5321 section 4.2.2).
const TEMPORARY_CODE = 451;
const AUTH_REQUIRED_REPLY = 530; // RFC 4954 section 6: the next hop wants us to authenticate
const MAX_TEXT_LENGTH = 400;
/** The outcome of an attempt that ended with `error` (a refusal, a failed session or connection). */
export function outcomeForError(error, envelope, connection, where) {
    const heardFromHost = connection.lastServerResponse !== false;
    if (error instanceof RelayRecipientDeferred || (error.code === "EENVELOPE" && error.rejectedErrors)) {
        // RCPT phase: decide from every recipient's reply, not from nodemailer's summary
        const perRecipient = recipientResults(envelope, error.rejectedErrors ?? [], where);
        const deferred = perRecipient.find((result) => result.status === "temporary");
        const refused = perRecipient.find((result) => result.status === "permanent");
        const decisive = deferred ?? refused;
        if (decisive && decisive.status !== "accepted") {
            const outcome = decisive.status === "temporary"
                ? temporary(DeliveryReplies.recipientDeferred(decisive.address, decisive.enhanced, decisive.text))
                : { kind: "permanent", code: decisive.code, enhanced: decisive.enhanced, text: decisive.text };
            return { ...outcome, perRecipient };
        }
    }
    if (error instanceof RelayDeadlineExceeded) {
        return temporary(DeliveryReplies.nextHopTooSlow(where, heardFromHost));
    }
    if (error instanceof RelayConnectionEnded) {
        return temporary(DeliveryReplies.nextHopClosed(where, heardFromHost));
    }
    if (error instanceof RelayTlsMissing) {
        return temporary(DeliveryReplies.nextHopTlsMissing(where));
    }
    if (typeof error.responseCode === "number" && error.response) {
        return outcomeForReply(error, where);
    }
    if (error.code === "EMESSAGE" && error.command === "MAIL FROM") {
        // nodemailer compares our size with the next hop's SIZE limit before sending MAIL
        return permanent(DeliveryReplies.tooBigForNextHop(where));
    }
    if (error.code === "EDNS") {
        return temporary(DeliveryReplies.nextHopUnresolvable(where));
    }
    if (error.code === "ETLS" || isTlsFailure(error.originalCode)) {
        return temporary(DeliveryReplies.nextHopTlsFailed(where, error.originalCode ?? error.message));
    }
    if (error.code === "EAUTH") {
        return temporary(DeliveryReplies.nextHopAuthFailed(where));
    }
    if (error.command === "API") {
        return temporary(DeliveryReplies.cannotRelay(singleLine(error.message)));
    }
    const reason = error.originalCode ?? error.timeoutType ?? error.code ?? "error";
    return temporary(DeliveryReplies.nextHopConnectionFailed(where, heardFromHost, error.timeoutType === "CONNECT_TIMEOUT", reason));
}
/** A reply from the next hop that ended the attempt. */
function outcomeForReply(error, where) {
    const code = error.responseCode;
    const reply = singleLine(error.response);
    const enhanced = enhancedCodeOf(error.response, code);
    const text = `${where} said: ${reply}`;
    const aboutTheMessage = error.code === "EENVELOPE" || error.code === "EMESSAGE";
    if (aboutTheMessage && isPermanentReply(code) && code !== AUTH_REQUIRED_REPLY) {
        return { kind: "permanent", code, enhanced: enhanced ?? NextHopStatus.refusedWithoutCode, text };
    }
    if (aboutTheMessage && !isPermanentReply(code)) {
        return temporary({ code: TEMPORARY_CODE, enhanced: enhanced ?? (code === 421 ? NextHopStatus.closing : NextHopStatus.deferredWithoutCode), text });
    }
    // the session itself failed: greeting, EHLO, STARTTLS, AUTH, 421, or 530 at MAIL
    if (error.code === "ETLS")
        return temporary(DeliveryReplies.nextHopTlsRefused(text));
    const fallback = error.code === "EAUTH" || code === AUTH_REQUIRED_REPLY ? NextHopStatus.securityFailed : NextHopStatus.sessionFailed;
    return temporary({ code: TEMPORARY_CODE, enhanced: enhanced ? "4" + enhanced.slice(1) : fallback, text });
}
/** Each recipient's result, from the refusals nodemailer collected at RCPT. */
export function recipientResults(envelope, rejectedErrors, where) {
    const refusals = new Map();
    for (const error of rejectedErrors) {
        if (!error.recipient)
            continue;
        const list = refusals.get(error.recipient) ?? [];
        list.push(error);
        refusals.set(error.recipient, list);
    }
    return envelope.recipients.map(({ address }) => {
        const refusal = refusals.get(address.trim())?.shift();
        if (!refusal)
            return { address, status: "accepted" };
        const code = refusal.responseCode ?? TEMPORARY_CODE;
        const permanent = isPermanentReply(code);
        const enhanced = refusal.response ? enhancedCodeOf(refusal.response, code) : undefined;
        return {
            address,
            status: permanent ? "permanent" : "temporary",
            code,
            enhanced: enhanced ?? (permanent ? NextHopStatus.refusedWithoutCode : NextHopStatus.deferredWithoutCode),
            text: `${where} said: ${singleLine(refusal.response ?? refusal.message)}`,
        };
    });
}
/**
 * Decides for the client: an address with non-ASCII characters cannot go to a next hop that
 * does not offer SMTPUTF8 (RFC 6531 section 3.2); no conversion can change an address. 8-bit
 * content is converted instead (sevenBitConversion.ts).
 */
export function refusalForMissingExtension(envelope, extensions, where) {
    if (!extensions.has("SMTPUTF8")) {
        const addresses = [envelope.mailFrom, ...envelope.recipients.map((recipient) => recipient.address)];
        if (addresses.some((address) => /[^\x00-\x7f]/.test(address))) {
            return permanent(DeliveryReplies.nonAsciiAddressRefused(where));
        }
    }
    // RFC 3030 section 3: a BINARYMIME body is never converted; a next hop without BDAT and BINARYMIME cannot take it
    if (envelope.bodyType === "BINARYMIME" && !(extensions.has("CHUNKING") && extensions.has("BINARYMIME"))) {
        return permanent(DeliveryReplies.binaryMimeRefused(where));
    }
    return undefined;
}
/** A temporary outcome: the client gets 451 and the enhanced code, the text on one line. */
export function temporary(reply) {
    return { kind: "temporary", code: TEMPORARY_CODE, enhanced: reply.enhanced, text: singleLine(reply.text) };
}
export function permanent(reply) {
    return { kind: "permanent", code: reply.code, enhanced: reply.enhanced, text: reply.text };
}
export function isPermanentReply(code) {
    return typeof code === "number" && code >= 500 && code < 600;
}
/** RFC 2034 section 4: the enhanced code follows the reply code; its class must match. */
function enhancedCodeOf(response, code) {
    const match = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(response);
    if (!match || match[1] !== String(code)[0])
        return undefined;
    return `${match[1]}.${match[2]}.${match[3]}`;
}
/** "250 2.0.0 Ok: queued as ABC123" (Postfix) and the like, for logs that follow the message. */
export function queueIdFromReply(response) {
    return response ? /queued as ([A-Za-z0-9._-]+)/i.exec(response)?.[1] : undefined;
}
function isTlsFailure(code) {
    return code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_/.test(code);
}
/** A reply or error text as one line of printable text, cut at 400 characters, for replies and logs. */
export function singleLine(text) {
    const line = text
        .replace(/[\r\n]+/g, " ")
        .replace(/[\x00-\x1f\x7f]/g, " ")
        .replace(/\s+/g, " ")
        .trim();
    return line.length > MAX_TEXT_LENGTH ? line.slice(0, MAX_TEXT_LENGTH) + "..." : line;
}
//# sourceMappingURL=relayOutcome.js.map