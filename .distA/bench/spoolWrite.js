// Spool write throughput with and without group commit of the new/ directory fsync.
// Build with tsc, then: node dist/bench/spoolWrite.js [--dir PATH] [--messages N] [--writers N] [--size BYTES] [--rounds N]
// --wire: the same over SMTP, `msac serve` with `deliver spool` and N client connections
// (MSA_SPOOL_GROUP_COMMIT=0 or 1 in the server's environment picks the mode).
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { parseArgs } from "node:util";
import { SpoolWriter } from "../runtime/deliver/spoolWriter.js";
const { values } = parseArgs({
    options: {
        // the file system decides everything here: run it on the disk the spool will live on
        dir: { type: "string", default: tmpdir() },
        messages: { type: "string", default: "2000" },
        writers: { type: "string", default: "20" },
        size: { type: "string", default: "10240" },
        rounds: { type: "string", default: "3" },
        wire: { type: "boolean", default: false },
    },
});
const messages = Number(values.messages);
const writers = Number(values.writers);
const size = Number(values.size);
const rounds = Number(values.rounds);
const envelope = { mailFrom: "bench@example.test", recipients: [{ address: "sink@example.test" }] };
const message = Buffer.concat([Buffer.from("From: bench@example.test\r\nSubject: spool bench\r\n\r\n"), Buffer.alloc(Math.max(0, size - 52), "x")]).subarray(0, size);
/** `writers` loops, each writing its next record as soon as the previous one was acknowledged. */
async function run(groupCommit) {
    const dir = await mkdtemp(join(values.dir, "msa-spool-bench-"));
    try {
        const writer = new SpoolWriter({ dir, groupCommit });
        let next = 0;
        const start = process.hrtime.bigint();
        await Promise.all(Array.from({ length: writers }, async () => {
            while (next < messages) {
                next++;
                const outcome = await writer.write(envelope, message, { bench: true });
                if (outcome.kind !== "accepted")
                    throw new Error(`write failed: ${outcome.text}`);
            }
        }));
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        return { rate: messages / seconds, directorySyncs: writer.directorySyncs };
    }
    finally {
        await rm(dir, { recursive: true, force: true });
    }
}
function median(numbers) {
    const sorted = [...numbers].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}
function freePort() {
    return new Promise((done, fail) => {
        const server = createServer();
        server.once("error", fail);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
        });
    });
}
/** `writers` SMTP connections to a fresh `msac serve`, each sending its share one after another. */
async function runWire(groupCommit) {
    const dir = await mkdtemp(join(values.dir, "msa-wire-bench-"));
    const port = await freePort();
    const policy = join(dir, "bench.msa");
    await writeFile(policy, `hostname msa.example.test\nlisten 127.0.0.1:${port} plain\nallow unauthenticated\nqualify domains example.test\nlog errors\ndeliver spool "spool"\n`);
    const msac = resolve(dirname(fileURLToPath(import.meta.url)), "../cli/msac.js");
    const child = spawn(process.execPath, [msac, "serve", policy], {
        env: { ...process.env, MSA_SPOOL_GROUP_COMMIT: groupCommit ? "1" : "0" },
        stdio: ["ignore", "ignore", "inherit"],
    });
    const exited = new Promise((_, fail) => child.once("exit", (code) => fail(new Error(`msac serve exited with status ${code}`))));
    exited.catch(() => undefined);
    try {
        await Promise.race([waitForPort(port), exited]);
        const perConnection = Math.ceil(messages / writers);
        const start = process.hrtime.bigint();
        await Promise.all(Array.from({ length: writers }, () => sendMany(port, perConnection)));
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        return { rate: (perConnection * writers) / seconds };
    }
    finally {
        if (child.exitCode === null && child.signalCode === null) {
            const closed = new Promise((done) => child.once("close", done));
            child.kill("SIGTERM");
            await closed;
        }
        await rm(dir, { recursive: true, force: true });
    }
}
async function waitForPort(port) {
    for (let tries = 0; tries < 100; tries++) {
        const ok = await new Promise((done) => {
            const probe = new SMTPConnection({ host: "127.0.0.1", port, ignoreTLS: true, logger: false });
            probe.on("error", () => done(false));
            probe.connect((error) => {
                probe.close();
                done(!error);
            });
        });
        if (ok)
            return;
        await new Promise((wait) => setTimeout(wait, 100));
    }
    throw new Error("msac serve did not start listening");
}
async function sendMany(port, count) {
    const connection = new SMTPConnection({ host: "127.0.0.1", port, ignoreTLS: true, logger: false, socketTimeout: 30_000 });
    await new Promise((done, fail) => connection.connect((error) => (error ? fail(error) : done())));
    try {
        for (let i = 0; i < count; i++) {
            await new Promise((done, fail) => connection.send({ from: envelope.mailFrom, to: envelope.recipients.map((r) => r.address) }, message, (error) => (error ? fail(error) : done())));
        }
    }
    finally {
        connection.close();
    }
}
async function mainWire() {
    console.log(`spool over SMTP: ${messages} messages of ${size} bytes over ${writers} connections to msac serve, ${rounds} rounds, in ${values.dir}`);
    await runWire(false); // warm-up
    const rates = { plain: [], group: [] };
    for (let round = 0; round < rounds; round++) {
        rates.plain.push((await runWire(false)).rate);
        rates.group.push((await runWire(true)).rate);
    }
    const format = (numbers) => numbers.map((n) => n.toFixed(0)).join(", ");
    console.log(`one dir fsync per record : ${median(rates.plain).toFixed(0)} msg/s (median; rounds: ${format(rates.plain)})`);
    console.log(`group commit of dir fsync: ${median(rates.group).toFixed(0)} msg/s (median; rounds: ${format(rates.group)})`);
    console.log(`ratio group/plain        : ${(median(rates.group) / median(rates.plain)).toFixed(2)}`);
}
async function main() {
    if (values.wire)
        return mainWire();
    console.log(`spool write: ${messages} records of ${size} bytes, ${writers} concurrent writers, ${rounds} rounds, in ${values.dir}`);
    await run(false); // warm-up: page cache, inode tables
    const rates = { plain: [], group: [] };
    const syncs = { plain: [], group: [] };
    for (let round = 0; round < rounds; round++) {
        // alternate the modes so drift on the machine hits both alike
        for (const [mode, groupCommit] of [
            ["plain", false],
            ["group", true],
        ]) {
            const result = await run(groupCommit);
            rates[mode].push(result.rate);
            syncs[mode].push(result.directorySyncs);
        }
    }
    const plain = median(rates.plain);
    const group = median(rates.group);
    const format = (numbers) => numbers.map((n) => n.toFixed(0)).join(", ");
    console.log(`one dir fsync per record : ${plain.toFixed(0)} msg/s (median; rounds: ${format(rates.plain)}; dir fsyncs: ${format(syncs.plain)})`);
    console.log(`group commit of dir fsync: ${group.toFixed(0)} msg/s (median; rounds: ${format(rates.group)}; dir fsyncs: ${format(syncs.group)})`);
    console.log(`ratio group/plain        : ${(group / plain).toFixed(2)}`);
}
main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
//# sourceMappingURL=spoolWrite.js.map