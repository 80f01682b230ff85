// Did-you-mean suggestions: the closest known word within a small edit distance.
/**
 * Optimal string alignment distance (Levenshtein plus adjacent transposition).
 * Three rolling rows instead of a matrix: a policy of many misspelt lines asks
 * for thousands of distances, and allocating a matrix for each dominated the check.
 */
export function editDistance(a, b) {
    const cols = b.length + 1;
    let beforePrevious = new Uint32Array(cols);
    let previous = new Uint32Array(cols);
    let current = new Uint32Array(cols);
    for (let j = 0; j < cols; j++)
        previous[j] = j;
    for (let i = 1; i <= a.length; i++) {
        current[0] = i;
        for (let j = 1; j < cols; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            let best = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
                best = Math.min(best, beforePrevious[j - 2] + 1);
            current[j] = best;
        }
        [beforePrevious, previous, current] = [previous, current, beforePrevious];
    }
    return previous[b.length];
}
/** The candidate closest to `word` (case-insensitively), or undefined when none is near enough to be a typo. */
export function closestMatch(word, candidates) {
    const lower = word.toLowerCase();
    const allowed = Math.max(1, Math.floor(lower.length / 3));
    let best;
    let bestDistance = Infinity;
    for (const candidate of candidates) {
        // The distance is at least the difference in length: a candidate that far off cannot be the answer.
        if (Math.abs(candidate.length - lower.length) > allowed)
            continue;
        const distance = editDistance(lower, candidate.toLowerCase());
        if (distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    return bestDistance <= allowed ? best : undefined;
}
/**
 * `closestMatch` when no other candidate is as close: the suggestion a fix may apply without
 * guessing (`hostnme` is `hostname`; `limitz` is as near `limit` as `limits`, so it gets a hint, no fix).
 */
export function soleClosestMatch(word, candidates) {
    const best = closestMatch(word, candidates);
    if (best === undefined)
        return undefined;
    const lower = word.toLowerCase();
    const distance = editDistance(lower, best.toLowerCase());
    const tied = candidates.some((c) => c.toLowerCase() !== best.toLowerCase() && editDistance(lower, c.toLowerCase()) === distance);
    return tied ? undefined : best;
}
//# sourceMappingURL=spelling.js.map