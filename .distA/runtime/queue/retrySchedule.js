// Retry scheduling of the queue: exponential backoff with jitter after each temporary failure,
// so that a next hop that is down is not hammered and retries do not come in waves.
/** 1 min, 2, 4, 8, 16, 32, then every 60 min (each ±20 %). */
export const DEFAULT_RETRY = { initialMs: 60_000, factor: 2, maxMs: 3_600_000, jitter: 0.2 };
/** The wait before attempt n + 1 after n temporary failures (n >= 1). */
export function retryDelay(failures, schedule, random = Math.random) {
    const base = Math.min(schedule.maxMs, schedule.initialMs * schedule.factor ** Math.max(0, failures - 1));
    return Math.round(base * (1 - schedule.jitter + 2 * schedule.jitter * random()));
}
//# sourceMappingURL=retrySchedule.js.map