// The server's limits for simulated sessions: the same ServerLimits the server builds from the
// graph (rate rules, AUTH throttling), over an in-memory store and a clock that only `#advance`
// moves, called at the points where the server calls them. Each call comes back as trace steps
// and the refusal, so a simulated refusal has the wire's reply and rule. Never touches Redis.
import pino from "pino";
import { formatDuration } from "../../compiler/duration.js";
import { appliesTo } from "../../graph/graph.js";
import { MemoryCounterStore } from "../../runtime/limits/counterStore.js";
import { subjectOf as ruleSubjectOf } from "../../runtime/limits/rateLimiter.js";
import { Replies, replyOf } from "../../graph/replies.js";
import { mailAmount, messageAmount, rcptAmount, ServerLimits, subjectOf } from "../../runtime/limits/serverLimits.js";
import { ManualClock } from "../../runtime/queue/clock.js";
export class SimulatedLimits {
    graph;
    clock;
    limits;
    /** Observe-only rate rules that would have refused during the current call, as ServerLimits reports them. */
    wouldReject = [];
    constructor(graph, start) {
        this.graph = graph;
        this.clock = new ManualClock(start);
        this.limits = new ServerLimits(graph.limits, {
            log: pino({ enabled: false }),
            clock: this.clock,
            store: new MemoryCounterStore({ clock: this.clock }),
            onWouldReject: (origin, retryAfterMs) => void this.wouldReject.push({ origin, retryAfterMs }),
        });
    }
    /** At MAIL, once the policy's MAIL stage passed (the server's onMailFrom). */
    checkMail(sessionId, state, mailFrom, declaredSize) {
        return this.rates(state, mailFrom, mailAmount(declaredSize), () => this.limits.checkMail({ sessionId, state }, mailFrom, declaredSize));
    }
    /** At RCPT, with the state before this recipient (the server's onRcptTo). */
    checkRcpt(sessionId, state) {
        const t = state.transaction;
        if (!t)
            return Promise.resolve({ trace: [], refusal: null, observations: [] });
        return this.rates(state, t.mailFrom, rcptAmount(t), () => this.limits.checkRcpt({ sessionId, state }));
    }
    /** At the end of DATA, once the message stage passed: counts the message, or refuses it (the server's onData). */
    async consume(sessionId, state, bytes) {
        const t = state.transaction;
        if (!t)
            return { trace: [], refusal: null, observations: [], charge: null };
        let charge = null;
        const check = await this.rates(state, t.mailFrom, messageAmount(t, bytes), async () => {
            charge = await this.limits.consume({ sessionId, state }, bytes);
            return charge.refusal;
        });
        return { ...check, charge };
    }
    /** One AUTH through the login throttle, as the server's onAuth runs it; `passwordRight` stands for the password check. */
    async authenticate(sessionId, clientAddress, login, passwordRight) {
        const origin = this.graph.limits.throttle.origin;
        const result = await this.limits.authenticate(sessionId, clientAddress, login, () => Promise.resolve(passwordRight ? { kind: "accepted" } : { kind: "rejected" }));
        const step = (outcome, detail) => ({ node: "ThrottleAuth", origin, outcome, detail });
        switch (result.kind) {
            case "succeeded":
                return { outcome: "succeeded", trace: [step("pass", "attempt allowed")], refusal: null, observations: [] };
            case "refused":
                return { outcome: "refused", trace: [step("refuse", result.refusal.detail)], refusal: result.refusal, observations: [] };
            case "failed": {
                const blocked = result.blocked.length > 0 ? `; now blocked: ${result.blocked.join(", ")}` : "";
                const detail = `failed login ${result.failures} in this session; 535 after ${formatDuration(result.delayMs)}${blocked}`;
                if (result.drop)
                    return { outcome: "dropped", trace: [step("refuse", `${detail}; ${result.drop.detail}`)], refusal: result.drop, observations: [] };
                return { outcome: "failed", trace: [step("pass", detail)], refusal: null, observations: [] };
            }
            case "cancelled":
            case "unavailable":
                // Only a session released while waiting for a verification slot is cancelled, and a script's
                // password check always answers: neither happens in a simulation.
                return { outcome: "failed", trace: [], refusal: null, observations: [] };
        }
    }
    /** When a simulated connection opens (the server's onConnect). */
    started(sessionId) {
        this.limits.started(sessionId);
    }
    /** When a simulated connection closes: its AUTH failure count goes, the counters stay. */
    release(sessionId) {
        this.limits.release(sessionId);
    }
    /**
     * Runs one rate check and traces every rule it consulted: the rules whose subject the
     * transaction has (a `per user` rule has none before AUTH) and to which `amount` adds something
     * (a `recipients` rule is not asked at MAIL). `amount` is what ServerLimits passes at that point.
     */
    async rates(state, mailFrom, amount, check) {
        this.wouldReject = [];
        const refusal = await check();
        const subject = subjectOf(state, mailFrom);
        // As RateLimiter does: a rule without a subject, or with nothing to add in its unit, is not asked.
        const applying = this.graph.limits.rates.filter((rule) => ruleSubjectOf(rule.per, subject) !== undefined && appliesTo(rule, { login: subject.user, listener: subject.listener ?? "" }) && amount[rule.unit] > 0);
        const observations = [];
        const trace = [];
        for (const rule of applying) {
            if (refusal?.origin === rule.origin) {
                trace.push({ node: "LimitRate", origin: rule.origin, outcome: "refuse", detail: refusal.detail });
                continue;
            }
            if (!rule.observe) {
                trace.push({ node: "LimitRate", origin: rule.origin, outcome: "pass", detail: describeRate(rule) });
                continue;
            }
            // A refusal ends the check before the observe-only rules are asked.
            if (refusal)
                continue;
            const seen = this.wouldReject.find((w) => w.origin === rule.origin);
            if (!seen) {
                trace.push({ node: "LimitRate", origin: rule.origin, outcome: "pass", detail: describeRate(rule) });
                continue;
            }
            const detail = `${describeRate(rule)}; retry after ${seen.retryAfterMs} ms`;
            observations.push({ origin: rule.origin, reply: replyOf(rule, Replies.rateLimited), detail });
            trace.push({ node: "LimitRate", origin: rule.origin, outcome: "observe", detail });
        }
        return { trace, refusal, observations };
    }
}
function describeRate(rule) {
    return `${rule.count} ${rule.unit} per ${formatDuration(rule.windowMs)} per ${rule.per}`;
}
//# sourceMappingURL=simulatedLimits.js.map