// Remembers, for a few minutes, that a login and password verified against a
// hash, so a mail client that logs in for every message does not pay a full
// argon2id or bcrypt verification each time (as Dovecot's auth cache does).
// Only successes are kept, keyed by an HMAC under a per-process secret, never
// the password itself; a changed hash in the users file misses the cache.
import { createHmac, randomBytes } from "node:crypto";
export class CredentialCache {
    ttlMs;
    maxEntries;
    now;
    secret = randomBytes(32);
    entries = new Map();
    /** Verifications running now: a client that logs in on eight connections at once pays once. */
    inFlight = new Map();
    constructor(ttlMs = 5 * 60_000, maxEntries = 10_000, now = Date.now) {
        this.ttlMs = ttlMs;
        this.maxEntries = maxEntries;
        this.now = now;
    }
    key(login, password, hash) {
        return createHmac("sha256", this.secret).update(login).update("\0").update(password).update("\0").update(hash).digest("base64");
    }
    has(login, password, hash) {
        const key = this.key(login, password, hash);
        const expires = this.entries.get(key);
        if (expires === undefined)
            return false;
        if (expires <= this.now()) {
            this.entries.delete(key);
            return false;
        }
        return true;
    }
    remember(login, password, hash) {
        // Maps iterate in insertion order: dropping the first entry drops the oldest.
        if (this.entries.size >= this.maxEntries)
            this.entries.delete(this.entries.keys().next().value);
        this.entries.set(this.key(login, password, hash), this.now() + this.ttlMs);
    }
    /** `verify()`'s answer, from the cache, from the same verification already running, or by running it. */
    verify(login, password, hash, verify) {
        if (this.has(login, password, hash))
            return Promise.resolve(true);
        const key = this.key(login, password, hash);
        let running = this.inFlight.get(key);
        if (!running) {
            running = verify()
                .then((ok) => {
                if (ok)
                    this.remember(login, password, hash);
                return ok;
            })
                .finally(() => this.inFlight.delete(key));
            this.inFlight.set(key, running);
        }
        return running;
    }
}
//# sourceMappingURL=credentialCache.js.map