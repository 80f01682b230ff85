// Every reply msa can give, with the RFC each code comes from: part of the contract between
// the compiler (which holds a rule's `with CODE` to the code its refusal has) and the runtime.
// Replies leave here as data; `runtime/smtp/replyError.ts` is the one place they become wire text.
function reply(code, enhanced, text) {
    return { code, enhanced, text };
}
/** What a refusing node says: the catalogue's reply, with the text its rule set (`with "TEXT"`), if any. */
export function replyOf(node, reply) {
    return node.replyText === undefined ? reply : { ...reply, text: node.replyText };
}
export const Replies = {
    // RFC 3207 section 4: commands other than EHLO, STARTTLS, NOOP, QUIT refused until TLS.
    tlsRequired: reply(530, "5.7.0", "Must issue a STARTTLS command first"),
    // RFC 4954 section 6: AUTH mechanism needs an encrypted connection.
    encryptionRequired: reply(538, "5.7.11", "Encryption required for requested authentication mechanism"),
    // RFC 4954 section 6 / RFC 6409 section 4.3: submission needs authentication.
    authRequired: reply(530, "5.7.0", "Authentication required"),
    // RFC 4954 section 6.
    authFailed: reply(535, "5.7.8", "Authentication credentials invalid"),
    authSucceeded: reply(235, "2.7.0", "Authentication successful"),
    // RFC 3463: 5.1.7 bad sender mailbox syntax, 5.1.3 bad destination mailbox syntax.
    badSenderSyntax: reply(501, "5.1.7", "Bad sender address syntax"),
    badRecipientSyntax: reply(501, "5.1.3", "Bad recipient address syntax"),
    // RFC 6409 section 4.2: an MSA must not pass on unqualified addresses.
    unqualifiedSender: reply(554, "5.1.7", "Sender address is not fully qualified"),
    unqualifiedRecipient: reply(554, "5.1.3", "Recipient address is not fully qualified"),
    // RFC 6409 section 6.1: submission rights.
    senderNotAllowed: reply(550, "5.7.1", "Sender address not owned by the authenticated user"),
    // RFC 3463 5.7.1: a local part that routes elsewhere (`a%b@c`, `b!a@c`) would dodge recipient rules.
    sourceRouted: reply(550, "5.7.1", "Recipient local part routes to another host (% ! or quoted @), not allowed"),
    // RFC 6409 section 6.2: recipient permissions (`limit recipients to`).
    recipientNotAllowed: reply(550, "5.7.1", "Recipient not allowed for this user"),
    // RFC 6409 section 6.1 with `enforce senders in headers`: From:/Sender: the login may not use.
    headerSenderNotAllowed: reply(550, "5.7.1", "From/Sender address not owned by the authenticated user"),
    // RFC 6409 section 6.3 / RFC 5322 section 3.6 (`enforce message syntax`); the text names the reason.
    messageSyntax: reply(554, "5.6.0", "Message does not follow RFC 5322 section 3.6"),
    // RFC 5321 section 4.1.4 / RFC 3463 5.7.1: `require helo`: the client greeted with a name that is not its own.
    heloRefused: reply(550, "5.7.1", "HELO name is not the client's"),
    // RFC 3463 5.7.1: `refuse header`: the site does not accept messages with this field.
    headerRefused: reply(550, "5.7.1", "Message refused: header field not accepted"),
    // RFC 3463 5.4.6: alias expansion left a recipient nowhere to go (loop or nesting too deep).
    aliasLoop: reply(550, "5.4.6", "Alias expansion loop"),
    // RFC 5321 section 4.5.3.1.10 / RFC 3463 5.5.3 (4.5.3 temporary).
    tooManyRecipients: reply(452, "4.5.3", "Too many recipients"),
    // RFC 5321 section 6.3, RFC 3463 X.4.6 routing loop detected: `limit hops`.
    tooManyHops: reply(554, "5.4.6", "Too many hops: the message is looping"),
    // RFC 1870 section 6.
    messageTooBig: reply(552, "5.3.4", "Message size exceeds fixed maximum message size"),
    // RFC 5322 section 2.2 / RFC 6409 section 6.3.
    badHeaderSection: reply(554, "5.6.0", "Message header section is not valid"),
    // RFC 3463 5.3.4 (message too big for system) rather than 5.6.0: such a header can be valid
    // syntax; it is too big, as Exim answers a header over its `header_maxsize`.
    headerSectionTooLarge: reply(552, "5.3.4", "Message header section exceeds fixed maximum size of 1 MiB"),
    // RFC 5321 section 2.3.8: CR and LF only as CRLF (SMTP smuggling defence).
    bareLineEnding: reply(554, "5.6.0", "Message contains a bare CR or LF"),
    // RFC 5321 section 4.1.1.11: unknown MAIL/RCPT parameters.
    unknownParameter: reply(555, "5.5.4", "MAIL FROM/RCPT TO parameters not recognized or not implemented"),
    // RFC 6531 section 3.5: non-ASCII address without SMTPUTF8.
    needsSmtputf8: reply(553, "5.6.7", "Non-ASCII address requires the SMTPUTF8 parameter"),
    // RFC 4954 section 4: AUTH is not permitted during a mail transaction.
    authInTransaction: reply(503, "5.5.1", "AUTH not permitted during a mail transaction"),
    // RFC 6409 section 3.3 / RFC 1985: ETRN is forbidden on submission.
    commandNotAllowed: reply(502, "5.5.1", "Command not implemented on the submission service"),
    // Limits (runtime/limits/serverLimits.ts). RFC 3463 4.7.1: delivery not authorised, temporary:
    // the client retries later, nothing is lost.
    rateLimited: reply(451, "4.7.1", "rate limit exceeded, try again later"),
    storeUnavailable: reply(451, "4.7.1", "rate limits cannot be checked, try again later"),
    // RFC 4954 section 6: 454 4.7.0 temporary authentication failure.
    authBlocked: reply(454, "4.7.0", "too many failed logins, try again later"),
    // RFC 4954 section 6: the login source (Dovecot, a directory, a database) did not answer.
    authUnavailable: reply(454, "4.7.0", "Temporary authentication failure"),
    tooManyAuthFailures: reply(421, "4.7.0", "too many failed logins, closing connection"),
    tooManyConnections: reply(421, "4.7.0", "too many connections, try again later"),
    tooManyErrors: reply(421, "4.7.0", "too many errors, closing connection"),
    // RFC 3463 4.4.2: bad connection (the client stopped talking, in a command or in DATA).
    timedOut: reply(421, "4.4.2", "timeout, closing connection"),
    // RFC 5321 section 4.5.3.1.
    ok: reply(250, "2.0.0", "OK"),
    senderOk: reply(250, "2.1.0", "Sender OK"),
    recipientOk: reply(250, "2.1.5", "Recipient OK"),
    // RFC 6409 section 8.5: a message that should be signed and cannot be is not sent unsigned.
    signingFailed: reply(451, "4.3.0", "Message could not be signed, try again later"),
    // RFC 3463 4.3.0: local problem (e.g. the spool cannot take the message).
    localError: reply(451, "4.3.0", "Local error, try again later"),
    // A milter's SMFIR_REJECT, SMFIR_TEMPFAIL and a milter that cannot be asked, as Postfix words them
    // (RFC 3463 5.7.1 / 4.7.1: delivery not authorized); SMFIR_REPLYCODE passes on the milter's own reply.
    milterRejected: reply(550, "5.7.1", "Command rejected"),
    milterTempfail: reply(451, "4.7.1", "Service unavailable - try again later"),
    // msa keeps no hold queue: a message a milter wants held for review is refused, never passed on.
    milterQuarantine: reply(554, "5.7.1", "Message held for review, not accepted"),
    milterDiscarded: reply(250, "2.0.0", "Ok: discarded"),
    // `listen local`: a request that names no drop file of the folder's own form (RFC 3463 5.5.2 syntax error).
    localBadRequest: reply(500, "5.5.2", "Malformed local submission request"),
    // `listen local`: the drop file is gone, a link, not a plain file, or has several names (RFC 3463 5.7.1: refused).
    localFileRefused: reply(550, "5.7.1", "Drop file refused: not one plain file of its own"),
    // `listen local`: the file's owner has no name in the passwd database, so there is no login to be.
    localUnknownUser: reply(550, "5.7.1", "The drop file's owner has no user name"),
};
// ---------------------------------------------------------------------------------------------
// Handing a message on (runtime/deliver/, runtime/queue/): what msa says itself when the next hop
// or the spool cannot take a message, at the end of DATA, in queue records, logs and DSNs. A next
// hop's own reply is passed on with its codes instead; `NextHopStatus` fills in where it has none.
// The details (the next hop as `HOST:PORT`, a reason) are arguments. Temporary failures are 451
// (RFC 5321 section 4.2.2: requested action aborted, local error in processing).
/** RFC 3463 X.4.1 no answer from host, before the next hop said anything; X.4.2 bad connection after. */
const connectionStatus = (heardFromHost) => (heardFromHost ? "4.4.2" : "4.4.1");
export const DeliveryReplies = {
    // RFC 3463 X.3.5: system incorrectly configured (a relay URL or CA that cannot be used).
    relayMisconfigured: (reason) => reply(451, "4.3.5", `relay is misconfigured: ${reason}`),
    // RFC 3463 X.3.0: other mail system status, our side.
    noRecipients: reply(451, "4.3.0", "no recipients to relay to"),
    noFreeConnection: (where) => reply(451, "4.3.0", `no free connection to next hop ${where} in time`),
    relayClientIncompatible: reply(451, "4.3.0", "relay client is incompatible with the installed nodemailer"),
    convertedNotSigned: (reason) => reply(451, "4.3.0", `the message converted to 7-bit could not be signed: ${reason}`),
    cannotRelay: (reason) => reply(451, "4.3.0", `cannot relay the message: ${reason}`),
    nextHopTooSlow: (where, heardFromHost) => reply(451, connectionStatus(heardFromHost), `next hop ${where} took too long`),
    nextHopClosed: (where, heardFromHost) => reply(451, connectionStatus(heardFromHost), `next hop ${where} closed the connection`),
    // Any other failure of the connection: X.4.1 before the next hop answered or while connecting, X.4.2 after.
    nextHopConnectionFailed: (where, heardFromHost, connectTimedOut, reason) => reply(451, connectionStatus(heardFromHost && !connectTimedOut), `next hop ${where} ${heardFromHost ? "connection lost" : "unreachable"} (${reason})`),
    // RFC 3463 X.4.3: routing server failure (DNS).
    nextHopUnresolvable: (where) => reply(451, "4.4.3", `cannot resolve next hop ${where}`),
    // RFC 3463 X.7.0: other security status, TLS or AUTH with the next hop.
    nextHopTlsMissing: (where) => reply(451, "4.7.0", `next hop ${where}: TLS is required but not active`),
    nextHopTlsFailed: (where, reason) => reply(451, "4.7.0", `TLS with next hop ${where} failed (${reason})`),
    nextHopTlsRefused: (nextHopSaid) => reply(451, "4.7.0", `TLS with next hop refused: ${nextHopSaid}`),
    nextHopAuthFailed: (where) => reply(451, "4.7.0", `cannot authenticate to next hop ${where}`),
    // The next hop deferred one recipient: the whole message waits (relayClient.ts), with its code.
    recipientDeferred: (address, enhanced, nextHopSaid) => reply(451, enhanced, `recipient <${address}> deferred: ${nextHopSaid}`),
    // RFC 1870 section 6.1, RFC 3463 X.3.4: over the next hop's SIZE, refused before MAIL.
    tooBigForNextHop: (where) => reply(552, "5.3.4", `message is larger than next hop ${where} accepts`),
    // RFC 6531 section 3.2, RFC 6533 X.6.7: no conversion can change an address.
    nonAsciiAddressRefused: (where) => reply(553, "5.6.7", `next hop ${where} does not accept non-ASCII addresses (no SMTPUTF8)`),
    // RFC 6152 section 3, RFC 3463 X.6.3: conversion not supported (RFC 6409 section 8.4).
    eightBitRequired: (where) => reply(554, "5.6.3", `next hop ${where} does not accept 8-bit content, and the policy requires 8BITMIME rather than conversion`),
    // RFC 3030 section 3, RFC 3463 X.6.3: msa does not convert a BINARYMIME body, the client's MIME structure is its own.
    binaryMimeRefused: (where) => reply(554, "5.6.3", `next hop ${where} does not accept BODY=BINARYMIME with BDAT, and binary content is not converted`),
    eightBitNotConvertible: (where, reason) => reply(554, "5.6.3", `next hop ${where} does not accept 8-bit content and it cannot be converted: ${reason}`),
    // The spool: RFC 3463 X.3.0, or X.3.1 mail system full for a full disk. No path in the text: it goes to the client.
    spoolFailed: (errorCode) => reply(451, "4.3.0", `cannot queue the message now (${errorCode})`),
    spoolFull: reply(451, "4.3.1", "mail spool is full, try again later"),
};
/** RFC 3463 codes for a next hop's reply that carried none, and for our session with it failing. */
export const NextHopStatus = {
    deferredWithoutCode: "4.0.0",
    refusedWithoutCode: "5.0.0",
    // a 421 to the message: the next hop is closing the session
    closing: "4.4.2",
    // a refused greeting, EHLO or the like: X.4.2 bad connection; AUTH or 530 at MAIL: X.7.0
    sessionFailed: "4.4.2",
    securityFailed: "4.7.0",
};
/**
 * What the queue records for a recipient and reports in its DSN (RFC 3464 section 2.3.4 Status,
 * section 2.3.6 Diagnostic-Code) when msa, not a next hop, decided.
 */
export const QueueStatus = {
    // RFC 5321 section 4.5.4.1: given up after the queue lifetime; RFC 3463 X.4.7 delivery time expired.
    expired: (days, lastError) => ({
        enhanced: "4.4.7",
        text: `delivery time expired: not delivered within ${days} days${lastError ? `; last error: ${lastError}` : ""}`,
    }),
    // `msac queue bounce`: RFC 3463 X.0.0 other undefined status.
    bouncedByAdministrator: { enhanced: "5.0.0", text: "returned to the sender by the mail administrator" },
    // RFC 3464 section 2.3.4: the Status of a DSN recipient with no code of its own.
    dsnDefault: { failed: "5.0.0", relayed: "2.0.0", delayed: "4.0.0" },
};
//# sourceMappingURL=replies.js.map