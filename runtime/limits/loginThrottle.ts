// Throttling of failed AUTH attempts: a growing delay before each failure reply, dropping a session
// after a few failures, and blocking an IP or a login with too many failures in a window (454 4.7.0).
// It never looks a login up and does the same store operations whatever the login, so its timing
// cannot tell an attacker which logins exist. Counters and blocks live in the shared CounterStore.

import { ipSubject, nameSubject } from './clientKey.js';
import type { CounterStore } from './counterStore.js';
import { EPSILON } from './slidingWindow.js';

export interface FailureLimit {
  /** failures within `windowMs` that trigger a block */
  count: number;
  windowMs: number;
  blockMs: number;
}

export interface LoginThrottleOptions {
  /** the session is dropped after this many failed AUTH commands */
  maxFailuresPerSession: number;
  /** the delay before the first failure reply; doubles with each further failure */
  delayBaseMs: number;
  delayMaxMs: number;
  ipFailures: FailureLimit;
  loginFailures: FailureLimit;
}

export type AttemptVerdict =
  | { allowed: true }
  /** `storeUnavailable`: refused because the shared store could not be asked (fail-closed mode); `reason` is then 'ip' */
  | { allowed: false; reason: 'ip' | 'login'; retryAfterMs: number; storeUnavailable?: true };

export interface FailureVerdict {
  /** wait this long before sending the 535 */
  delayMs: number;
  /** then close the session (421 4.7.0) */
  dropSession: boolean;
  /** what this failure started blocking, for the log */
  blocked: ('ip' | 'login')[];
}

/** What a policy that says nothing about AUTH throttling gets (docs/limits.md). */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  maxFailuresPerSession: 3,
  delayBaseMs: 1_000,
  delayMaxMs: 8_000,
  ipFailures: { count: 5, windowMs: 10 * 60_000, blockMs: 15 * 60_000 },
  loginFailures: { count: 10, windowMs: 60 * 60_000, blockMs: 60 * 60_000 },
};

export class LoginThrottle {
  constructor(
    readonly options: LoginThrottleOptions,
    private readonly store: CounterStore,
  ) {
    for (const [name, limit] of [['ipFailures', options.ipFailures], ['loginFailures', options.loginFailures]] as const) {
      if (!(limit.count > 0 && limit.windowMs > 0 && limit.blockMs > 0)) throw new RangeError(`login throttle ${name}: count, window and block must be positive`);
    }
  }

  /** Before the credentials are checked: is this IP or this login blocked? */
  async beforeAttempt(ip: string, login: string): Promise<AttemptVerdict> {
    const keys = this.keys(ip, login);
    const hit = await this.store.blocked([keys.ipBlock, keys.loginBlock]);
    if (hit === null) return { allowed: true };
    const reason = hit.index === 0 ? 'ip' : 'login';
    return hit.unavailable ? { allowed: false, reason, retryAfterMs: hit.remainingMs, storeUnavailable: true } : { allowed: false, reason, retryAfterMs: hit.remainingMs };
  }

  /** After a failed attempt; `sessionFailures` counts this one (1 for the first failure of the session). */
  async afterFailure(ip: string, login: string, sessionFailures: number): Promise<FailureVerdict> {
    const { ipFailures, loginFailures } = this.options;
    const keys = this.keys(ip, login);
    const [ipCount, loginCount] = await this.store.add([
      { key: keys.ipCount, windowMs: ipFailures.windowMs, amount: 1 },
      { key: keys.loginCount, windowMs: loginFailures.windowMs, amount: 1 },
    ]);
    const blocked: ('ip' | 'login')[] = [];
    if (ipCount + EPSILON >= ipFailures.count) {
      await this.store.block(keys.ipBlock, ipFailures.blockMs);
      blocked.push('ip');
    }
    if (loginCount + EPSILON >= loginFailures.count) {
      await this.store.block(keys.loginBlock, loginFailures.blockMs);
      blocked.push('login');
    }
    // The delay grows with the failures in the window too, not just in this session, so that
    // reconnecting after each guess does not reset it.
    const failures = Math.max(sessionFailures, Math.ceil(ipCount - EPSILON), Math.ceil(loginCount - EPSILON), 1);
    return {
      delayMs: failureDelayMs(failures, this.options.delayBaseMs, this.options.delayMaxMs),
      dropSession: sessionFailures >= this.options.maxFailuresPerSession,
      blocked,
    };
  }

  /**
   * After a successful login: its failure count starts again, so an owner who mistyped a few times
   * is not blocked later by old mistakes. The IP's count stays: a success with one account must not
   * wipe the record of guessing at others from the same address. Blocks stay until they expire.
   */
  async afterSuccess(ip: string, login: string): Promise<void> {
    await this.store.reset([{ key: this.keys(ip, login).loginCount, windowMs: this.options.loginFailures.windowMs }]);
  }

  private keys(ip: string, login: string): { ipCount: string; loginCount: string; ipBlock: string; loginBlock: string } {
    const ipPart = encodeURIComponent(ipSubject(ip));
    const loginPart = encodeURIComponent(nameSubject(login));
    return {
      ipCount: `auth-fail/ip/${ipPart}`,
      loginCount: `auth-fail/login/${loginPart}`,
      ipBlock: `auth-block/ip/${ipPart}`,
      loginBlock: `auth-block/login/${loginPart}`,
    };
  }
}

/** base * 2^(failures - 1), capped: 1 s, 2 s, 4 s, ... up to `maxMs`. */
export function failureDelayMs(failures: number, baseMs: number, maxMs: number): number {
  if (failures < 1) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 52));
}
