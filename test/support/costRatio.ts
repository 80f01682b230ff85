// Compares the cost of two inputs of the same size, so a test can tell linear work from quadratic
// work without asserting a speed: the fastest of a few runs of each, as a ratio. Quadratic work on a
// worst-case input shows as a ratio of hundreds; linear work stays near 1 however busy the machine is.

/** Fastest of `runs` timings of `work`, in milliseconds. */
function fastestMs(work: () => unknown, runs: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    work();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return best;
}

/** How many times longer `worstCase` takes than `ordinary` (inputs of about the same size); at least 0.1 ms each. */
export function costRatio(worstCase: () => unknown, ordinary: () => unknown, runs = 3): number {
  ordinary(); // first call compiles
  return Math.max(fastestMs(worstCase, runs), 0.1) / Math.max(fastestMs(ordinary, runs), 0.1);
}
