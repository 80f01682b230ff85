// The spool's own cost: the wire section's messages written with msa's SpoolWriter alone (no
// SMTP, no TLS, no policy), at the wire's concurrency, in this process. What msa-spool pays
// for durability (create, write, fsync, rename, directory fsync) is mostly the file system's,
// and this puts a number on it in the same run, next to the servers that pay it.
import fs from "node:fs";
import path from "node:path";
import { SpoolWriter } from "../runtime/deliver/spoolWriter.js";
import { summarize } from "./stats.js";
export async function measureSpoolAlone(dir, messages, concurrency, rounds) {
    const rates = [];
    const cpu = [];
    for (let round = 0; round < rounds; round++) {
        const spoolDir = path.join(dir, `spool-alone-${round}`);
        // the same writer settings as `deliver spool` in msac serve (group commit of the directory fsync)
        const writer = new SpoolWriter({ dir: spoolDir, groupCommit: true });
        let next = 0;
        let failed = 0;
        const cpuBefore = process.cpuUsage();
        const started = process.hrtime.bigint();
        const writerLoop = async () => {
            while (next < messages.length) {
                const message = messages[next++];
                const outcome = await writer.write({ mailFrom: message.from, recipients: message.to.map((address) => ({ address })) }, message.raw, {});
                if (outcome.kind !== "accepted")
                    failed++;
            }
        };
        await Promise.all(Array.from({ length: Math.max(1, concurrency) }, writerLoop));
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const used = process.cpuUsage(cpuBefore);
        if (failed)
            throw new Error(`spool alone: ${failed} of ${messages.length} records not written in ${spoolDir}`);
        rates.push(messages.length / seconds);
        cpu.push(((used.user + used.system) / 1e6 / messages.length) * 1000);
        fs.rmSync(spoolDir, { recursive: true, force: true });
    }
    return { records: messages.length, concurrency, recordsPerSecond: summarize(rates), cpuSecondsPer1000: summarize(cpu) };
}
//# sourceMappingURL=spoolAlone.js.map