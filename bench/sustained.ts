// Sustained load on store and forward: does the spool stay bounded? `msac serve` with `deliver
// spool "DIR" relay` to the bench sink, C reused plain sessions sending flat out for a fixed time
// (sustainedLoad.ts; sink and client each in a process of their own), sampling every second the
// records waiting in DIR/new, the messages accepted and the sink's count. Then the load stops and
// every accepted message must reach the sink (exactly that many) and DIR/new must empty;
// otherwise the section fails rather than report.
import fs from "node:fs";
import path from "node:path";
import type { Target } from "./harness.js";
import { cpuSeconds, MB, peakResidentBytes } from "./procStats.js";
import { askChild, freePort, messageField, msacPath, nextMessage, projectRoot, startNode, sustainedLoadPath, waitForPort, waitForPortLine, type Child } from "./processes.js";
import type { SustainedLoadRequest, SustainedLoadResult } from "./sustainedLoad.js";

export const countingSinkPath = path.join(projectRoot, "dist", "bench", "servers", "countingSink.js");

export interface SustainedOptions {
  workDir: string;
  /** How long the clients send. */
  seconds: number;
  /** Clients, each one reused plain session. */
  concurrency: number;
}

export interface SustainedSample {
  /** Seconds since the load started. */
  at: number;
  accepted: number;
  /** Counted by the sink. */
  delivered: number;
  /** Records in DIR/new: accepted and not yet delivered. */
  queued: number;
}

export interface SustainedFigures {
  seconds: number;
  concurrency: number;
  /** From the first message started to the last client's last 250. */
  loadSeconds: number;
  accepted: number;
  acceptPerSecond: number;
  /** The sink's count when the load stopped, over loadSeconds. */
  drainPerSecond: number;
  /** drainPerSecond / acceptPerSecond. */
  drainRatio: number;
  queueMax: number;
  queueMaxFirstHalf: number;
  queueMaxSecondHalf: number;
  /** Records in DIR/new when the load stopped. */
  queueAtEnd: number;
  /** drainRatio >= 0.98 and queueAtEnd <= max(queueMaxFirstHalf, concurrency). */
  bounded: boolean;
  /** From the load's end until the sink had every accepted message. */
  drainAfterLoadSeconds: number;
  /** CPU (user + system) per 1,000 messages from the load's start until DIR/new was empty; the client's is its own process's during the load. */
  msaCpuSecondsPer1000: number;
  sinkCpuSecondsPer1000: number;
  clientCpuSecondsPer1000: number;
  msaPeakRssMB: number;
  samples: SustainedSample[];
}

/**
 * The bounded rule (bench/README.md): the sink kept up to 2%, and the queue did not end above its
 * first half's largest or above the number of clients (that many records can be in flight without
 * a backlog: each client's last message, stored and being relayed).
 */
