// Durations as the policy writes them: `30s`, `5m`, `1h`, `5d`; rate windows may also be a word.
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WINDOW_WORDS = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 };
/** Milliseconds, or undefined when `text` is not a positive duration (`window` also accepts `hour`, `day`, ...). */
export function parseDuration(text, options = {}) {
    if (options.window && WINDOW_WORDS[text] !== undefined)
        return WINDOW_WORDS[text];
    const match = /^(\d+)([smhd])$/.exec(text);
    if (!match)
        return undefined;
    const ms = Number(match[1]) * UNIT_MS[match[2]];
    return ms > 0 ? ms : undefined;
}
/** The shortest exact way to write `ms`, for `msac print`. */
export function formatDuration(ms) {
    for (const [unit, size] of [
        ["d", 86_400_000],
        ["h", 3_600_000],
        ["m", 60_000],
    ]) {
        if (ms % size === 0)
            return `${ms / size}${unit}`;
    }
    return `${Math.round(ms / 1000)}s`;
}
//# sourceMappingURL=duration.js.map