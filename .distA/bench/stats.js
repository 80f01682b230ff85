// Summaries for the benchmark report: every figure is the median of several rounds,
// shown with its spread (min and max), and comparisons are ratios of medians taken
// in the same invocation, because the machines running this are shared and noisy.
export function median(values) {
    if (values.length === 0)
        return Number.NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
/** The value below which `fraction` of the values lie (nearest rank). */
export function percentile(values, fraction) {
    if (values.length === 0)
        return Number.NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
    return sorted[rank];
}
export function summarize(values) {
    return {
        median: median(values),
        min: values.length ? Math.min(...values) : Number.NaN,
        max: values.length ? Math.max(...values) : Number.NaN,
        rounds: values.length,
    };
}
/** `value / baseline`, or NaN when the baseline is missing or zero. */
export function ratio(value, baseline) {
    return baseline > 0 && Number.isFinite(baseline) ? value / baseline : Number.NaN;
}
/** "12.3 (11.9-13.0)": the median with its spread. */
export function formatSummary(summary, digits = 1) {
    if (!Number.isFinite(summary.median))
        return "-";
    if (summary.rounds <= 1)
        return summary.median.toFixed(digits);
    return `${summary.median.toFixed(digits)} (${summary.min.toFixed(digits)}-${summary.max.toFixed(digits)})`;
}
export function formatRatio(value) {
    return Number.isFinite(value) ? `${value.toFixed(2)}x` : "-";
}
//# sourceMappingURL=stats.js.map