export const DRAIN_RATIO_WANTED = 0.98;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The count of messages the sink received, or the client had accepted, so far. */
function askCount(child: Child, what: string): Promise<number> {
  return askChild<number>(child, "count", 10_000, what);
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export async function measureSustained(options: SustainedOptions): Promise<SustainedFigures> {
  fs.mkdirSync(options.workDir, { recursive: true });
  const spool = path.join(options.workDir, "spool");
  const queuedNow = () => (fs.existsSync(path.join(spool, "new")) ? fs.readdirSync(path.join(spool, "new")).length : 0);
  const sink = startNode([countingSinkPath], { ipc: true });
  let msa: Child | undefined;
  let client: Child | undefined;
  try {
    const sinkPort = await waitForPortLine(sink);
    const port = await freePort();
    const policy = path.join(options.workDir, "sustained.msa");
    fs.writeFileSync(
      policy,
      [
        "hostname msa.bench.test",
        `listen 127.0.0.1:${port} plain`,
        "allow unauthenticated",
        "add Date",
        "add Message-ID",
        "add Received",
        // what production runs
        "log info",
        `limit sessions ${options.concurrency + 10}`,
        `limit sessions per ip ${options.concurrency + 10}`,
        `deliver spool ${JSON.stringify(spool)} relay smtp://127.0.0.1:${sinkPort}`,
        "",
      ].join("\n"),
    );
    msa = startNode([msacPath, "serve", policy]);
    await waitForPort(port, msa);
    const server = msa;
    const request: SustainedLoadRequest = { port, seconds: options.seconds, concurrency: options.concurrency };
    client = startNode([sustainedLoadPath, JSON.stringify(request)], { ipc: true });
    const load = client;
    await nextMessage(load, (message) => (message === "ready" ? true : undefined), 30_000, "the sustained client");

    const msaCpuBefore = cpuSeconds(server.pid);
    const sinkCpuBefore = cpuSeconds(sink.pid);
    const finished = nextMessage(load, messageField<SustainedLoadResult>("result"), options.seconds * 1000 + 120_000, "the sustained client");
    load.process.send("start");
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    const samples: SustainedSample[] = [];
    let loading = true;
    let stopSampling: () => void = () => undefined;
    const samplingStopped = new Promise<void>((resolve) => {
      stopSampling = resolve;
    });
    const sampler = (async () => {
      for (let tick = 1; loading; tick++) {
        await Promise.race([sleep(Math.max(0, tick * 1000 - elapsed() * 1000)), samplingStopped]);
        if (!loading) break;
        const [accepted, delivered] = await Promise.all([askCount(load, "the sustained client"), askCount(sink, "the sink")]);
        samples.push({ at: Math.round(elapsed() * 10) / 10, accepted, delivered, queued: queuedNow() });
      }
    })();
    let result: SustainedLoadResult;
    try {
      result = await finished;
    } finally {
      loading = false;
      stopSampling();
      await sampler.catch(() => undefined);
    }
    const { accepted, loadSeconds } = result;
    const deliveredAtEnd = await askCount(sink, "the sink");
    const queueAtEnd = queuedNow();
    samples.push({ at: Math.round(loadSeconds * 10) / 10, accepted, delivered: deliveredAtEnd, queued: queueAtEnd });
    if (result.failed) throw new Error(`${result.failed} messages were refused or lost during the sustained load: ${result.firstError}`);
    if (accepted === 0) throw new Error("no message was accepted");

    await waitFor(async () => (await askCount(sink, "the sink")) >= accepted, Math.max(60_000, options.seconds * 2000), `${accepted} messages at the sink`);
    const drainAfterLoadSeconds = elapsed() - loadSeconds;
    await waitFor(() => queuedNow() === 0, 30_000, "an empty DIR/new");
    const delivered = await askCount(sink, "the sink");
    if (delivered !== accepted) throw new Error(`the sink counted ${delivered} messages, msa accepted ${accepted}`);
    const msaCpu = cpuSeconds(server.pid) - msaCpuBefore;
    const sinkCpu = cpuSeconds(sink.pid) - sinkCpuBefore;

    const half = loadSeconds / 2;
    const largest = (values: number[]) => (values.length ? Math.max(...values) : 0);
    const queueMaxFirstHalf = largest(samples.filter((s) => s.at <= half).map((s) => s.queued));
    const acceptPerSecond = accepted / loadSeconds;
    const drainPerSecond = deliveredAtEnd / loadSeconds;
    const drainRatio = drainPerSecond / acceptPerSecond;
    const per1000 = (cpu: number) => (cpu / accepted) * 1000;
    return {
      seconds: options.seconds,
      concurrency: options.concurrency,
      loadSeconds,
      accepted,
      acceptPerSecond,
      drainPerSecond,
      drainRatio,
      queueMax: largest(samples.map((s) => s.queued)),
      queueMaxFirstHalf,
      queueMaxSecondHalf: largest(samples.filter((s) => s.at > half).map((s) => s.queued)),
      queueAtEnd,
      bounded: drainRatio >= DRAIN_RATIO_WANTED && queueAtEnd <= Math.max(queueMaxFirstHalf, options.concurrency),
      drainAfterLoadSeconds,
      msaCpuSecondsPer1000: per1000(msaCpu),
      sinkCpuSecondsPer1000: per1000(sinkCpu),
      clientCpuSecondsPer1000: per1000(result.cpuSeconds),
      msaPeakRssMB: peakResidentBytes(server.pid) / MB,
      samples,
    };
  } finally {
    await client?.stop();
    await msa?.stop();
    await sink.stop();
  }
}

/** The target: the spool stays bounded under the sustained load (the rule of `bounded`). */
export function sustainedTarget(figures: SustainedFigures): Target {
  return {
    name: `spool bounded under ${figures.seconds} s sustained load (drain rate >= accept rate)`,
    target: `drain/accept >= ${DRAIN_RATIO_WANTED.toFixed(2)}, end queue <= max(first half's max, clients)`,
    measured: `${figures.drainRatio.toFixed(3)}, end queue ${figures.queueAtEnd} (first half max ${figures.queueMaxFirstHalf})`,
    met: figures.seconds >= 60 ? figures.bounded : null,
  };
}
