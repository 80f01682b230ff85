import { located, token } from "../../grammar/cstReader.js";
import { Duration, keywords, Name } from "../../grammar/lexer.js";
import { formatDuration } from "../duration.js";
/** The words this rule is written with. */
const K = keywords("timeout");
export const timeoutRule = {
    summary: "how long the server waits for a command or for the message",
    grammar: {
        verb: K.timeout,
        keywords: Object.values(K),
        productions: [
            {
                // timeout command 5m | timeout data 10m
                name: "timeoutRule",
                body: ($) => {
                    $.CONSUME(K.timeout);
                    $.CONSUME(Name);
                    $.CONSUME(Duration);
                },
            },
        ],
    },
    build: (c, base) => {
        const [what, duration] = [token(c, "Name"), token(c, "Duration")];
        return what && duration && { kind: "timeout", ...base, what: located(what), duration: located(duration) };
    },
    kinds: {
        timeout: {
            name: (rule) => `timeout ${rule.what.value}`,
            key: (rule) => `timeout ${rule.what.value}`,
            check: (rule, context) => {
                if (rule.what.value !== "command" && rule.what.value !== "data")
                    return context.unknown(rule.what, "`timeout`", ["command", "data"]);
                const ms = context.duration(rule.duration);
                if (ms === undefined)
                    return;
                if (rule.what.value === "command")
                    context.policy.timeoutCommand = { value: ms, rule: rule.span };
                else
                    context.policy.timeoutData = { value: ms, rule: rule.span };
            },
        },
    },
    values: { timeoutRule: { words: ["command", "data"], kind: "value", detail: "what the server waits for" } },
};
export function printTimeout(what, ms) {
    return `timeout ${what} ${formatDuration(ms)}`;
}
//# sourceMappingURL=timeout.js.map