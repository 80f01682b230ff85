// Remembers, for a few minutes, that a login and password verified against a
// hash, so a mail client that logs in for every message does not pay a full
// argon2id or bcrypt verification each time (as Dovecot's auth cache does).
// Only successes are kept, keyed by an HMAC under a per-process secret, never
// the password itself; a changed hash in the users file misses the cache.
import { createHmac, randomBytes } from "node:crypto";

export class CredentialCache {
  private readonly secret = randomBytes(32);
  private readonly entries = new Map<string, number>();
  /** Verifications running now: a client that logs in on eight connections at once pays once. */
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  private key(login: string, password: string, hash: string): string {
    return createHmac("sha256", this.secret).update(login).update("\0").update(password).update("\0").update(hash).digest("base64");
  }

  has(login: string, password: string, hash: string): boolean {
    const key = this.key(login, password, hash);
    const expires = this.entries.get(key);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.entries.delete(key);
      return false;
    }
    return true;
  }

  remember(login: string, password: string, hash: string): void {
    // Maps iterate in insertion order: dropping the first entry drops the oldest.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(this.key(login, password, hash), this.now() + this.ttlMs);
  }

  /** `verify()`'s answer, from the cache, from the same verification already running, or by running it. */
  verify(login: string, password: string, hash: string, verify: () => Promise<boolean>): Promise<boolean> {
    if (this.has(login, password, hash)) return Promise.resolve(true);
    const key = this.key(login, password, hash);
    let running = this.inFlight.get(key);
    if (!running) {
      running = verify()
        .then((ok) => {
          if (ok) this.remember(login, password, hash);
          return ok;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, running);
    }
    return running;
  }
}
