// Compiler scale: compilePolicy in process, and `msac check` / `msac compile` as processes,
// on policies whose `senders` tables have 1,000 to 100,000 entries. Per-entry cost shows
// whether growth is linear: it should stay flat as the table grows. Process figures
// subtract a 10-entry run (node startup and module loading) before dividing by entries.
import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { compilePolicy } from "../compiler/compile.js";
import { writeScalePolicy } from "./benchPolicy.js";
import { MB } from "./procStats.js";
import { exitProbePath, msacPath, runNode } from "./processes.js";
import { ratio, summarize } from "./stats.js";
let gcFunction;
function fullGc() {
    if (!gcFunction) {
        v8.setFlagsFromString("--expose-gc");
        gcFunction = runInNewContext("gc");
    }
    gcFunction();
}
async function timeCommand(args, probe, rounds) {
    const times = [];
    let peak = 0;
    for (let round = 0; round < rounds; round++) {
        const result = await runNode(["--import", exitProbePath, ...args], { env: { MSA_BENCH_PROBE: probe } });
        if (result.code !== 0)
            throw new Error(`node ${args.join(" ")} exited ${result.code}: ${result.stderr}${result.stdout.slice(0, 2000)}`);
        times.push(result.seconds * 1000);
        const usage = JSON.parse(fs.readFileSync(probe, "utf8"));
        peak = Math.max(peak, usage.maxRssBytes);
    }
    return { ms: summarize(times), peakRssMB: peak / MB };
}
export async function measureCompilerScale(dir, sizes, rounds, usersLine, processMaxEntries = Number.POSITIVE_INFINITY) {
    const probe = path.join(dir, "probe.json");
    const smallFile = writeScalePolicy(dir, 10, usersLine);
    const startup = await timeCommand([msacPath, "check", smallFile], probe, rounds);
    // Warm-up: JIT and the parser's one-time setup, so the smallest table is not charged for them.
    for (let i = 0; i < 5; i++)
        compilePolicy(smallFile, fs.readFileSync(smallFile, "utf8"));
    const rows = [];
    for (const entries of sizes) {
        const file = writeScalePolicy(dir, entries, usersLine);
        const text = fs.readFileSync(file, "utf8");
        if (entries <= 10_000)
            compilePolicy(file, text); // warm-up at this size (the largest warms itself)
        const times = [];
        let retained = 0;
        for (let round = 0; round < rounds; round++) {
            fullGc();
            const before = process.memoryUsage().heapUsed;
            const started = process.hrtime.bigint();
            let result = compilePolicy(file, text);
            times.push(Number(process.hrtime.bigint() - started) / 1e6);
            if (!result.graph)
                throw new Error(`the ${entries}-entry policy does not compile`);
            fullGc();
            retained = Math.max(retained, process.memoryUsage().heapUsed - before);
            result = undefined;
        }
        const processes = entries <= processMaxEntries;
        const skipped = { ms: summarize([]), peakRssMB: Number.NaN };
        const check = processes ? await timeCommand([msacPath, "check", file], probe, rounds) : skipped;
        const compile = processes ? await timeCommand([msacPath, "compile", file, "-o", path.join(dir, `senders-${entries}.json`)], probe, rounds) : skipped;
        const inProcessMs = summarize(times);
        rows.push({
            entries,
            policyBytes: Buffer.byteLength(text),
            inProcessMs,
            retainedHeapMB: retained / MB,
            microsPerEntry: (inProcessMs.median * 1000) / entries,
            perEntryRatio: Number.NaN,
            checkMs: check.ms,
            checkPeakRssMB: check.peakRssMB,
            compileMs: compile.ms,
            compilePeakRssMB: compile.peakRssMB,
            checkMicrosPerEntry: processes ? (Math.max(0, check.ms.median - startup.ms.median) * 1000) / entries : Number.NaN,
        });
    }
    for (const row of rows)
        row.perEntryRatio = ratio(row.microsPerEntry, rows[0].microsPerEntry);
    return rows;
}
//# sourceMappingURL=compilerScale.js.map