// Preloaded into a measured command (`node --import dist/bench/exitProbe.js ...`): when the
// process exits it writes its own peak RSS and CPU time to the file named by
// MSA_BENCH_PROBE, because a parent cannot read a child's rusage from Node.
import fs from "node:fs";
const out = process.env.MSA_BENCH_PROBE;
if (out) {
    process.once("exit", () => {
        const usage = process.resourceUsage();
        fs.writeFileSync(out, JSON.stringify({ maxRssBytes: usage.maxRSS * 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 }));
    });
}
//# sourceMappingURL=exitProbe.js.map