// `msac serve FILE` / `msac serve --compiled OUT.json`: compile (or load) the policy and run the
// server until SIGTERM or SIGINT, then stop gracefully: stop accepting, let sessions in flight
// finish, exit 0. SIGHUP (or `msac reload`) compiles the policy again and swaps it in when clean
// (runtime/cluster/policyHost.ts); `workers N` forks N serving processes (runtime/cluster/workers.ts);
// `metrics listen` serves Prometheus text. `--pid-file` is where `msac reload` finds the process.
import cluster from "node:cluster";
import fs from "node:fs";
import type { Logger } from "pino";
import { compilePolicy } from "../compiler/compile.js";
import { hasErrors } from "../compiler/diagnostics.js";
import type { RuleGraph } from "../graph/graph.js";
import { loadGraph } from "../graph/graphJson.js";
import { readNamedFileOrThrow } from "../formats/namedFile.js";
import { renderText } from "../compiler/render.js";
import { PolicyHost } from "../runtime/cluster/policyHost.js";
import { isClusterWorker, receiveGraph, sendToPrimary, startWorkers, workerCount, type ToWorker } from "../runtime/cluster/workers.js";
import { createEventLog } from "../runtime/log.js";
import type { MetricsServer, MsaMetrics } from "../runtime/metrics/metrics.js";
import { spoolQueueProbe } from "../runtime/metrics/queueProbe.js";
import { startQueueRunner } from "../runtime/queue/queueFromPolicy.js";
import { onAnySpooled, remoteSpoolRoom } from "../runtime/queue/spoolEvents.js";
import { ExitStatus, type CommandIo } from "./io.js";
import { compileForCommand } from "./loadPolicy.js";

export interface ServeOptions {
  compiled?: string;
  /** Written with the (primary) process id at start, removed at exit: `msac reload --pid-file`. */
  pidFile?: string;
}

export function loadServeGraph(file: string | undefined, compiled: string | undefined, io: CommandIo): RuleGraph | number {
  if (compiled) {
    let text: string;
    try {
      text = fs.readFileSync(compiled, "utf8");
    } catch (error) {
      io.stderr.write(`msac: cannot read \`${compiled}\`: ${(error as Error).message}\n`);
      return ExitStatus.usage;
    }
    const loaded = loadGraph(text);
    if (!loaded.ok) {
      io.stderr.write(`msac: ${compiled}: ${loaded.message}\n`);
      return ExitStatus.errors;
    }
    return loaded.graph;
  }
  if (!file) {
    io.stderr.write("msac serve: give a policy FILE or --compiled OUT.json\n");
    return ExitStatus.usage;
  }
  const result = compileForCommand(file, io);
  return result.ok ? result.result.graph! : result.status;
}

/** For a reload: the policy compiled again, or its errors as text lines for the log. */
export function reloadGraph(file: string | undefined, compiled: string | undefined): { graph: RuleGraph } | { errors: string[] } {
  try {
    if (compiled) {
      const loaded = loadGraph(fs.readFileSync(compiled, "utf8"));
      return loaded.ok ? { graph: loaded.graph } : { errors: [loaded.message] };
    }
    const result = compilePolicy(file!, readNamedFileOrThrow(file!));
    if (hasErrors(result.diagnostics) || !result.graph) {
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      return {
        errors: renderText(errors, result.sources, false)
          .split("\n")
          .filter((l) => l.trim() !== ""),
      };
    }
    return { graph: result.graph };
  } catch (error) {
    return { errors: [(error as Error).message] };
  }
}

/**
 * Takes SIGTERM, SIGINT and SIGHUP from before the server starts: a SIGTERM while it starts
 * (systemd stopping a unit still starting, a test that stops it at its first log line) stops it
 * gracefully once it runs, instead of Node's default ending the process. SIGHUPs reload one after
 * another, each once `setReload` has given the reload (before that there is nothing to reload).
 */
function takeSignals(): { stopped: () => Promise<string>; setReload: (reload: () => Promise<void>) => void } {
  let reload: () => Promise<void> = async () => undefined;
  let reloading = Promise.resolve();
  const signal = signals(() => {
    reloading = reloading.then(
      () => reload(),
      () => reload(),
    );
  });
  return {
    stopped: async () => {
      const name = await signal;
      await reloading;
      return name;
    },
    setReload: (given) => {
      reload = given;
    },
  };
}

/** Resolves with the name of the first of SIGTERM/SIGINT; calls `onHup` for each SIGHUP meanwhile. */
function signals(onHup: () => void): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
      process.off("SIGHUP", onHup);
      resolve(signal);
    };
    const onTerm = () => stop("SIGTERM");
    const onInt = () => stop("SIGINT");
    process.on("SIGTERM", onTerm);
    process.on("SIGINT", onInt);
    process.on("SIGHUP", onHup);
  });
}

/** The process's metrics; prom-client loads here, so a policy without `metrics listen` never loads it. */
async function createProcessMetrics(graph: RuleGraph, withQueue: boolean): Promise<MsaMetrics> {
  const deliver = graph.deliver;
  const { createMetrics } = await import("../runtime/metrics/metrics.js");
  return createMetrics(withQueue && deliver.kind !== "Relay" ? { queue: spoolQueueProbe(deliver.dir) } : {});
}

