// The limits of one running server, built from the graph's `limits`: session slots, rate rules,
// AUTH throttling and the per-session error cap, each turned into a Reply plus the rule behind it
// (or null) so that the smtp-server hooks stay a few lines and log refusals in their one place.
// Owns the counter store (memory or Redis) and closes it; never throws for a client's behaviour.
import path from "node:path";
import { appliesTo } from "../../graph/graph.js";
import { DEFAULT_LIMITS, ruleLocation } from "../../graph/graph.js";
import { Replies, replyOf } from "../../graph/replies.js";
import { dedupeRecipients } from "../deliver/dedupeRecipients.js";
import { ConnectionLimiter } from "./connectionLimiter.js";
import { MemoryCounterStore } from "./counterStore.js";
import { LoginThrottle } from "./loginThrottle.js";
import { RateLimiter } from "./rateLimiter.js";
import { RedisCounterStore } from "./redisCounterStore.js";
import { VerificationSlots } from "./verificationSlots.js";
/** Error replies (4xx/5xx) a session may collect before it is dropped (Postfix: smtpd_hard_error_limit 20). */
export const MAX_ERRORS_PER_SESSION = 20;
/**
 * The longest command line smtp-server reads before answering 421 and closing. RFC 5321 section
 * 4.5.3.1.4 gives 512 octets to a bare command and lets extensions lengthen it; RFC 4954 section 4
 * has AUTH lines up to 12288 octets, the longest any extension we offer needs.
 */
