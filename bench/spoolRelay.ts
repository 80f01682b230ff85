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
import { summarize, type Summary } from "./stats.js";

export interface SpoolRelayFigures {
  messages: number;
  concurrency: number;
  acceptPerSecond: Summary;
  fullPerSecond: Summary;
  /** the share of the messages the sink had counted when the last client saw 250 */
  drainedAtAcceptEnd: Summary;
  /** CPU (user + system) of the msa process per 1,000 messages, accepting and forwarding (the primary alone under `workers`) */
  serverCpuSecondsPer1000: Summary;
}

function message(n: number): string {
  const body = `message ${n} `.repeat(300).replace(/(.{70})/g, "$1\r\n");
  return `From: client@example.test\r\nTo: sink@example.test\r\nSubject: bench ${n}\r\nMessage-ID: <bench-${n}@example.test>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n${body}\r\n`;
}

async function client(port: number, take: () => number | undefined): Promise<void> {
  const connection = new SMTPConnection({ host: "127.0.0.1", port, secure: false, ignoreTLS: true, socketTimeout: 30_000, logger: false });
  await new Promise<void>((done, fail) => {
    connection.once("error", fail);
    connection.connect(() => done());
  });
  for (let n = take(); n !== undefined; n = take()) {
    const text = message(n);
    await new Promise<void>((done, fail) => connection.send({ from: "client@example.test", to: ["sink@example.test"] }, text, (error) => (error ? fail(error) : done())));
  }
  connection.quit();
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function measureSpoolRelay(options: { messages: number; concurrency: number; rounds: number; workers?: number; msac?: string }): Promise<SpoolRelayFigures> {
  const accept: number[] = [];
  const full: number[] = [];
  const drained: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-bench-spool-relay-"));
    const sink = await startSink();
    const port = await freePort();
    const policy = path.join(dir, "bench.msa");
    fs.writeFileSync(
      policy,
      [
        "hostname msa.bench.test",
        `listen 127.0.0.1:${port} plain`,
        "allow unauthenticated",
        "add Received",
        "log errors",
        ...(options.workers ? [`workers ${options.workers}`] : []),
        `deliver spool "spool" relay smtp://127.0.0.1:${sink.port}`,
        "",
      ].join("\n"),
    );
    const server = startNode([options.msac ?? msacPath, "serve", policy]);
    if (process.env.BENCH_STDERR) server.process.stderr!.pipe(process.stderr);
    try {
      await waitForPort(port, server);
      const cpuBefore = cpuSeconds(server.pid);
      let next = 0;
      const take = () => (next < options.messages ? next++ : undefined);
      const started = process.hrtime.bigint();
      await Promise.all(Array.from({ length: options.concurrency }, () => client(port, take)));
      const acceptSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const atAcceptEnd = sink.messages();
      await waitFor(() => sink.messages() >= options.messages, 120_000, `${options.messages} messages at the sink`);
      const fullSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      cpu.push(((cpuSeconds(server.pid) - cpuBefore) / options.messages) * 1000);
      // nothing more may arrive, and the spool must be empty once the runner removed every record
      await waitFor(() => fs.readdirSync(path.join(dir, "spool", "new")).length === 0, 30_000, "an empty spool");
      if (sink.messages() !== options.messages) throw new Error(`the sink counted ${sink.messages()} of ${options.messages} messages`);
      accept.push(options.messages / acceptSeconds);
      full.push(options.messages / fullSeconds);
      drained.push(atAcceptEnd / options.messages);
    } finally {
      await server.stop();
      await sink.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    messages: options.messages,
    concurrency: options.concurrency,
    acceptPerSecond: summarize(accept),
    fullPerSecond: summarize(full),
    drainedAtAcceptEnd: summarize(drained),
    serverCpuSecondsPer1000: summarize(cpu),
  };
}

function numberArgument(argv: string[], name: string, fallback: number): number {
  const index = argv.indexOf(name);
  return index >= 0 ? Number(argv[index + 1]) : fallback;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const msacIndex = argv.indexOf("--msac");
  const figures = await measureSpoolRelay({
    messages: numberArgument(argv, "--messages", 2000),
    concurrency: numberArgument(argv, "--concurrency", 20),
    rounds: numberArgument(argv, "--rounds", 3),
    workers: numberArgument(argv, "--workers", 0),
    ...(msacIndex >= 0 ? { msac: argv[msacIndex + 1]! } : {}),
  });
  const cell = (s: Summary, digits = 0) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;
  process.stdout.write(
    `spool + relay, ${figures.messages} messages over ${figures.concurrency} connections${argv.includes("--workers") ? `, workers ${numberArgument(argv, "--workers", 0)}` : ""}, median (min-max) of ${figures.acceptPerSecond.rounds} rounds, load average ${os.loadavg()[0]!.toFixed(2)}\n` +
      `  accepted msg/s ${cell(figures.acceptPerSecond)}\n  full (at the sink) msg/s ${cell(figures.fullPerSecond)}\n  at the sink when the last 250 came ${cell(figures.drainedAtAcceptEnd, 2)}\n` +
      `  msa CPU s per 1000 messages ${cell(figures.serverCpuSecondsPer1000, 2)}\n`,
  );
  process.exit(0);
}
