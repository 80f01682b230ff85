// Throttling of AUTH attempts: each is counted when it starts (so parallel guesses cannot all be
// verified before the first failure is recorded), a growing delay before each failure reply, dropping
// a session after a few failures, and blocking an address, or one login from one address, for a while
// (454 4.7.0). A login guessed at from many addresses is slowed and tightened, never blocked outright:
// its owner still gets in from an address that has not failed. It never looks a login up and does the
// same store operations whatever the login, so its timing cannot tell which logins exist.
import { ipSubject, nameSubject } from "./clientKey.js";
import { EPSILON } from "./slidingWindow.js";
/** What a policy that says nothing about AUTH throttling gets (docs/limits.md). */
export const DEFAULT_LOGIN_THROTTLE = {
    maxFailuresPerSession: 3,
    delayBaseMs: 1_000,
    delayMaxMs: 8_000,
    ipFailures: { count: 5, windowMs: 10 * 60_000, blockMs: 15 * 60_000 },
    loginFailures: { count: 10, windowMs: 60 * 60_000, blockMs: 60 * 60_000 },
};
export class LoginThrottle {
    options;
    store;
    constructor(options, store) {
        this.options = options;
        this.store = store;
        for (const [name, limit] of [
            ["ipFailures", options.ipFailures],
            ["loginFailures", options.loginFailures],
        ]) {
            if (!(limit.count > 0 && limit.windowMs > 0 && limit.blockMs > 0))
                throw new RangeError(`login throttle ${name}: count, window and block must be positive`);
        }
    }
    /**
     * Before the credentials are checked: refused while the address or this login from this address
     * is blocked, or when one more attempt would pass a limit counting the attempts still in flight.
     * Otherwise the attempt is counted now, as a failure, and `afterSuccess` takes it back.
     */
    async beforeAttempt(ip, login) {
        const { ipFailures, loginFailures } = this.options;
        const keys = this.keys(ip, login);
        const hit = await this.store.blocked([keys.ipBlock, keys.pairBlock]);
        if (hit !== null) {
            const reason = hit.index === 0 ? "ip" : "login-from-ip";
            return hit.unavailable ? { allowed: false, reason, retryAfterMs: hit.remainingMs, storeUnavailable: true } : { allowed: false, reason, retryAfterMs: hit.remainingMs };
        }
        const [loginCount] = await this.store.add([{ key: keys.loginCount, windowMs: loginFailures.windowMs, amount: 0 }]);
        const verdict = await this.store.consume([
            { key: keys.ipCount, windowMs: ipFailures.windowMs, limit: ipFailures.count, amount: 1 },
            { key: keys.pairCount, windowMs: loginFailures.windowMs, limit: this.pairLimit(loginCount), amount: 1 },
            // The login's own count never refuses: it only slows and tightens (pairLimit, the delay).
            { key: keys.loginCount, windowMs: loginFailures.windowMs, limit: Number.MAX_SAFE_INTEGER, amount: 1 },
        ]);
        if (verdict.ok)
            return { allowed: true };
        // A refusal here starts no block: the attempts in flight may yet succeed. Blocks start in afterFailure.
        if (verdict.unavailable)
            return { allowed: false, reason: "ip", retryAfterMs: verdict.retryAfterMs, storeUnavailable: true };
        return { allowed: false, reason: verdict.index === 0 ? "ip" : "login-from-ip", retryAfterMs: verdict.retryAfterMs };
    }
    /** After a failed attempt that beforeAttempt allowed (and counted); `sessionFailures` counts this one. */
    async afterFailure(ip, login, sessionFailures) {
        const { ipFailures, loginFailures } = this.options;
        const keys = this.keys(ip, login);
        const [ipCount, pairCount, loginCount] = (await this.store.add([
            { key: keys.ipCount, windowMs: ipFailures.windowMs, amount: 0 },
            { key: keys.pairCount, windowMs: loginFailures.windowMs, amount: 0 },
            { key: keys.loginCount, windowMs: loginFailures.windowMs, amount: 0 },
        ]));
        const blocked = [];
        if (ipCount + EPSILON >= ipFailures.count) {
            await this.store.block(keys.ipBlock, ipFailures.blockMs);
            blocked.push("ip");
        }
        if (pairCount + EPSILON >= this.pairLimit(loginCount)) {
            await this.store.block(keys.pairBlock, loginFailures.blockMs);
            blocked.push("login-from-ip");
        }
        // The delay grows with the failures in the window too, not just in this session, so that
        // reconnecting after each guess does not reset it; the login's count slows it from every address.
        const failures = Math.max(sessionFailures, Math.ceil(ipCount - EPSILON), Math.ceil(loginCount - EPSILON), 1);
        return {
            delayMs: failureDelayMs(failures, this.options.delayBaseMs, this.options.delayMaxMs),
            dropSession: sessionFailures >= this.options.maxFailuresPerSession,
            blocked,
        };
    }
    /**
     * After a successful login: the attempt counted at its start is taken back, and this login's
     * failures from this address are forgotten, in the pair's count and in the login's: an owner who
     * mistyped a few times is not blocked or slowed later by old mistakes. The address's failures with
     * other logins stay (a success with one account must not wipe the record of guessing at others),
     * and so do the login's failures from other addresses (the owner getting in does not end someone
     * else's guessing). Blocks stay until they expire.
     */
    async afterSuccess(ip, login) {
        const { ipFailures, loginFailures } = this.options;
        const keys = this.keys(ip, login);
        // The pair's count includes this attempt, so it is at least 1.
        const [pairCount] = await this.store.add([{ key: keys.pairCount, windowMs: loginFailures.windowMs, amount: 0 }]);
        await this.store.refund([
            { key: keys.ipCount, windowMs: ipFailures.windowMs, amount: 1 },
            { key: keys.loginCount, windowMs: loginFailures.windowMs, amount: Math.max(1, Math.ceil(pairCount - EPSILON)) },
        ]);
        await this.store.reset([{ key: keys.pairCount, windowMs: loginFailures.windowMs }]);
    }
    /**
     * Failures of one login from one address before that pair is blocked: `loginFailures.count`, and
     * just 1 once the login has had `loginFailures.count` failures from all addresses together (it is
     * being guessed at from many places: each address gets one guess at it per window).
     */
    pairLimit(loginCount) {
        return loginCount + EPSILON >= this.options.loginFailures.count ? 1 : this.options.loginFailures.count;
    }
    keys(ip, login) {
        const ipPart = encodeURIComponent(ipSubject(ip));
        const loginPart = encodeURIComponent(nameSubject(login));
        return {
            ipCount: `auth-fail/ip/${ipPart}`,
            pairCount: `auth-fail/login-ip/${loginPart}/${ipPart}`,
            loginCount: `auth-fail/login/${loginPart}`,
            ipBlock: `auth-block/ip/${ipPart}`,
            pairBlock: `auth-block/login-ip/${loginPart}/${ipPart}`,
        };
    }
}
/** base * 2^(failures - 1), capped: 1 s, 2 s, 4 s, ... up to `maxMs`. */
export function failureDelayMs(failures, baseMs, maxMs) {
    if (failures < 1)
        return 0;
    return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 52));
}
//# sourceMappingURL=loginThrottle.js.map