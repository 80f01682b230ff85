// `auth dovecot "SOCKET" [timeout D]`: the values of the form and its lowering. SOCKET is the path of
// Dovecot's `auth-client` unix socket (relative to the policy's folder) or `inet:HOST:PORT` for a TCP
// `inet_listener` of its auth service, the two ways Postfix's `smtpd_sasl_path` names it.
import { isIP } from "node:net";
import { resolvePolicyPath } from "../checkFiles.js";
import { formatDuration } from "../duration.js";
import { quote } from "../rules/ruleModule.js";
/** Postfix's Dovecot SASL client waits as long for an answer. */
export const DEFAULT_DOVECOT_TIMEOUT_MS = 10_000;
/** A socket as written, before the path is resolved: `inet:HOST:PORT` or a unix socket path. */
export function parseDovecotSocket(text) {
    if (!text.startsWith("inet:"))
        return text === "" ? { problem: "the socket path is empty" } : { endpoint: { kind: "unix", path: text } };
    const match = /^inet:(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d+)$/.exec(text);
    if (!match)
        return { problem: "write `inet:HOST:PORT`, such as `inet:127.0.0.1:12345` or `inet:[::1]:12345`" };
    const [, v6, name, portText] = match;
    const host = v6 ?? name;
    if (v6 !== undefined && isIP(v6) !== 6)
        return { problem: `\`${v6}\` is not an IPv6 address` };
    if (v6 === undefined && isIP(host) === 0 && !/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) {
        return { problem: `\`${host}\` is not a host name or address` };
    }
    const port = Number(portText);
    if (port < 1 || port > 65535)
        return { problem: `port \`${portText}\` is out of range (1 to 65535)` };
    return { endpoint: { kind: "inet", host, port } };
}
/** Whether passwords sent to this host stay on the machine. */
function isLoopback(host) {
    return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
/** Checks the form's values; the source is recorded whatever they are, so one mistake draws one diagnostic. */
export function checkDovecotLogins(socket, timeout, context) {
    const parsed = parseDovecotSocket(socket.value);
    const endpoint = "endpoint" in parsed ? parsed.endpoint : null;
    if ("problem" in parsed) {
        context.report("invalidDovecotSocket", socket.span, `\`${socket.value}\` is not a Dovecot auth socket: ${parsed.problem}`, {
            hint: 'name the `auth-client` socket (`"/run/dovecot/auth-client"`) or an `inet_listener` of `service auth` (`"inet:127.0.0.1:12345"`)',
        });
    }
    else if (parsed.endpoint.kind === "inet" && !isLoopback(parsed.endpoint.host)) {
        context.report("dovecotOverNetwork", socket.span, `passwords go to Dovecot at \`${parsed.endpoint.host}\` unencrypted: its auth protocol has no TLS`, {
            hint: "run msa on the Dovecot machine and use its `auth-client` socket, or carry the connection over a tunnel or a private network",
        });
    }
    const timeoutMs = timeout ? context.duration(timeout) : undefined;
    return { kind: "dovecot", endpoint, timeoutMs: timeoutMs ?? DEFAULT_DOVECOT_TIMEOUT_MS };
}
export function lowerDovecotLogins(source, at, span) {
    const written = source.endpoint;
    // Lowering runs only on a policy without errors, so the socket was valid.
    if (!written)
        throw new Error("lowering a Dovecot socket that was reported as invalid");
    const endpoint = written.kind === "unix" ? { kind: "unix", path: resolvePolicyPath(at.file, written.path) } : written;
    return { kind: "dovecot", endpoint, timeoutMs: source.timeoutMs, origin: at.origin(span) };
}
export function printDovecotLogins(source, at) {
    const socket = source.endpoint.kind === "unix"
        ? at.path(source.endpoint.path)
        : `inet:${source.endpoint.host.includes(":") ? `[${source.endpoint.host}]` : source.endpoint.host}:${source.endpoint.port}`;
    const timeout = source.timeoutMs === DEFAULT_DOVECOT_TIMEOUT_MS ? "" : ` timeout ${formatDuration(source.timeoutMs)}`;
    return `auth dovecot ${quote(socket)}${timeout}`;
}
//# sourceMappingURL=dovecotLogins.js.map