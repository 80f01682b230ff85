// Caps the password verifications running at once, per client address (IPv6 per /64) and in total:
// an argon2id verification with node-argon2's defaults holds 64 MiB, so a burst of parallel AUTHs
// must queue instead of each getting its own. Waiters are served first come, first served; one whose
// session closes leaves the queue without running. Per process, in memory, like session slots.
import { ipSubject } from "./clientKey.js";
/**
 * Two in all: an argon2id verification with the defaults holds 64 MiB and runs 4 lanes, so two keep
 * libuv's 4 threads busy; more only wait there while holding memory (19 at once took RSS from 110 to
 * 360 MiB). One per address: one client cannot take every slot, and a mail client that opens a few
 * connections at once gets the later ones from the credential cache.
 */
export const DEFAULT_VERIFICATION_SLOTS = { perIp: 1, total: 2 };
export class VerificationSlots {
    limits;
    runningPerIp = new Map();
    queue = [];
    runningNow = 0;
    /** The most verifications that ran at once, in all and from one address (tests and metrics). */
    peakRunning = 0;
    peakRunningPerIp = 0;
    constructor(limits = DEFAULT_VERIFICATION_SLOTS) {
        this.limits = limits;
        if (!(limits.perIp >= 1 && limits.total >= 1))
            throw new RangeError("verification slots: perIp and total must be at least 1");
    }
    get running() {
        return this.runningNow;
    }
    get waiting() {
        return this.queue.length;
    }
    /** A slot for `sessionId`, when one is free; null if `cancel(sessionId)` came first. */
    acquire(sessionId, ip) {
        const key = ipSubject(ip);
        if (this.queue.length === 0 && this.fits(key))
            return Promise.resolve(this.take(key));
        return new Promise((grant) => this.queue.push({ sessionId, key, grant }));
    }
    /** The session closed: its waiting request, if any, is dropped and answered null. */
    cancel(sessionId) {
        const index = this.queue.findIndex((w) => w.sessionId === sessionId);
        if (index >= 0)
            this.queue.splice(index, 1)[0].grant(null);
    }
    fits(key) {
        return this.runningNow < this.limits.total && (this.runningPerIp.get(key) ?? 0) < this.limits.perIp;
    }
    take(key) {
        const mine = (this.runningPerIp.get(key) ?? 0) + 1;
        this.runningPerIp.set(key, mine);
        this.runningNow++;
        this.peakRunning = Math.max(this.peakRunning, this.runningNow);
        this.peakRunningPerIp = Math.max(this.peakRunningPerIp, mine);
        let released = false;
        return () => {
            if (released)
                return;
            released = true;
            const left = this.runningPerIp.get(key) - 1;
            if (left === 0)
                this.runningPerIp.delete(key);
            else
                this.runningPerIp.set(key, left);
            this.runningNow--;
            this.serve();
        };
    }
    /**
     * Grants freed slots to the earliest waiters that fit. The scan is linear in the queue, which
     * session limits bound (at most one waiter per open session).
     */
    serve() {
        for (let i = 0; i < this.queue.length && this.runningNow < this.limits.total;) {
            const waiter = this.queue[i];
            if (!this.fits(waiter.key)) {
                i++;
                continue;
            }
            this.queue.splice(i, 1);
            waiter.grant(this.take(waiter.key));
        }
    }
}
//# sourceMappingURL=verificationSlots.js.map