import { located, token } from "../../grammar/cstReader.js";
import { Duration, keywords, Name, NumberLiteral } from "../../grammar/lexer.js";
import { formatDuration } from "../duration.js";
/** The words this rule is written with. */
const K = keywords("throttle", "auth", "block", "delay", "failures", "per", "to", "up");
export const throttleRule = {
    summary: "how failed logins are slowed down and blocked",
    grammar: {
        verb: K.throttle,
        keywords: Object.values(K),
        productions: [
            {
                // throttle auth failures 5 per 10m per ip block 15m | throttle auth failures 3 per session
                // | throttle auth delay 1s up to 8s
                name: "throttleRule",
                body: ($) => {
                    $.CONSUME(K.throttle);
                    $.CONSUME(K.auth);
                    $.OR([
                        {
                            ALT: () => {
                                $.CONSUME(K.failures);
                                $.CONSUME(NumberLiteral, { LABEL: "count" });
                                $.CONSUME(K.per);
                                $.OR2([
                                    {
                                        ALT: () => {
                                            $.CONSUME(Duration, { LABEL: "window" });
                                            $.CONSUME2(K.per);
                                            $.CONSUME(Name, { LABEL: "subject" });
                                            $.CONSUME(K.block);
                                            $.CONSUME2(Duration, { LABEL: "block" });
                                        },
                                    },
                                    { ALT: () => $.CONSUME2(Name, { LABEL: "session" }) },
                                ]);
                            },
                        },
                        {
                            ALT: () => {
                                $.CONSUME(K.delay);
                                $.CONSUME3(Duration, { LABEL: "base" });
                                $.CONSUME(K.up);
                                $.CONSUME(K.to);
                                $.CONSUME4(Duration, { LABEL: "max" });
                            },
                        },
                    ]);
                },
            },
        ],
    },
    build: (c, base) => {
        if (c.KwDelay) {
            const [baseDelay, max] = [token(c, "base"), token(c, "max")];
            return baseDelay && max && { kind: "throttleDelay", ...base, base: located(baseDelay), max: located(max) };
        }
        const count = token(c, "count");
        if (!count)
            return undefined;
        const session = token(c, "session");
        if (session)
            return { kind: "throttleFailures", ...base, count: located(count), session: located(session) };
        const [window, subject, block] = [token(c, "window"), token(c, "subject"), token(c, "block")];
        return window && subject && block
            ? { kind: "throttleFailures", ...base, count: located(count), window: located(window), subject: located(subject), block: located(block) }
            : undefined;
    },
    kinds: {
        throttleFailures: {
            name: "throttle auth failures",
            key: (rule) => `throttle auth failures per ${rule.subject?.value ?? "session"}`,
            check: (rule, context) => {
                const count = context.positive(rule.count);
                if (count === undefined)
                    return;
                if (rule.session) {
                    if (rule.session.value !== "session")
                        return context.unknown(rule.session, "`throttle auth failures N per`", ["session"], "`session`, or a duration then `per ip` or `per login`");
                    context.policy.throttleSession = { value: count, rule: rule.span };
                    return;
                }
                const windowMs = context.duration(rule.window);
                const blockMs = context.duration(rule.block);
                if (windowMs === undefined || blockMs === undefined)
                    return;
                const subject = rule.subject.value;
                if (subject !== "ip" && subject !== "login")
                    return context.unknown(rule.subject, "`throttle auth failures ... per`", ["ip", "login"]);
                const value = { count, windowMs, blockMs };
                if (subject === "ip")
                    context.policy.throttleIp = { value, rule: rule.span };
                else
                    context.policy.throttleLogin = { value, rule: rule.span };
            },
        },
        throttleDelay: {
            name: "throttle auth delay",
            once: true,
            check: (rule, context) => {
                const [baseMs, maxMs] = [context.duration(rule.base), context.duration(rule.max)];
                if (baseMs === undefined || maxMs === undefined)
                    return;
                if (maxMs < baseMs)
                    return context.report("invalidDuration", rule.max.span, `the longest delay \`${rule.max.value}\` is shorter than the first \`${rule.base.value}\``);
                context.policy.throttleDelay = { value: { baseMs, maxMs }, rule: rule.span };
            },
        },
    },
};
/** The four lines that say how failed logins are throttled. */
export function printThrottle(t) {
    return [
        `throttle auth failures ${t.failuresPerSession} per session`,
        `throttle auth failures ${t.ip.count} per ${formatDuration(t.ip.windowMs)} per ip block ${formatDuration(t.ip.blockMs)}`,
        `throttle auth failures ${t.login.count} per ${formatDuration(t.login.windowMs)} per login block ${formatDuration(t.login.blockMs)}`,
        `throttle auth delay ${formatDuration(t.delayBaseMs)} up to ${formatDuration(t.delayMaxMs)}`,
    ];
}
//# sourceMappingURL=throttle.js.map