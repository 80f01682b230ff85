// Builds the value of the Received: trace field that `add Received` prepends (RFC 5321 section 4.4), naming
// the protocol as RFC 3848 registers it (ESMTP, ESMTPS, ESMTPA, ESMTPSA).
//
// With TLS details and the login it writes what Postfix's smtpd_tls_received_header and
// smtpd_sasl_authenticated_header write, as comments before `by` (CFWS, RFC 5321 section 4.4).
//
// The HELO name and reverse-DNS name come from the client, so each is used as a Domain only when it is one
// (RFC 5321 section 4.1.2); a HELO name that is not goes into a comment with its specials escaped, and the
// field always parses.
import { isIPv4, isIPv6 } from "node:net";
import { formatRfc5322Date } from "./rfc5322Date.js";
// RFC 5321 section 4.1.2: sub-domain = Let-dig [Ldh-str]
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
// RFC 5321 section 4.1.3: address-literal, checked further with node:net
const ADDRESS_LITERAL = /^\[(?:IPv6:)?([^\]]+)\]$/i;
// RFC 5322 section 3.2.3: atext, for the Atom after "id"
const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
// our own hostname only has to keep the field's structure: no spaces, specials or controls
const OWN_HOSTNAME = /^(?:[A-Za-z0-9._-]+|\[[A-Za-z0-9.:]+\])$/;
/**
 * e.g. `from client.example (client.example [127.0.0.1]) by msa.example.test (msa) with ESMTPSA id ABC;
 * Sat, 28 Nov 2026 17:11:32 +0000`, on one line: the header edit folds it.
 */
export function receivedFieldValue(input) {
    if (!OWN_HOSTNAME.test(input.hostname)) {
        throw new TypeError(`hostname \`${input.hostname}\` cannot stand in a Received: field`);
    }
    if (input.queueId !== undefined && !ATOM.test(input.queueId)) {
        throw new TypeError(`queue id \`${input.queueId}\` is not an atom`);
    }
    if (input.localUid !== undefined) {
        const id = input.queueId === undefined ? "" : ` id ${input.queueId}`;
        return `by ${input.hostname} (msa, from userid ${input.localUid})${id}; ${formatRfc5322Date(input.date)}`;
    }
    const literal = input.clientAddress === null ? null : addressLiteral(input.clientAddress);
    const reverseName = input.clientHostname !== undefined && DOMAIN.test(input.clientHostname) ? input.clientHostname : null;
    // RFC 5321 section 4.4: TCP-info = address-literal / ( Domain FWS address-literal )
    const tcpInfo = literal === null ? null : reverseName === null ? literal : `${reverseName} ${literal}`;
    const heloIsName = DOMAIN.test(input.heloName) || isAddressLiteral(input.heloName);
    const parts = [];
    if (heloIsName) {
        parts.push(`from ${input.heloName}`);
        if (tcpInfo !== null) {
            parts.push(`(${tcpInfo})`);
        }
    }
    else {
        // From-domain must be a Domain or an address literal, so the client's address stands in for it
        parts.push(`from ${literal ?? "unknown"}`);
        if (tcpInfo !== null) {
            parts.push(`(${tcpInfo})`);
        }
        if (input.heloName !== "") {
            parts.push(`(helo=${commentText(input.heloName)})`);
        }
    }
    parts.push(...receivedComments(input));
    parts.push(`by ${input.hostname} (msa)`);
    parts.push(`with ${input.protocol}`);
    if (input.queueId !== undefined) {
        parts.push(`id ${input.queueId}`);
    }
    // RFC 5321 section 4.4: For = "FOR" FWS ( Path / Mailbox ); left out when it would not be a Path
    if (input.recipient !== undefined && /^[^\s<>()\\\x00-\x1f\x7f]+@[^\s<>()\\\x00-\x1f\x7f@]+$/.test(input.recipient)) {
        parts.push(`for <${input.recipient}>`);
    }
    return `${parts.join(" ")}; ${formatRfc5322Date(input.date)}`;
}
/** `[192.0.2.1]` or `[IPv6:2001:db8::1]` (RFC 5321 section 4.1.3); null for anything else. */
export function addressLiteral(address) {
    // a dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped !== null && isIPv4(mapped[1])) {
        return `[${mapped[1]}]`;
    }
    if (isIPv4(address)) {
        return `[${address}]`;
    }
    // a zone index (fe80::1%eth0) names an interface of ours and has no place in an address literal
    const withoutZone = address.replace(/%.*$/, "");
    if (isIPv6(withoutZone)) {
        return `[IPv6:${withoutZone}]`;
    }
    return null;
}
function isAddressLiteral(text) {
    const m = ADDRESS_LITERAL.exec(text);
    if (m === null) {
        return false;
    }
    return text.slice(1, 6).toLowerCase() === "ipv6:" ? isIPv6(m[1]) : isIPv4(m[1]);
}
/** The comments `add Received with tls, login` adds, as Postfix writes them: `(using ...)`, `(Authenticated sender: ...)`. */
export function receivedComments(input) {
    const comments = [];
    if (input.tls !== undefined) {
        const bits = cipherBits(input.tls.cipher);
        comments.push(`(using ${commentText(input.tls.protocol)} with cipher ${commentText(input.tls.cipher)}${bits ? ` (${bits} bits)` : ""})`);
    }
    if (input.authenticatedSender !== undefined)
        comments.push(`(Authenticated sender: ${commentText(input.authenticatedSender)})`);
    return comments;
}
/**
 * `USED/ALGORITHM` key bits of a cipher suite by its OpenSSL name, as Postfix prints them; undefined
 * for a cipher this table does not know (the comment then leaves the bits out rather than guess).
 */
export function cipherBits(cipher) {
    const name = cipher.toUpperCase();
    if (/(?:AES|CAMELLIA|ARIA)_?256|CHACHA20/.test(name))
        return "256/256";
    if (/(?:AES|CAMELLIA|ARIA)_?128/.test(name))
        return "128/128";
    if (/DES-CBC3|3DES/.test(name))
        return "112/168";
    return undefined;
}
/** Text made safe for a comment: specials quoted (RFC 5322 section 3.2.2), anything unprintable as "?". */
function commentText(text) {
    return text
        .slice(0, 255)
        .replace(/[^\x20-\x7e]/g, "?")
        .replace(/[()\\]/g, (ch) => `\\${ch}`);
}
//# sourceMappingURL=receivedField.js.map