// Counts open sessions in total and per client IP (IPv6 per /64) so the server can refuse a
// connection before it costs anything (`limit sessions 500`, `limit sessions per ip 20`). Per
// process, in memory, O(1): sessions are not shared across instances, each has its own sockets.
import { ipSubject } from "./clientKey.js";
/** What a policy that says nothing about sessions gets (docs/limits.md). */
export const DEFAULT_CONNECTION_LIMITS = { maxSessions: 500, maxSessionsPerIp: 20 };
export class ConnectionLimiter {
    limits;
    perIp = new Map();
    total = 0;
    constructor(limits) {
        this.limits = limits;
    }
    /** Takes a slot for a new session; false means refuse it (421 4.7.0, then close) and do not call `close`. */
    open(ip) {
        const key = ipSubject(ip);
        const current = this.perIp.get(key) ?? 0;
        if (this.total >= this.limits.maxSessions || current >= this.limits.maxSessionsPerIp)
            return false;
        this.perIp.set(key, current + 1);
        this.total++;
        return true;
    }
    /** Frees the slot of a session that `open` admitted; a close without a matching open is ignored. */
    close(ip) {
        const key = ipSubject(ip);
        const current = this.perIp.get(key);
        if (current === undefined)
            return;
        // Empty entries are removed, so memory follows the number of connected IPs, not of IPs ever seen.
        if (current <= 1)
            this.perIp.delete(key);
        else
            this.perIp.set(key, current - 1);
        this.total--;
    }
    get sessions() {
        return this.total;
    }
    sessionsFrom(ip) {
        return this.perIp.get(ipSubject(ip)) ?? 0;
    }
    /** Distinct client IPs (or /64s) with open sessions. */
    get clients() {
        return this.perIp.size;
    }
}
//# sourceMappingURL=connectionLimiter.js.map