// Time for the queue runner, injected so retry, expiry and DSN tests move time by hand
// instead of waiting. The runner reads time and sets timers only through a Clock.

export interface Clock {
  /** milliseconds since 1970, like Date.now() */
  now(): number;
  /** runs `callback` after `ms`; the handle goes to clearTimer */
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref(); // the runner never keeps a process alive on its own
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A clock that moves only when told: `advance(ms)` fires the timers that fall due, in order. */
export class ManualClock implements Clock {
  private current: number;
  private timers: { at: number; callback: () => void; handle: number }[] = [];
  private nextHandle = 1;

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.timers.push({ at: this.current + Math.max(0, ms), callback, handle });
    return handle;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.handle !== handle);
  }

  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.handle - b.handle);
      const due = this.timers[0];
      if (!due || due.at > until) break;
      this.timers.shift();
      this.current = due.at;
      due.callback();
    }
    this.current = until;
  }
}