/** A logger per graph, so every event carries the version of the policy that produced it. */
function loggers(worker?: number): (graph: RuleGraph) => Logger {
  const cache = new WeakMap<RuleGraph, Logger>();
  return (graph) => {
    let log = cache.get(graph);
    if (!log) {
      log = createEventLog(graph);
      if (worker !== undefined) log = log.child({ worker });
      cache.set(graph, log);
    }
    return log;
  };
}

export async function runServe(file: string | undefined, options: ServeOptions, io: CommandIo): Promise<number> {
  if (isClusterWorker()) return runWorker();
  const graph = loadServeGraph(file, options.compiled, io);
  if (typeof graph === "number") return graph;
  const count = workerCount(graph.workers);
  if (options.pidFile) fs.writeFileSync(options.pidFile, `${process.pid}\n`);
  try {
    return count > 1 ? await runPrimary(graph, count, file, options) : await runSingle(graph, file, options);
  } finally {
    if (options.pidFile) fs.rmSync(options.pidFile, { force: true });
  }
}

async function startMetricsEndpoint(graph: RuleGraph, metrics: MsaMetrics, log: Logger, collect?: () => Promise<string>): Promise<MetricsServer | null> {
  if (!graph.metrics) return null;
  const { startMetricsServer } = await import("../runtime/metrics/metrics.js");
  const server = await startMetricsServer(graph.metrics, metrics, collect);
  log.info({ event: "metrics-listening", host: graph.metrics.host, port: server.port }, "metrics endpoint listening");
  return server;
}

/** Logs a reload's outcome; true when `next` is to be swapped in. */
function checkReload(current: RuleGraph, file: string | undefined, options: ServeOptions, logFor: (g: RuleGraph) => Logger): RuleGraph | null {
  const log = logFor(current);
  const result = reloadGraph(file, options.compiled);
  if ("errors" in result) {
    log.error({ event: "reload-failed", errors: result.errors }, "policy has errors; the running policy stays");
    return null;
  }
  const next = result.graph;
  if (next.metrics?.host !== current.metrics?.host || next.metrics?.port !== current.metrics?.port || next.workers !== current.workers) {
    log.warn({ event: "reload-partial" }, "`metrics listen` and `workers` changes take effect at the next restart");
  }
  return next;
}

async function runSingle(graph: RuleGraph, file: string | undefined, options: ServeOptions): Promise<number> {
  const logFor = loggers();
  const metrics = graph.metrics ? await createProcessMetrics(graph, true) : undefined;
  let host: PolicyHost | undefined;
  let metricsServer: MetricsServer | null = null;
  let queue: ReturnType<typeof startQueueRunner>;
  const { stopped, setReload } = takeSignals();
  try {
    // A bad relay credentials file or DKIM key stops the start here, with its reason logged.
    host = new PolicyHost(graph, { logFor, ...(metrics ? { metrics } : {}) });
    await host.start();
    if (metrics) metricsServer = await startMetricsEndpoint(graph, metrics, logFor(graph));
    // Store and forward: the runner forwards what the spool holds, including what an earlier run left.
    queue = startQueueRunner(graph, logFor(graph), countAttempts(metrics));
  } catch (error) {
    logFor(graph).error({ event: "start-failed", err: (error as Error).message }, "cannot start");
    await host?.stop(0);
    await metricsServer?.stop();
    return ExitStatus.errors;
  }
  const running = host;
  setReload(async () => {
    const current = running.activeGraph;
    logFor(current).info({ event: "reload", signal: "SIGHUP" }, "reloading the policy");
    const next = checkReload(current, file, options, logFor);
    if (!next) return;
    const swapped = await running.swap(next);
    if (!swapped.ok) {
      logFor(current).error({ event: "reload-failed", errors: [swapped.reason] }, "the running policy stays");
      return;
    }
    logFor(next).info({ event: "reloaded", previous: current.source.sha256.slice(0, 12) }, "policy reloaded");
    // the runner follows the deliver rule of the graph in force
    const old = queue;
    queue = startQueueRunnerAfter(old, next, logFor(next), metrics);
  });
  const signal = await stopped();
  logFor(running.activeGraph).info({ event: "stopping", signal }, "stopping");
  await Promise.all([running.stop(), queue.stop(), metricsServer?.stop()]);
  return ExitStatus.ok;
}

/** The queue runner's attempts counted in `msa_relay_attempts_total` (in-line relays are counted by the server). */
function countAttempts(metrics: MsaMetrics | undefined) {
  return metrics ? { onAttempt: (result: "delivered" | "deferred" | "failed") => metrics.relayAttempts.inc({ result }) } : {};
}

