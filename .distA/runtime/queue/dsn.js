// Delivery status notifications (RFC 3464) that the queue runner sends to an envelope sender:
// a pure function from the queued record and the recipients to report on to the DSN's own
// envelope (null sender, RFC 5321 section 4.5.5) and bytes. It never decides whether a DSN is
// due (NOTIFY, null sender): that is the runner's job (queueDsns.ts, `queueDueDsns`), and the
// in-line relay's (runtime/deliver/refusalReport.ts).
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { encodeXtext } from "../deliver/xtext.js";
import { newMessageId } from "../message/messageId.js";
import { formatRfc5322Date } from "../message/rfc5322Date.js";
export const DEFAULT_FULL_MESSAGE_LIMIT = 1_000_000;
const SUBJECTS = {
    failed: "Undelivered Mail Returned to Sender",
    delayed: "Delayed Mail (still being retried)",
    relayed: "Successful Mail Delivery Report (relayed)",
};
const EXPLANATIONS = {
    failed: "Your message could not be delivered to the recipients below. This is a permanent error; it will not be retried.",
    delayed: "Your message has not yet been delivered to the recipients below. It is still queued and will be retried; you need not send it again.",
    relayed: "Your message was handed on to the next mail system for the recipients below. That system does not return delivery notifications, so this is the last report you will get about them.",
};
export function buildDsn(input) {
    const { original, reportingMta, action, now } = input;
    const sender = original.envelope.mailFrom;
    const boundary = `msa-dsn-${randomBytes(9).toString("base64url")}`;
    const headerSection = originalHeaderSection(original.message);
    const limit = input.fullMessageLimit ?? DEFAULT_FULL_MESSAGE_LIMIT;
    // RFC 3461 section 4.3: RET applies to failure reports; the others return the header section
    const wantsFull = action === "failed" && original.envelope.dsn?.ret !== "HDRS";
    const full = wantsFull && original.message.length <= limit;
    const human = [
        `This is the mail system at ${reportingMta}.`,
        "",
        EXPLANATIONS[action],
        "",
        ...input.recipients.map((r) => `<${r.address}>: ${r.diagnostic ?? r.status}`),
    ];
    if (wantsFull && !full)
        human.push("", `The message is ${original.message.length} bytes; only its header section is returned.`);
    // RFC 3464 section 2.2: per-message fields
    const perMessage = [`Reporting-MTA: dns; ${reportingMta}`];
    if (original.envelope.dsn?.envid !== undefined) {
        perMessage.push(`Original-Envelope-Id: ${encodeXtext(original.envelope.dsn.envid)}`);
    }
    perMessage.push(`X-Msa-Queue-Id: ${original.id}`);
    perMessage.push(`Arrival-Date: ${formatRfc5322Date(new Date(original.receivedAt))}`);
    // RFC 3464 section 2.3: per-recipient fields
    const perRecipient = input.recipients.map((r) => {
        const fields = [];
        if (r.orcpt)
            fields.push(`Original-Recipient: ${originalRecipientField(r.orcpt)}`);
        fields.push(`Final-Recipient: rfc822; ${r.address}`);
        fields.push(`Action: ${action}`);
        fields.push(`Status: ${r.status}`);
        // The `dns` type holds a name: a next hop known only by its address is not named (the field is optional).
        if (input.remoteMta && !isIP(input.remoteMta.replace(/^\[(.*)\]$/, "$1")))
            fields.push(`Remote-MTA: dns; ${input.remoteMta}`);
        if (r.diagnostic)
            fields.push(`Diagnostic-Code: smtp; ${oneLine(r.diagnostic)}`);
        if (r.lastAttempt)
            fields.push(`Last-Attempt-Date: ${formatRfc5322Date(r.lastAttempt)}`);
        return fields.join("\r\n");
    });
    const head = [
        `From: Mail Delivery System <MAILER-DAEMON@${reportingMta}>`,
        `To: <${sender}>`,
        `Subject: ${SUBJECTS[action]}`,
        `Date: ${formatRfc5322Date(now)}`,
        `Message-ID: ${newMessageId(reportingMta)}`,
        "Auto-Submitted: auto-replied", // RFC 3834 section 5
        "MIME-Version: 1.0",
        `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
        "Content-Transfer-Encoding: 8bit",
    ].join("\r\n");
    const parts = [
        Buffer.from(`${head}\r\n\r\nThis is a MIME-encapsulated delivery status notification.\r\n\r\n` +
            `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Description: Notification\r\n\r\n` +
            human.join("\r\n") +
            `\r\n\r\n--${boundary}\r\nContent-Type: message/delivery-status\r\nContent-Description: Delivery report\r\n\r\n` +
            perMessage.join("\r\n") +
            "\r\n\r\n" +
            perRecipient.join("\r\n\r\n") +
            `\r\n\r\n--${boundary}\r\n`, "utf8"),
    ];
    if (full) {
        parts.push(Buffer.from("Content-Type: message/rfc822\r\nContent-Description: Undelivered Message\r\n\r\n"));
        parts.push(withCrlfEnding(original.message));
    }
    else {
        // RFC 6522 section 4 (was RFC 3462): the header section alone
        parts.push(Buffer.from("Content-Type: text/rfc822-headers\r\nContent-Description: Message Headers\r\n\r\n"));
        parts.push(withCrlfEnding(headerSection));
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    const message = Buffer.concat(parts);
    const eightBit = message.some((byte) => byte > 0x7f);
    return {
        envelope: {
            mailFrom: "",
            recipients: [{ address: sender, dsn: { notify: ["NEVER"] } }],
            ...(eightBit ? { bodyType: "8BITMIME" } : {}),
            ...(eightBit && /[^\x00-\x7f]/.test(sender) ? { smtputf8: true } : {}),
        },
        message,
    };
}
/** RFC 3461 section 4.1: a failure is reported unless NOTIFY is NEVER or leaves FAILURE out. */
export function wantsFailureNotice(notify) {
    return notify === undefined || notify.includes("FAILURE");
}
/**
 * The Diagnostic-Code text of a next hop's reply: `550 5.1.1 <bob@x>: no such user`. The relay
 * client's "HOST:PORT said: " prefix is for our logs; the DSN names the Remote-MTA.
 */
export function smtpDiagnostic(code, enhanced, text) {
    if (!text || !code)
        return text;
    const reply = text.replace(/^\S+ said: /, "").replace(/^\d{3}[ -](\d\.\d{1,3}\.\d{1,3} )?/, "");
    return `${code} ${enhanced ?? ""} ${reply}`.replace(/\s+/g, " ");
}
/** The header section of a message, without the empty line that ends it. */
export function originalHeaderSection(message) {
    const crlf = message.indexOf("\r\n\r\n");
    const lf = message.indexOf("\n\n");
    if (crlf >= 0 && (lf < 0 || crlf < lf))
        return message.subarray(0, crlf + 2);
    if (lf >= 0)
        return message.subarray(0, lf + 1);
    return message;
}
function withCrlfEnding(bytes) {
    if (bytes.length >= 2 && bytes[bytes.length - 2] === 0x0d && bytes[bytes.length - 1] === 0x0a)
        return bytes;
    if (bytes.length >= 1 && bytes[bytes.length - 1] === 0x0a)
        return Buffer.concat([bytes.subarray(0, -1), Buffer.from("\r\n")]);
    return Buffer.concat([bytes, Buffer.from("\r\n")]);
}
/** RFC 3464 section 2.3.1: `addr-type; address`, the address as the client gave it in ORCPT. */
function originalRecipientField(orcpt) {
    const separator = orcpt.indexOf(";");
    if (separator > 0)
        return `${orcpt.slice(0, separator)}; ${orcpt.slice(separator + 1)}`;
    return `rfc822; ${orcpt}`;
}
function oneLine(text) {
    return text.replace(/[\r\n]+/g, " ").trim();
}
//# sourceMappingURL=dsn.js.map