// `milter SOCKET [on failure tempfail|accept] [timeout connect|command|content D]...`: a milter
// (Sendmail/Postfix milter protocol 6) shown every transaction, in the order the rules are written,
// as Postfix's smtpd_milters, milter_default_action and milter_*_timeout.
import path from "node:path";
import { located, token, tokens } from "../../grammar/cstReader.js";
import { Duration, keywords, MilterSocket, Name } from "../../grammar/lexer.js";
import { formatDuration } from "../duration.js";
/** The words this rule is written with. */
const K = keywords("milter", "on", "failure", "timeout");
const FAILURE_ACTIONS = ["tempfail", "accept"];
const TIMEOUTS = ["connect", "command", "content"];
/** Postfix's defaults: milter_connect_timeout 30s, milter_command_timeout 30s, milter_content_timeout 300s. */
export const MILTER_DEFAULT_TIMEOUTS = { connectMs: 30_000, commandMs: 30_000, contentMs: 300_000 };
export const milterRule = {
    summary: "a milter (Sendmail/Postfix milter protocol) every transaction is shown to, in the order written",
    grammar: {
        verb: K.milter,
        keywords: Object.values(K),
        productions: [
            {
                // milter inet:127.0.0.1:11332 on failure accept timeout content 2m
                name: "milterRule",
                body: ($) => {
                    $.CONSUME(K.milter);
                    $.CONSUME(MilterSocket);
                    $.OPTION(() => {
                        $.CONSUME(K.on);
                        $.CONSUME(K.failure);
                        $.CONSUME(Name, { LABEL: "onFailure" });
                    });
                    $.MANY(() => {
                        $.CONSUME(K.timeout);
                        $.CONSUME2(Name, { LABEL: "timeoutWhat" });
                        $.CONSUME(Duration);
                    });
                },
            },
        ],
    },
    build: (c, base) => {
        const socket = token(c, "MilterSocket");
        if (!socket)
            return undefined;
        const onFailure = token(c, "onFailure");
        const durations = tokens(c, "Duration");
        const timeouts = tokens(c, "timeoutWhat").flatMap((what, index) => {
            const duration = durations[index];
            return duration ? [{ what: located(what), duration: located(duration) }] : [];
        });
        return { kind: "milter", ...base, socket: located(socket), ...(onFailure ? { onFailure: located(onFailure) } : {}), timeouts };
    },
    kinds: {
        milter: {
            name: "milter",
            // Two rules for one socket would show every message to that milter twice.
            key: (rule) => `milter ${rule.socket.value}`,
            check: (rule, context) => {
                const socket = milterSocket(rule.socket.value);
                if (typeof socket === "string") {
                    context.report("invalidMilterSocket", rule.socket.span, `\`${rule.socket.value}\` is not a milter socket: ${socket}`, {
                        hint: "write `inet:ADDRESS:PORT` (such as `inet:127.0.0.1:11332`) or `unix:/ABSOLUTE/PATH`",
                    });
                }
                if (rule.onFailure && !FAILURE_ACTIONS.includes(rule.onFailure.value))
                    context.unknown(rule.onFailure, "`on failure`", FAILURE_ACTIONS);
                const timeouts = { ...MILTER_DEFAULT_TIMEOUTS };
                const seen = new Map();
                let valid = typeof socket !== "string";
                for (const { what, duration } of rule.timeouts) {
                    if (!TIMEOUTS.includes(what.value)) {
                        context.unknown(what, "a milter's `timeout`", TIMEOUTS);
                        valid = false;
                        continue;
                    }
                    const first = seen.get(what.value);
                    if (first) {
                        context.report("milterTimeoutTwice", what.span, `the milter's \`timeout ${what.value}\` is given twice`, {
                            related: context.related(first.span, "first given here"),
                            ...context.deleteWords({ start: what.span.start - "timeout ".length, end: duration.span.end }, "remove the second timeout"),
                        });
                        valid = false;
                        continue;
                    }
                    seen.set(what.value, what);
                    const ms = context.duration(duration);
                    if (ms === undefined)
                        valid = false;
                    else
                        timeouts[`${what.value}Ms`] = ms;
                }
                if (!valid || typeof socket === "string" || (rule.onFailure && !FAILURE_ACTIONS.includes(rule.onFailure.value)))
                    return;
                const onFailure = (rule.onFailure?.value ?? "tempfail");
                (context.policy.milters ??= []).push({ value: { socket, onFailure, timeouts }, rule: rule.span });
            },
        },
    },
    values: { milterRule: { words: [...FAILURE_ACTIONS, ...TIMEOUTS], kind: "value", detail: "what the server does when the milter fails, or which wait a timeout bounds" } },
    graph: (policy, at) => (policy.milters ? { milters: policy.milters.map((m) => ({ ...m.value, origin: at.origin(m.rule) })) } : {}),
    printGraph: (graph) => (graph.milters ?? []).map((m) => ({ text: printMilter(m), origin: m.origin })),
};
/** `inet:HOST:PORT` or `unix:/PATH` as the graph holds it, or what is wrong with it. */
export function milterSocket(text) {
    const colon = text.indexOf(":");
    const kind = text.slice(0, colon);
    const rest = text.slice(colon + 1);
    if (kind === "unix")
        return path.isAbsolute(rest) ? { kind: "unix", path: path.normalize(rest) } : "the path of a Unix socket must be absolute";
    const match = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]|localhost):(\d+)$/.exec(rest);
    if (!match)
        return "`inet:` takes an IP address (IPv6 in brackets) or `localhost`, a colon and a port";
    const port = Number(match[2]);
    if (port < 1 || port > 65535)
        return `port \`${match[2]}\` is out of range`;
    const host = match[1].replace(/^\[(.*)\]$/, "$1");
    if (host.includes(".") && !host.includes(":") && host.split(".").some((octet) => Number(octet) > 255))
        return `\`${host}\` is not an IPv4 address`;
    return { kind: "inet", host, port };
}
function printMilter(node) {
    const socket = node.socket.kind === "inet" ? `inet:${node.socket.host.includes(":") ? `[${node.socket.host}]` : node.socket.host}:${node.socket.port}` : `unix:${node.socket.path}`;
    const failure = node.onFailure === "tempfail" ? "" : ` on failure ${node.onFailure}`;
    const timeouts = TIMEOUTS.filter((what) => node.timeouts[`${what}Ms`] !== MILTER_DEFAULT_TIMEOUTS[`${what}Ms`])
        .map((what) => ` timeout ${what} ${formatDuration(node.timeouts[`${what}Ms`])}`)
        .join("");
    return `milter ${socket}${failure}${timeouts}`;
}
//# sourceMappingURL=milter.js.map