function startQueueRunnerAfter(old: ReturnType<typeof startQueueRunner>, graph: RuleGraph, log: Logger, metrics?: MsaMetrics): ReturnType<typeof startQueueRunner> {
  const stopped = old.stop();
  const next = { current: null as ReturnType<typeof startQueueRunner> | null };
  const started = stopped.then(() => (next.current = startQueueRunner(graph, log, countAttempts(metrics))).started);
  return {
    runner: undefined,
    started,
    async stop() {
      await started;
      await next.current?.stop();
    },
  };
}

async function runPrimary(graph: RuleGraph, count: number, file: string | undefined, options: ServeOptions): Promise<number> {
  const logFor = loggers();
  let current = graph;
  const metrics = graph.metrics ? await createProcessMetrics(graph, true) : undefined;
  let supervisor: Awaited<ReturnType<typeof startWorkers>> | undefined;
  let metricsServer: MetricsServer | null = null;
  let queue: ReturnType<typeof startQueueRunner>;
  const { stopped, setReload } = takeSignals();
  try {
    supervisor = await startWorkers({ count, graph, log: () => logFor(current) });
    if (metrics) metricsServer = await startMetricsEndpoint(graph, metrics, logFor(graph), () => supervisor!.metricsText(metrics));
    // the queue runner runs once, here: workers only spool
    queue = startQueueRunner(graph, logFor(graph), countAttempts(metrics));
  } catch (error) {
    logFor(graph).error({ event: "start-failed", err: (error as Error).message }, "cannot start");
    await supervisor?.stop();
    await metricsServer?.stop();
    return ExitStatus.errors;
  }
  const workers = supervisor;
  setReload(async () => {
    logFor(current).info({ event: "reload", signal: "SIGHUP" }, "reloading the policy");
    const next = checkReload(current, file, options, logFor);
    if (!next) return;
    const result = await workers.reload(next);
    if (!result.ok) {
      // a worker that could not start the new graph (a key it cannot read) keeps the old one
      logFor(current).error({ event: "reload-failed", errors: result.reasons }, "the running policy stays");
      return;
    }
    const previous = current;
    current = next;
    logFor(next).info({ event: "reloaded", previous: previous.source.sha256.slice(0, 12) }, "policy reloaded");
    queue = startQueueRunnerAfter(queue, next, logFor(next), metrics);
  });
  const signal = await stopped();
  logFor(current).info({ event: "stopping", signal, workers: count }, "stopping");
  await Promise.all([workers.stop(), queue.stop(), metricsServer?.stop()]);
  logFor(current).info({ event: "stopped" }, "stopped");
  return ExitStatus.ok;
}

async function runWorker(): Promise<number> {
  const index = Number(process.env.MSA_WORKER);
  const logFor = loggers(index);
  let graph = await receiveGraph();
  const metrics = graph.metrics ? await createProcessMetrics(graph, false) : undefined;
  // the queue runner lives in the primary: every record spooled here is handed to it
  onAnySpooled((dir, id) => sendToPrimary({ msa: "spooled", dir, id }));
  // The first worker alone serves `listen local`: its socket is one file.
  const host = new PolicyHost(graph, { logFor, localListener: index === 0, ...(metrics ? { metrics } : {}) });
  try {
    await host.start();
  } catch (error) {
    logFor(graph).error({ event: "start-failed", err: (error as Error).message }, "cannot start");
    return ExitStatus.errors;
  }
  // the log waits up to 10 ms to write: its "listening" lines go out before the primary, told of it,
  // logs "workers-started"
  logFor(graph).flush();
  sendToPrimary({ msa: "ready", ports: host.ports });
  await new Promise<void>((resolve) => {
    const onMessage = (message: ToWorker) => {
      if (message.msa === "metrics") {
        void metrics?.registry.getMetricsAsJSON().then((values) => sendToPrimary({ msa: "metrics", id: message.id, metrics: values as never }));
        if (!metrics) sendToPrimary({ msa: "metrics", id: message.id, metrics: [] });
      } else if (message.msa === "reload") {
        const loaded = loadGraph(message.graph);
        if (!loaded.ok) return sendToPrimary({ msa: "reloaded", ok: false, reason: loaded.message });
        void host.swap(loaded.graph).then((result) => {
          if (result.ok) graph = loaded.graph;
          sendToPrimary({ msa: "reloaded", ok: result.ok, ...(result.ok ? {} : { reason: result.reason }) });
        });
      } else if (message.msa === "room") {
        remoteSpoolRoom(message.dir, message.hasRoom);
        logFor(graph).debug(
          { event: "in-flow-room", dir: message.dir, hasRoom: message.hasRoom },
          message.hasRoom ? "the queue runner has room again" : "the queue runner is behind: new messages wait",
        );
      } else if (message.msa === "stop") {
        resolve();
      }
    };
    process.on("message", onMessage);
    // SIGTERM or SIGINT to a worker directly (systemd signals the whole control group, a terminal
    // the whole process group) stops it the same way; SIGHUP is the primary's to handle.
    void signals(() => logFor(graph).info({ event: "reload-ignored" }, "reload is done by the primary process")).then(() => resolve());
  });
  await host.stop();
  cluster.worker?.disconnect();
  return ExitStatus.ok;
}
