// Time for the queue runner, injected so retry, expiry and DSN tests move time by hand
// instead of waiting. The runner reads time and sets timers only through a Clock.
export const systemClock = {
    now: () => Date.now(),
    setTimer: (callback, ms) => {
        const timer = setTimeout(callback, ms);
        timer.unref(); // the runner never keeps a process alive on its own
        return timer;
    },
    clearTimer: (handle) => clearTimeout(handle),
};
/** A clock that moves only when told: `advance(ms)` fires the timers that fall due, in order. */
export class ManualClock {
    current;
    timers = [];
    nextHandle = 1;
    constructor(start = Date.now()) {
        this.current = start;
    }
    now() {
        return this.current;
    }
    setTimer(callback, ms) {
        const handle = this.nextHandle++;
        this.timers.push({ at: this.current + Math.max(0, ms), callback, handle });
        return handle;
    }
    clearTimer(handle) {
        this.timers = this.timers.filter((timer) => timer.handle !== handle);
    }
    advance(ms) {
        const until = this.current + ms;
        for (;;) {
            this.timers.sort((a, b) => a.at - b.at || a.handle - b.handle);
            const due = this.timers[0];
            if (!due || due.at > until)
                break;
            this.timers.shift();
            this.current = due.at;
            due.callback();
        }
        this.current = until;
    }
}
//# sourceMappingURL=clock.js.map