export const MAX_COMMAND_LINE_OCTETS = 12_288;
/** The limits of a policy that says nothing about them (the compiler's defaults, docs/limits.md). */
export function defaultLimits(file) {
    const origin = (builtin) => ({ file, line: 0, span: { start: 0, end: 0 }, builtin });
    const d = DEFAULT_LIMITS;
    return {
        store: { kind: "memory" },
        rates: [],
        sessions: { max: d.sessions, perIp: d.sessionsPerIp, origin: origin(`limit sessions ${d.sessions}`), perIpOrigin: origin(`limit sessions per ip ${d.sessionsPerIp}`) },
        throttle: {
            failuresPerSession: d.failuresPerSession,
            ip: { ...d.ip },
            login: { ...d.login },
            delayBaseMs: d.delayBaseMs,
            delayMaxMs: d.delayMaxMs,
            origin: origin("throttle auth defaults (docs/limits.md)"),
        },
        timeouts: { commandMs: d.commandMs, dataMs: d.dataMs, origin: origin("timeout command 5m"), dataOrigin: origin("timeout data 10m") },
    };
}
export class ServerLimits {
    config;
    connections;
    store;
    throttle;
    /** Password verifications running at once, per address and in total. */
    verifications = new VerificationSlots();
    enforced;
    observed;
    nodeOf = new Map();
    /** Slots that `admit` gave, by the key the caller chose, with the client address: only those are freed by `leave`. */
    admitted = new Map();
    /** Sessions between `started` and `release`: only they keep per-session counts. */
    live = new Set();
    authFailures = new Map();
    errors = new Map();
    log;
    onWouldReject;
    constructor(config, options) {
        this.config = config;
        this.log = options.log;
        this.onWouldReject = options.onWouldReject;
        this.connections = new ConnectionLimiter({ maxSessions: config.sessions.max, maxSessionsPerIp: config.sessions.perIp });
        this.store =
            options.store ??
                (config.store.kind === "redis"
                    ? new RedisCounterStore({ redis: config.store.url, logger: options.log, ...(options.clock ? { clock: options.clock } : {}) })
                    : new MemoryCounterStore(options.clock ? { clock: options.clock } : {}));
        const rule = (node) => {
            // The counter's key names the policy file without its folder, so that instances sharing
            // Redis share a rule's counter wherever their copy of the policy lives. Logs use FILE:LINE.
            const id = `${path.basename(node.origin.file)}:${node.origin.line}`;
            this.nodeOf.set(id, node);
            const scoped = node.for || node.notFor || node.on || node.notOn ? { appliesTo: (subject) => appliesTo(node, { login: subject.user, listener: subject.listener ?? "" }) } : {};
            return { id, count: node.count, unit: node.unit, windowMs: node.windowMs, per: node.per, ...scoped };
        };
        this.enforced = new RateLimiter(config.rates.filter((r) => !r.observe).map(rule), this.store);
        // Each observed rule on its own: one that would refuse must not keep the others from counting.
        this.observed = config.rates.filter((r) => r.observe).map((r) => new RateLimiter([rule(r)], this.store));
        const t = config.throttle;
        this.throttle = new LoginThrottle({ maxFailuresPerSession: t.failuresPerSession, delayBaseMs: t.delayBaseMs, delayMaxMs: t.delayMaxMs, ipFailures: t.ip, loginFailures: t.login }, this.store);
    }
    // ---- sessions ----
    /**
     * At accept, before the greeting and before any TLS handshake: a slot under `slot` (any key
     * unique to the connection), or the 421 to answer (then the connection closes).
     */
    admit(slot, ip) {
        if (this.connections.open(ip)) {
            this.admitted.set(slot, ip);
            return null;
        }
        const { sessions } = this.config;
        const total = this.connections.sessions >= sessions.max;
        return {
            reply: Replies.tooManyConnections,
            origin: total ? sessions.origin : sessions.perIpOrigin,
            detail: total ? `${this.connections.sessions} sessions open` : `${this.connections.sessionsFrom(ip)} sessions open from this client`,
        };
    }
    /** When the connection closes: frees the slot `admit` gave (once; other keys are ignored). */
    leave(slot) {
        const ip = this.admitted.get(slot);
        if (ip !== undefined)
            this.connections.close(ip);
        this.admitted.delete(slot);
    }
    /** When the SMTP session starts (onConnect). */
    started(sessionId) {
        this.live.add(sessionId);
    }
    /** When the SMTP session ends: forgets its counts and cancels its waiting verifications. */
    release(sessionId) {
        this.live.delete(sessionId);
        this.verifications.cancel(sessionId);
        this.authFailures.delete(sessionId);
        this.errors.delete(sessionId);
    }
    /**
     * Caps the session's error replies (`capErrors`); `logged` is told about the 421 that ends it.
     * Call once per admitted session, in onConnect.
     */
    guard(connection, sessionId, logged) {
        capErrors(connection, () => {
            const count = (this.errors.get(sessionId) ?? 0) + 1;
            this.errors.set(sessionId, count);
            return count >= MAX_ERRORS_PER_SESSION;
        }, () => logged({
            reply: Replies.tooManyErrors,
            origin: this.builtin(`at most ${MAX_ERRORS_PER_SESSION} error replies per session`),
            detail: `${MAX_ERRORS_PER_SESSION} error replies`,
        }));
    }
    /** The refusal when `timeout data` runs out. */
    dataTimeout() {
        return { reply: Replies.timedOut, origin: this.config.timeouts.dataOrigin, detail: `DATA took longer than ${this.config.timeouts.dataMs} ms` };
    }
    /** The refusal when a command line is not complete within `timeout command` of its first byte. */
    commandTimeout() {
        return { reply: Replies.timedOut, origin: this.config.timeouts.origin, detail: `command line not complete within ${this.config.timeouts.commandMs} ms` };
    }
    /** A limit no policy line sets: named after the policy file with its built-in value. */
    builtin(what) {
        return { file: this.config.timeouts.origin.file, line: 0, span: { start: 0, end: 0 }, builtin: what };
    }
    // ---- rates ----
    /** At MAIL: would one more message (of its declared SIZE) fit? Counts nothing. */
    checkMail(context, mailFrom, declaredSize) {
        return this.rate("check", context, subjectOf(context.state, mailFrom), mailAmount(declaredSize));
    }
    /** At RCPT: would the recipients so far plus this one fit? Counts nothing. */
    checkRcpt(context) {
        const t = context.state.transaction;
        if (!t)
            return Promise.resolve(null);
        return this.rate("check", context, subjectOf(context.state, t.mailFrom), rcptAmount(t));
    }
    /**
     * At the end of DATA, once the message is otherwise accepted: counts it (all rules or none).
     * `refund` takes the count back if the message is then not delivered.
     */
    async consume(context, bytes) {
        const t = context.state.transaction;
        if (!t)
            return { refusal: null, refund: async () => undefined };
        const subject = subjectOf(context.state, t.mailFrom);
        const amount = messageAmount(t, bytes);
        const counted = [];
        const refusal = await this.rate("consume", context, subject, amount, counted);
        return {
            refusal,
            refund: async () => {
                for (const limiter of counted)
                    await limiter.refund(subject, amount);
            },
        };
    }
    /** `counted`, when given, receives the limiters that counted the amount (consume). */
    async rate(mode, context, subject, amount, counted) {
        const verdict = await this.enforced[mode](subject, amount);
        if (!verdict.allowed) {
            const node = this.nodeOf.get(verdict.rule.id);
            return {
                reply: verdict.storeUnavailable ? Replies.storeUnavailable : replyOf(node, Replies.rateLimited),
                origin: node.origin,
                detail: `${verdict.rule.count} ${verdict.rule.unit} per ${verdict.rule.windowMs} ms per ${verdict.rule.per}; retry after ${verdict.retryAfterMs} ms`,
            };
        }
        counted?.push(this.enforced);
        for (const limiter of this.observed) {
            const seen = await limiter[mode](subject, amount);
            if (seen.allowed) {
                counted?.push(limiter);
                continue;
            }
            const node = this.nodeOf.get(seen.rule.id);
            const origin = node.origin;
            const reply = replyOf(node, Replies.rateLimited);
            this.onWouldReject?.(origin, seen.retryAfterMs);
            this.log.warn({
                event: "would-reject",
                session: context.sessionId,
                client: context.state.clientAddress,
                stage: mode === "consume" ? "message" : amount.recipients > 0 ? "rcpt" : "mail",
                code: reply.code,
                enhanced: reply.enhanced,
                rule: ruleLocation(origin),
                per: seen.rule.per,
                retryAfterMs: seen.retryAfterMs,
            }, `observe: ${reply.code} ${reply.enhanced} ${reply.text}`);
        }
        return null;
    }
    // ---- AUTH ----
    /**
     * One AUTH: waits for a verification slot, asks the throttle (which counts the attempt as it
     * starts), runs `verify`, and records the outcome. `cancelled` when the session closed while
     * waiting: nothing was verified or counted. The same store work whatever the login.
     */
    async authenticate(sessionId, ip, login, verify) {
        const release = await this.verifications.acquire(sessionId, ip);
        if (release === null)
            return { kind: "cancelled" };
        let result;
        try {
            const verdict = await this.throttle.beforeAttempt(ip, login);
            if (!verdict.allowed) {
                const detail = verdict.storeUnavailable ? "limits store unavailable" : `${verdict.reason} blocked or at its failure limit; retry after ${verdict.retryAfterMs} ms`;
                return { kind: "refused", refusal: { reply: Replies.authBlocked, origin: this.config.throttle.origin, detail } };
            }
            result = await verify().catch((error) => ({ kind: "unavailable", reason: error.message }));
        }
        finally {
            release();
        }
        if (result.kind === "accepted") {
            await this.throttle.afterSuccess(ip, login);
            return { kind: "succeeded", ...(result.addresses ? { addresses: result.addresses } : {}), ...(result.login ? { login: result.login } : {}) };
        }
        // A source that could not answer says nothing about the password: no failure is counted.
        if (result.kind === "unavailable")
            return { kind: "unavailable", reason: result.reason };
        const failures = (this.authFailures.get(sessionId) ?? 0) + 1;
        // A session that closed meanwhile has been released: keep nothing for it.
        if (this.live.has(sessionId))
            this.authFailures.set(sessionId, failures);
        const verdict = await this.throttle.afterFailure(ip, login, failures);
        const drop = verdict.dropSession ? { reply: Replies.tooManyAuthFailures, origin: this.config.throttle.origin, detail: `${failures} failed logins in this session` } : null;
        return { kind: "failed", delayMs: verdict.delayMs, drop, blocked: verdict.blocked, failures, ...(result.reason ? { reason: result.reason } : {}) };
    }
    async close() {
        await this.store.close();
    }
}
/** Whom a transaction is counted against: the login, the client address and the sender's domain. */
export function subjectOf(state, mailFrom) {
    const at = mailFrom.lastIndexOf("@");
    return {
        ip: state.clientAddress,
        listener: state.listener,
        ...(state.login !== null ? { user: state.login } : {}),
        ...(at > 0 ? { senderDomain: mailFrom.slice(at + 1) } : {}),
    };
}
/** What a MAIL would add (its declared SIZE): checked, not counted. */
export function mailAmount(declaredSize) {
    return { messages: 1, recipients: 0, bytes: declaredSize ?? 0 };
}
/** What the transaction would add with one more recipient: checked, not counted. */
export function rcptAmount(t) {
    return { messages: 1, recipients: t.recipients.length + 1, bytes: t.declaredSize ?? 0 };
}
/** What a message adds at the end of DATA: its recipients as delivery dedupes them (exact local parts). */
export function messageAmount(t, bytes) {
    return { messages: 1, recipients: dedupeRecipients(t.recipients).length, bytes };
}
/**
 * Caps the error replies of one session: the reply that reaches the cap is replaced by
 * `421 4.7.0 too many errors` (smtp-server closes the connection after any 421), as Postfix's
 * hard error limit does. smtp-server's `send` is the one place every reply passes, so wrapping it
 * counts unknown commands, syntax errors, refusals and failed logins alike.
 */
export function capErrors(connection, onError, onCapped) {
    const send = connection.send.bind(connection);
    connection.send = (code, data, context) => {
        if (code >= 400 && code !== 421 && onError()) {
            onCapped();
            const reply = Replies.tooManyErrors;
            return send(reply.code, `${reply.enhanced} ${reply.text}`, false);
        }
        return send(code, data, context);
    };
}
/** Runs `expire` unless the returned stop function is called within `ms` (the DATA phase deadline). */
export function deadline(ms, expire) {
    const timer = setTimeout(expire, ms);
    timer.unref();
    return () => clearTimeout(timer);
}
/**
 * smtp-server options for the limits it enforces itself: `timeout command` is its idle timeout
 * (421 and close), and the command line cap (421 and close past it). The declared type leaves out
 * `maxCommandLength`, which @types/smtp-server does not know.
 */
export function smtpServerLimitOptions(config) {
    const options = { socketTimeout: config.timeouts.commandMs, maxCommandLength: MAX_COMMAND_LINE_OCTETS };
    return options;
}
//# sourceMappingURL=serverLimits.js.map