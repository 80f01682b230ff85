// Postfix's XFORWARD (XFORWARD_README): the submitting client's facts, sent to a next hop that
// offers the extension so that its logs name the real client instead of msa. Only what the
// next hop lists after the XFORWARD keyword is sent; each value is xtext (RFC 3461 section 4),
// or [UNAVAILABLE] when it is unknown or not the plain printable text the README requires.
import { encodeXtext } from "./xtext.js";
import { LOCAL_CLIENT_ADDRESS } from "./spoolRecord.js";
/** The attributes in the order they are sent; SOURCE is REMOTE for a network client, LOCAL for a local user's message (XFORWARD_README). */
const ATTRIBUTES = ["NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE", "LOGIN"];
const UNAVAILABLE = "[UNAVAILABLE]";
/** XFORWARD_README note 2: no command longer than SMTP's 512 octets, CRLF included (RFC 5321 section 4.5.3.1.4). */
const MAX_COMMAND_OCTETS = 512;
/** XFORWARD_README note 1: a value is at most 255 characters. */
const MAX_VALUE_LENGTH = 255;
/** Note 1: after decoding, no controls, non-ASCII, whitespace or header specials (the address and HELO literal keep `[`, `]`, `:`, `.`). */
const PLAIN_VALUE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.:[\]@]+$/;
/** The attributes a next hop's EHLO reply offers after XFORWARD (upper case), or null when it offers none. */
export function offeredXforwardAttributes(ehloLines) {
    for (const line of ehloLines ?? []) {
        const [keyword, ...attributes] = line.trim().split(/\s+/);
        if (keyword?.toUpperCase() === "XFORWARD")
            return new Set(attributes.map((attribute) => attribute.toUpperCase()));
    }
    return null;
}
/** The XFORWARD commands for `facts`, each within 512 octets; none when the next hop offers none of the attributes. */
export function xforwardCommands(facts, offered) {
    const commands = [];
    let command = "";
    for (const attribute of ATTRIBUTES) {
        if (!offered.has(attribute))
            continue;
        let pair = `${attribute}=${encodedValue(attributeValue(attribute, facts))}`;
        if (`XFORWARD ${pair}\r\n`.length > MAX_COMMAND_OCTETS)
            pair = `${attribute}=${UNAVAILABLE}`;
        if (command !== "" && `${command} ${pair}\r\n`.length > MAX_COMMAND_OCTETS) {
            commands.push(command);
            command = "";
        }
        command = command === "" ? `XFORWARD ${pair}` : `${command} ${pair}`;
    }
    if (command !== "")
        commands.push(command);
    return commands;
}
function attributeValue(attribute, facts) {
    switch (attribute) {
        case "NAME":
            return facts.name;
        case "ADDR":
            return facts.address === undefined || facts.local ? undefined : nextHopAddress(facts.address);
        case "PORT":
            return facts.port === undefined ? undefined : String(facts.port);
        case "PROTO":
            return facts.protocol;
        case "HELO":
            return facts.helo;
        case "IDENT":
            return facts.queueId;
        case "SOURCE":
            return facts.local ? "LOCAL" : "REMOTE";
        case "LOGIN":
            return facts.login;
    }
}
/** An IPv4 address as is (a dual-stack socket's ::ffff: form unwrapped), IPv6 with Postfix's `IPv6:` prefix. */
function nextHopAddress(address) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped)
        return mapped[1];
    return address.includes(":") ? `IPv6:${address.replace(/%.*$/, "")}` : address;
}
function encodedValue(value) {
    if (value === undefined || value === "" || value.length > MAX_VALUE_LENGTH || !PLAIN_VALUE.test(value))
        return UNAVAILABLE;
    return encodeXtext(value);
}
/**
 * The client facts a spool record (or the session, for the in-line relay) kept; undefined for
 * a message msa wrote itself (a DSN), whose client is msa and needs no forwarding.
 */
export function clientFactsOf(meta) {
    if (meta.dsnFor !== undefined || !meta.clientAddress)
        return undefined;
    if (meta.clientAddress === LOCAL_CLIENT_ADDRESS)
        return { local: true, ...(meta.queueId ? { queueId: meta.queueId } : {}), ...(meta.login ? { login: meta.login } : {}) };
    return {
        address: meta.clientAddress,
        ...(typeof meta.clientPort === "number" ? { port: meta.clientPort } : {}),
        ...(meta.protocol ? { protocol: meta.protocol } : {}),
        ...(meta.heloName ? { helo: meta.heloName } : {}),
        ...(meta.queueId ? { queueId: meta.queueId } : {}),
        ...(meta.login ? { login: meta.login } : {}),
    };
}
//# sourceMappingURL=xforward.js.map