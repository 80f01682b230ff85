// The sliding-window counter that every rate and failure count in msa uses, as pure functions.
// Two fixed buckets per counter (this window's and the last one's); the estimate weights the last
// bucket by how much of it still lies inside the sliding window. O(1) time, three numbers per key.
// The Redis Lua script in redisCounterStore.ts does the same arithmetic; keep the two in step.
/**
 * Float slack in comparisons, relative to the limit (a byte limit runs into the billions): the
 * weighted estimate is fractional, and a client told to come back in `retryAfterMs` must not be
 * refused again by a rounding error when it does.
 */
export const EPSILON = 1e-9;
export function slack(limit) {
    return EPSILON * Math.max(1, limit);
}
export function bucketOf(now, windowMs) {
    return Math.floor(now / windowMs);
}
/**
 * The state as seen at bucket `bucket`: a state from the bucket before becomes the previous bucket,
 * anything older is forgotten. A state from a later bucket (another instance whose clock runs ahead
 * already rolled it) is kept as it is rather than thrown away.
 */
export function roll(state, bucket) {
    if (state === undefined)
        return { bucket, current: 0, previous: 0 };
    if (state.bucket >= bucket)
        return state;
    if (state.bucket === bucket - 1)
        return { bucket, current: 0, previous: state.current };
    return { bucket, current: 0, previous: 0 };
}
/**
 * Takes `amount` back out of a counter (a message counted, then not delivered): from this bucket
 * first, what is left from the last one, never below zero. Usually the bucket has not moved since
 * the amount was added and this undoes it exactly.
 */
export function withdraw(state, amount) {
    const fromCurrent = Math.min(amount, state.current);
    return { bucket: state.bucket, current: state.current - fromCurrent, previous: Math.max(0, state.previous - (amount - fromCurrent)) };
}
/** The count over the sliding window that ends at `now`: previous * (share still inside) + current. */
export function estimate(state, now, windowMs) {
    const elapsed = Math.min(1, Math.max(0, (now - state.bucket * windowMs) / windowMs));
    return state.previous * (1 - elapsed) + state.current;
}
export function fits(state, now, windowMs, limit, amount) {
    return amount <= 0 || estimate(state, now, windowMs) + amount <= limit + slack(limit);
}
/**
 * The smallest wait (whole ms, at least 1) after which `amount` fits, assuming nothing else is
 * counted meanwhile. An amount larger than the limit never fits; the answer is then the whole
 * window, a hint only (see docs/limits.md: the checker should flag such a policy).
 */
export function retryAfterMs(state, now, windowMs, limit, amount) {
    if (amount > limit)
        return windowMs;
    const elapsed = Math.min(windowMs, Math.max(0, now - state.bucket * windowMs));
    const leftInBucket = windowMs - elapsed;
    // Within this bucket the previous bucket's weight shrinks linearly: solve
    // previous * (1 - (elapsed + wait) / windowMs) + current + amount = limit for wait.
    if (state.current + amount <= limit && state.previous > 0) {
        const wait = windowMs * (1 - (limit - state.current - amount) / state.previous) - elapsed;
        if (wait < leftInBucket)
            return ceilMs(wait);
    }
    // In the next bucket this bucket becomes the previous one: current * (1 - d / windowMs) + amount = limit.
    const intoNext = state.current === 0 ? 0 : Math.max(0, windowMs * (1 - (limit - amount) / state.current));
    return ceilMs(leftInBucket + intoNext);
}
/** Whole milliseconds, at least 1; a wait of 300.00000000000006 (float noise) is 300, not 301. */
function ceilMs(ms) {
    return Math.max(1, Math.ceil(ms - 1e-6));
}
/** When a state last written in `bucket` has no effect any more: two windows after its bucket began. */
export function expiresAt(bucket, windowMs) {
    return (bucket + 2) * windowMs;
}
//# sourceMappingURL=slidingWindow.js.map