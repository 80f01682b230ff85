import { list, located, onlyToken, part, token } from "../../grammar/cstReader.js";
import { Duration, keywords, Name, NumberLiteral, Size, Word } from "../../grammar/lexer.js";
import { parseSize } from "../size.js";
import { observed, replied, observeOf, present } from "./ruleModule.js";
import { formatDuration } from "../duration.js";
import { formatSize } from "../size.js";
import { Replies } from "../../graph/replies.js";
/** The words this rule is written with. */
const K = keywords("limit", "except", "for", "hops", "lifetime", "per", "queue", "rate", "recipients", "sessions", "size", "to");
const MAX_RECIPIENTS = 100_000;
/** RFC 5321 section 6.3: a loop is detected by counting Received fields, with a threshold of "at least 100" (qmail's too). */
const DEFAULT_MAX_HOPS = 100;
export const limitRule = {
    summary: "a limit: message size, recipients, rates, sessions, hops, queue lifetime",
    grammar: {
        verb: K.limit,
        keywords: Object.values(K),
        productions: [
            {
                // limit size 10MB | limit recipients 50 | limit recipients to LIST [for LOGINS]
                // | limit rate N UNIT per WINDOW per SUBJECT | limit sessions [per ip] N | limit hops N | limit queue lifetime D
                name: "limitRule",
                body: ($) => {
                    $.CONSUME(K.limit);
                    $.OR([
                        {
                            ALT: () => {
                                $.CONSUME(K.size);
                                $.SUBRULE($.production("sizeValue"));
                            },
                        },
                        {
                            ALT: () => {
                                $.CONSUME(K.recipients);
                                $.OR2([
                                    { ALT: () => $.CONSUME(NumberLiteral) },
                                    {
                                        // limit recipients to @example.com, partner.example [for alice, bob]
                                        // limit recipients except @competitor.example [for interns]
                                        ALT: () => {
                                            $.OR5([{ ALT: () => $.CONSUME(K.to) }, { ALT: () => $.CONSUME(K.except) }]);
                                            $.SUBRULE($.nameList, { LABEL: "targets" });
                                            $.OPTION(() => {
                                                $.CONSUME(K.for);
                                                $.SUBRULE2($.nameList, { LABEL: "logins" });
                                            });
                                        },
                                    },
                                ]);
                            },
                        },
                        {
                            // limit rate 200 messages per hour per user
                            ALT: () => {
                                $.CONSUME(K.rate);
                                $.OR4([
                                    {
                                        ALT: () => {
                                            $.CONSUME2(NumberLiteral, { LABEL: "count" });
                                            $.CONSUME(Name, { LABEL: "unit" });
                                        },
                                    },
                                    // limit rate 50MB per day per user: a size counts bytes.
                                    { ALT: () => $.CONSUME(Size, { LABEL: "count" }) },
                                ]);
                                $.CONSUME(K.per);
                                $.OR3([{ ALT: () => $.CONSUME(Duration, { LABEL: "window" }) }, { ALT: () => $.CONSUME2(Name, { LABEL: "window" }) }]);
                                $.CONSUME2(K.per);
                                $.CONSUME3(Name, { LABEL: "subject" });
                            },
                        },
                        {
                            // limit sessions 500 | limit sessions per ip 20
                            ALT: () => {
                                $.CONSUME(K.sessions);
                                $.OPTION2(() => {
                                    $.CONSUME3(K.per);
                                    $.CONSUME4(Name, { LABEL: "subject" });
                                });
                                $.CONSUME3(NumberLiteral, { LABEL: "count" });
                            },
                        },
                        {
                            // limit hops 50
                            ALT: () => {
                                $.CONSUME(K.hops);
                                $.CONSUME4(NumberLiteral, { LABEL: "count" });
                            },
                        },
                        {
                            // limit queue lifetime 5d
                            ALT: () => {
                                $.CONSUME(K.queue);
                                $.CONSUME(K.lifetime);
                                $.CONSUME2(Duration, { LABEL: "lifetime" });
                            },
                        },
                    ]);
                },
            },
            {
                // A size is `10MB`; a bare number or a misspelt unit is parsed too, so the checker can explain it.
                name: "sizeValue",
                body: ($) => {
                    $.OR([{ ALT: () => $.CONSUME(Size) }, { ALT: () => $.CONSUME(NumberLiteral) }, { ALT: () => $.CONSUME(Duration) }, { ALT: () => $.CONSUME(Word) }]);
                },
            },
        ],
    },
    build: (c, base) => {
        if (c.KwSize) {
            const value = onlyToken(part(c, "sizeValue"));
            return value && { kind: "limitSize", ...base, size: located(value) };
        }
        if (c.KwRate) {
            const [count, unit, window, subject] = [token(c, "count"), token(c, "unit"), token(c, "window"), token(c, "subject")];
            return count && window && subject
                ? { kind: "limitRate", ...base, count: located(count), ...(unit ? { unit: located(unit) } : {}), window: located(window), subject: located(subject) }
                : undefined;
        }
        if (c.KwSessions) {
            const count = token(c, "count");
            const subject = token(c, "subject");
            return count && { kind: "limitSessions", ...base, count: located(count), ...(subject ? { subject: located(subject) } : {}) };
        }
        if (c.KwHops) {
            const count = token(c, "count");
            return count && { kind: "limitHops", ...base, count: located(count) };
        }
        if (c.KwQueue) {
            const lifetime = token(c, "lifetime");
            return lifetime && { kind: "limitQueueLifetime", ...base, lifetime: located(lifetime) };
        }
        if (c.KwTo || c.KwExcept) {
            const targets = list(c, "targets");
            const mode = c.KwTo ? "to" : "except";
            return targets.length > 0 ? { kind: "limitRecipientsTo", ...base, mode, targets, logins: list(c, "logins") } : undefined;
        }
        const count = token(c, "NumberLiteral");
        return count && { kind: "limitRecipients", ...base, count: located(count) };
    },
    kinds: {
        limitSize: {
            name: "limit size",
            once: true,
            refuses: Replies.messageTooBig,
            check: (rule, context, observe) => {
                const size = parseSize(rule.size.value);
                if (!size.ok)
                    return context.invalidSize(rule.size, size);
                if (size.bytes === 0)
                    return context.report("notPositive", rule.size.span, "a size limit of 0 would refuse every message", { hint: "remove the rule for no limit" });
                if (size.bytes > 2_000_000_000)
                    return context.report("limitTooLarge", rule.size.span, `\`${rule.size.value}\` is larger than the largest size msa accepts (2GB)`);
                context.policy.limitSize = { value: size.bytes, rule: rule.span, ...observe };
            },
        },
        limitRecipients: {
            name: "limit recipients",
            once: true,
            refuses: Replies.tooManyRecipients,
            check: (rule, context, observe) => {
                const count = Number(rule.count.value);
                if (count === 0)
                    return context.report("notPositive", rule.count.span, "a limit of 0 recipients would refuse every message");
                if (count > MAX_RECIPIENTS)
                    return context.report("limitTooLarge", rule.count.span, `\`${rule.count.value}\` recipients is more than msa accepts (${MAX_RECIPIENTS})`);
                context.policy.limitRecipients = { value: count, rule: rule.span, ...observe };
            },
        },
        limitRecipientsTo: {
            name: (rule) => `limit recipients ${rule.mode}`,
            refuses: Replies.recipientNotAllowed,
            check: (rule, context, observe) => {
                const targets = rule.targets.map((t) => context.normalizeTarget(t)).filter((t) => t !== undefined);
                if (targets.length !== rule.targets.length)
                    return;
                context.policy.recipientsTo.push({
                    // Its own `for` names logins and groups, as the `for` of every refusing rule does.
                    value: {
                        except: rule.mode === "except",
                        targets,
                        ...(rule.logins.length > 0 ? { names: rule.logins.map((l) => l.value) } : {}),
                        logins: rule.logins.length > 0 ? rule.logins.flatMap((l) => context.policy.groups?.get(l.value)?.value ?? [l.value]) : null,
                    },
                    rule: rule.span,
                    ...observe,
                });
            },
        },
        limitRate: { name: "limit rate", refuses: Replies.rateLimited, check: checkRate },
        limitSessions: {
            name: (rule) => `limit sessions${rule.subject ? ` per ${rule.subject.value}` : ""}`,
            key: (rule) => `limit sessions ${rule.subject?.value ?? ""}`,
            check: (rule, context) => {
                const count = context.positive(rule.count);
                if (count === undefined)
                    return;
                if (rule.subject && rule.subject.value !== "ip")
                    return context.unknown(rule.subject, "`limit sessions per`", ["ip"]);
                if (rule.subject)
                    context.policy.sessionsPerIp = { value: count, rule: rule.span };
                else
                    context.policy.sessions = { value: count, rule: rule.span };
            },
        },
        limitHops: {
            name: "limit hops",
            once: true,
            refuses: Replies.tooManyHops,
            check: (rule, context, observe) => {
                const count = context.positive(rule.count);
                if (count !== undefined)
                    context.policy.limitHops = { value: count, rule: rule.span, ...observe };
            },
        },
        limitQueueLifetime: {
            name: "limit queue lifetime",
            once: true,
            check: (rule, context) => {
                const ms = context.duration(rule.lifetime);
                if (ms !== undefined)
                    context.policy.queueLifetime = { value: ms, rule: rule.span };
            },
        },
    },
    stages: (policy, at) => {
        const size = policy.limitSize && lowerLimitSize(policy.limitSize, at);
        const recipients = policy.limitRecipients && lowerLimitRecipients(policy.limitRecipients, at);
        const hops = policy.limitHops
            ? { kind: "LimitHops", origin: at.origin(policy.limitHops.rule), ...observeOf(policy.limitHops), max: policy.limitHops.value }
            : { kind: "LimitHops", origin: at.builtin(`limit hops ${DEFAULT_MAX_HOPS}`), max: DEFAULT_MAX_HOPS };
        return {
            mail: present(size),
            rcpt: [...policy.recipientsTo.map((restriction) => lowerRecipientsTo(restriction, at)), ...present(recipients)],
            message: [...present(size), hops],
        };
    },
    printers: { LimitHops: (node) => `${observed(node)}limit hops ${node.max}${replied(node)}` },
};
function checkRate(rule, context, observe) {
    let count;
    let unit;
    if (rule.unit) {
        const n = context.positive(rule.count);
        if (n === undefined)
            return;
        if (rule.unit.value !== "messages" && rule.unit.value !== "recipients")
            return context.unknown(rule.unit, "`limit rate`", ["messages", "recipients"], "`messages`, `recipients`, or a size such as `50MB`");
        count = n;
        unit = rule.unit.value;
    }
    else {
        const size = parseSize(rule.count.value);
        if (!size.ok)
            return context.invalidSize(rule.count, size);
        if (size.bytes === 0)
            return context.report("notPositive", rule.count.span, "a rate of 0 bytes would refuse every message");
        count = size.bytes;
        unit = "bytes";
    }
    const windowMs = context.duration(rule.window, { window: true });
    if (windowMs === undefined)
        return;
    const per = rule.subject.value;
    if (per !== "user" && per !== "ip" && per !== "domain")
        return context.unknown(rule.subject, "`limit rate ... per`", ["user", "ip", "domain"]);
    context.policy.rates.push({ value: { count, unit, windowMs, per }, rule: rule.span, ...observe });
}
function lowerLimitSize(limit, at) {
    return { kind: "LimitSize", origin: at.origin(limit.rule), ...observeOf(limit), bytes: limit.value };
}
function lowerLimitRecipients(limit, at) {
    return { kind: "LimitRecipients", origin: at.origin(limit.rule), ...observeOf(limit), max: limit.value };
}
function lowerRecipientsTo(restriction, at) {
    return {
        kind: "RecipientsTo",
        origin: at.origin(restriction.rule),
        ...observeOf(restriction),
        ...(restriction.value.except ? { except: true } : {}),
        targets: restriction.value.targets,
        logins: restriction.value.logins,
    };
}
export function lowerRate(rate, at) {
    return { ...rate.value, origin: at.origin(rate.rule), ...observeOf(rate) };
}
export function printLimitSize(node) {
    return `${observed(node)}limit size ${formatSize(node.bytes)}${replied(node)}`;
}
export function printLimitRecipients(node) {
    return `${observed(node)}limit recipients ${node.max}${replied(node)}`;
}
export function printRecipientsTo(node) {
    return `${observed(node)}limit recipients ${node.except ? "except" : "to"} ${node.targets.join(", ")}${node.logins ? ` for ${node.logins.join(", ")}` : ""}${replied(node)}`;
}
export function printRate(rate) {
    return `${observed(rate)}limit rate ${rate.unit === "bytes" ? formatSize(rate.count) : `${rate.count} ${rate.unit}`} per ${formatDuration(rate.windowMs)} per ${rate.per}${replied(rate)}`;
}
export function printLimitSessions(max, perIp) {
    return `limit sessions ${perIp ? "per ip " : ""}${max}`;
}
export function printQueueLifetime(ms) {
    return `limit queue lifetime ${formatDuration(ms)}`;
}
//# sourceMappingURL=limit.js.map