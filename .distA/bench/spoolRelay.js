// Store and forward, drain rate against accept rate: `msac serve` with `deliver spool "DIR"
// relay URL` to the bench sink, N small messages over C reused plain connections (no TLS, no
// AUTH: the queue's own cost), timed until every client saw 250 (accept) and until the sink
// counted every message (full). Counts are checked: exactly N at the sink, and the spool empty.
// `node dist/bench/spoolRelay.js [--messages N] [--concurrency C] [--rounds R] [--workers W] [--msac PATH]`;
// `--msac` runs another build (an A/B against the code before a change).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { cpuSeconds } from "./procStats.js";
import { freePort, msacPath, startNode, waitForPort } from "./processes.js";
import { startSink } from "./servers/sink.js";
import { summarize } from "./stats.js";
import { detectPostfix } from "./postfix.js";
import { startPostfixInstance } from "./postfixInstance.js";
import { ensureDevCertificate } from "../cli/devCertificate.js";
import { execFileSync } from "node:child_process";
function message(n) {
    const body = `message ${n} `.repeat(300).replace(/(.{70})/g, "$1\r\n");
    return `From: client@example.test\r\nTo: sink@example.test\r\nSubject: bench ${n}\r\nMessage-ID: <bench-${n}@example.test>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n${body}\r\n`;
}
async function client(port, take) {
    const connection = new SMTPConnection({ host: "127.0.0.1", port, secure: false, ignoreTLS: true, socketTimeout: 30_000, logger: false });
    await new Promise((done, fail) => {
        connection.once("error", fail);
        connection.connect(() => done());
    });
    for (let n = take(); n !== undefined; n = take()) {
        const text = message(n);
        await new Promise((done, fail) => connection.send({ from: "client@example.test", to: ["sink@example.test"] }, text, (error) => (error ? fail(error) : done())));
    }
    connection.quit();
}
async function waitFor(condition, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline)
            throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
}
/** Sends the messages to `side` over reused connections; accept and full rates, counts checked at `sink`. */
async function round(side, sink, options) {
    const cpuBefore = side.cpuSeconds?.();
    let next = 0;
    const take = () => (next < options.messages ? next++ : undefined);
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: options.concurrency }, () => client(side.port, take)));
    const acceptSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const atAcceptEnd = sink.messages();
    await waitFor(() => sink.messages() >= options.messages, 120_000, `${options.messages} messages at the sink`);
    const fullSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = side.cpuSeconds?.();
    // nothing more may arrive, and the queue must be empty once every message is out
    await waitFor(() => side.queueEmpty(), 30_000, "an empty queue");
    if (sink.messages() !== options.messages)
        throw new Error(`the sink counted ${sink.messages()} of ${options.messages} messages`);
    return {
        accept: options.messages / acceptSeconds,
        full: options.messages / fullSeconds,
        drained: atAcceptEnd / options.messages,
        ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuPer1000: ((cpuAfter - cpuBefore) / options.messages) * 1000 } : {}),
    };
}
function figuresOf(rounds, options) {
    return {
        messages: options.messages,
        concurrency: options.concurrency,
        acceptPerSecond: summarize(rounds.map((r) => r.accept)),
        fullPerSecond: summarize(rounds.map((r) => r.full)),
        drainedAtAcceptEnd: summarize(rounds.map((r) => r.drained)),
        serverCpuSecondsPer1000: summarize(rounds.flatMap((r) => (r.cpuPer1000 === undefined ? [] : [r.cpuPer1000]))),
    };
}
async function msaRound(options) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-bench-spool-relay-"));
    const sink = await startSink();
    const port = await freePort();
    const policy = path.join(dir, "bench.msa");
    fs.writeFileSync(policy, [
        "hostname msa.bench.test",
        `listen 127.0.0.1:${port} plain`,
        "allow unauthenticated",
        "add Received",
        // what production runs, and Postfix logs every message too (like for like)
        "log info",
        ...(options.workers ? [`workers ${options.workers}`] : []),
        `deliver spool "spool" relay smtp://127.0.0.1:${sink.port}`,
        "",
    ].join("\n"));
    const server = startNode([options.msac ?? msacPath, "serve", policy]);
    if (process.env.BENCH_STDERR)
        server.process.stderr.pipe(process.stderr);
    try {
        await waitForPort(port, server);
        return await round({ port, queueEmpty: () => fs.readdirSync(path.join(dir, "spool", "new")).length === 0, cpuSeconds: () => cpuSeconds(server.pid) }, sink, options);
    }
    finally {
        await server.stop();
        await sink.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
/** Postfix 3.x storing and forwarding to the same kind of sink (its plain, permit_mynetworks service). */
async function postfixRound(postfix, options) {
    const sink = await startSink();
    const certificate = await ensureDevCertificate(fs.mkdtempSync(path.join(os.tmpdir(), "msa-bench-cert-")), "localhost");
    const instance = await startPostfixInstance({ postfix, certificate: certificate.certificate, key: certificate.key, sinkPort: sink.port });
    try {
        const queueEmpty = () => execFileSync(postfix.replace(/postfix$/, "postqueue"), ["-c", instance.dir, "-j"], { encoding: "utf8" }).trim() === "";
        return await round({ port: instance.plainPort, queueEmpty }, sink, options);
    }
    finally {
        await instance.stop();
        await sink.close();
    }
}
export async function measureSpoolRelay(options) {
    const msa = [];
    const postfix = [];
    for (let r = 0; r < options.rounds; r++) {
        // Alternating which side goes first, so a machine that slows down does not favour one.
        const sides = [async () => msa.push(await msaRound(options)), ...(options.postfix ? [async () => postfix.push(await postfixRound(options.postfix, options))] : [])];
        for (const side of r % 2 === 0 ? sides : sides.reverse())
            await side();
    }
    return { msa: figuresOf(msa, options), ...(options.postfix ? { postfix: figuresOf(postfix, options) } : {}) };
}
function numberArgument(argv, name, fallback) {
    const index = argv.indexOf(name);
    return index >= 0 ? Number(argv[index + 1]) : fallback;
}
if (import.meta.url === `file://${process.argv[1]}`) {
    const argv = process.argv.slice(2);
    const msacIndex = argv.indexOf("--msac");
    const postfix = argv.includes("--postfix") ? detectPostfix() : undefined;
    if (postfix && !postfix.installed)
        throw new Error(postfix.note);
    const figures = await measureSpoolRelay({
        messages: numberArgument(argv, "--messages", 2000),
        concurrency: numberArgument(argv, "--concurrency", 20),
        rounds: numberArgument(argv, "--rounds", 3),
        workers: numberArgument(argv, "--workers", 0),
        ...(msacIndex >= 0 ? { msac: argv[msacIndex + 1] } : {}),
        ...(postfix?.path ? { postfix: postfix.path } : {}),
    });
    const cell = (s, digits = 0) => (s.rounds === 0 ? "not measured" : `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`);
    const block = (name, f) => `${name}\n  accepted msg/s ${cell(f.acceptPerSecond)}\n  full (at the sink) msg/s ${cell(f.fullPerSecond)}\n  at the sink when the last 250 came ${cell(f.drainedAtAcceptEnd, 2)}\n  server CPU s per 1000 messages ${cell(f.serverCpuSecondsPer1000, 2)}\n`;
    process.stdout.write(`store and forward to a sink, ${figures.msa.messages} messages over ${figures.msa.concurrency} reused plain connections${argv.includes("--workers") ? `, workers ${numberArgument(argv, "--workers", 0)}` : ""}, median (min-max) of ${figures.msa.acceptPerSecond.rounds} rounds, load average ${os.loadavg()[0].toFixed(2)}\n` +
        block("msa deliver spool ... relay", figures.msa) +
        (figures.postfix ? block("Postfix (plain service, relayhost = the sink; its CPU is spread over short-lived processes: not counted)", figures.postfix) : ""));
    process.exit(0);
}
//# sourceMappingURL=spoolRelay.js.map