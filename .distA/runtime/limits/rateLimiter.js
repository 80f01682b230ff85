// Rate limits of the policy (`limit rate 200 messages per hour per user`): which counters a
// transaction touches, and whether it fits. The SMTP stages call `check` early (MAIL, RCPT) without
// counting, and `consume` once at the end of DATA, just before the 250, which counts the whole
// message atomically or nothing: a client that is refused anywhere is never charged, and `refund`
// takes the count back when delivery then fails.
import { ipSubject, nameSubject } from "./clientKey.js";
export class RateLimiter {
    rules;
    store;
    constructor(rules, store) {
        this.rules = rules;
        this.store = store;
        for (const rule of rules) {
            if (!(rule.count > 0 && rule.windowMs > 0))
                throw new RangeError(`rate rule ${rule.id}: count and window must be positive`);
        }
    }
    /**
     * Would `amount` fit under every rule, on top of what is already counted? Counts nothing. Pass the
     * transaction's totals so far: at MAIL {messages: 1, recipients: 0, bytes: SIZE= or 0}; at RCPT the
     * recipients accepted so far plus this one.
     */
    async check(subject, amount) {
        const { rules, specs } = this.specs(subject, amount);
        return this.answer(rules, await this.store.check(specs));
    }
    /**
     * Counts `amount` against every rule if it fits under all of them, atomically (also across msa
     * instances sharing Redis); otherwise counts nothing. Call once per accepted message with
     * {messages: 1, recipients: accepted RCPTs, bytes: message size}.
     */
    async consume(subject, amount) {
        const { rules, specs } = this.specs(subject, amount);
        return this.answer(rules, await this.store.consume(specs));
    }
    /**
     * Takes back what `consume` counted for this subject and amount: for a message that was counted
     * and then not delivered (a 4xx from the next hop or the spool), so the client's retry is not
     * counted twice.
     */
    async refund(subject, amount) {
        await this.store.refund(this.specs(subject, amount).specs);
    }
    specs(subject, amount) {
        const rules = [];
        const specs = [];
        for (const rule of this.rules) {
            const who = subjectOf(rule.per, subject);
            if (who === undefined || (rule.appliesTo && !rule.appliesTo(subject)))
                continue;
            rules.push(rule);
            specs.push({ key: rateKey(rule, who), windowMs: rule.windowMs, limit: rule.count, amount: amount[rule.unit] });
        }
        return { rules, specs };
    }
    answer(rules, verdict) {
        if (verdict.ok)
            return { allowed: true };
        const rule = rules[verdict.index];
        return verdict.unavailable
            ? { allowed: false, rule, retryAfterMs: verdict.retryAfterMs, storeUnavailable: true }
            : { allowed: false, rule, retryAfterMs: verdict.retryAfterMs };
    }
}
/** The subject a rule counts against, or undefined when the transaction has none (the rule does not apply). */
export function subjectOf(per, subject) {
    switch (per) {
        case "user":
            return subject.user === undefined ? undefined : nameSubject(subject.user);
        case "ip":
            return ipSubject(subject.ip);
        case "domain":
            return subject.senderDomain === undefined || subject.senderDomain === "" ? undefined : nameSubject(subject.senderDomain);
    }
}
/**
 * `rule/<rule id>/<per>/<subject>` (under the store's prefix, `msa:rate:` in Redis). Components are
 * URI-encoded so that the colons of FILE:LINE and IPv6 cannot make two counters share a key. The
 * unit and window are part of the key too: editing a rule in place starts it afresh instead of
 * reading a counter kept in other units.
 */
export function rateKey(rule, subject) {
    const part = encodeURIComponent;
    return `rule/${part(rule.id)}/${rule.unit}/${rule.windowMs}/${rule.per}/${part(subject)}`;
}
//# sourceMappingURL=rateLimiter.js.map