import { located, token } from "../../grammar/cstReader.js";
import { keywords, Name } from "../../grammar/lexer.js";
import { closestMatch } from "../../grammar/spelling.js";
import { spellingFix } from "../checkContext.js";
/** The words this rule is written with. */
const K = keywords("log");
export const LOG_LEVELS = ["errors", "info", "debug"];
export const logRule = {
    summary: "how much the server logs: errors, info or debug",
    grammar: {
        verb: K.log,
        keywords: Object.values(K),
        productions: [
            {
                // log errors | log info | log debug
                name: "logRule",
                body: ($) => {
                    $.CONSUME(K.log);
                    $.CONSUME(Name);
                },
            },
        ],
        nameLabels: { logRule: "`errors`, `info` or `debug`" },
    },
    build: (c, base) => {
        const level = token(c, "Name");
        return level && { kind: "log", ...base, level: located(level) };
    },
    kinds: {
        log: {
            name: "log",
            once: true,
            check: (rule, context) => {
                const level = LOG_LEVELS.find((l) => l === rule.level.value);
                if (!level) {
                    const suggestion = closestMatch(rule.level.value, LOG_LEVELS);
                    return context.report("unknownLogLevel", rule.level.span, `unknown log level \`${rule.level.value}\``, {
                        hint: suggestion ? `did you mean \`${suggestion}\`?` : "use `errors`, `info` or `debug`",
                        ...spellingFix(rule.level, LOG_LEVELS),
                    });
                }
                context.policy.log = { value: level, rule: rule.span };
            },
        },
    },
    values: { logRule: { words: LOG_LEVELS, kind: "value", detail: "log level" } },
};
/** Without a `log` rule the server logs `info`. */
export function lowerLog(log, at) {
    return log ? { level: log.value, origin: at.origin(log.rule) } : { level: "info", origin: at.builtin("log info") };
}
export function printLog(log) {
    return `log ${log.level}`;
}
//# sourceMappingURL=log.js.map