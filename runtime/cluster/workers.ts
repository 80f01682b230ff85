// `workers N|auto` (node:cluster): the primary forks N workers, each a PolicyHost on the same
// listeners (the primary holds the listening sockets and deals connections out round-robin),
// and keeps what must exist once: the queue runner (each record a worker spools is handed to it
// by id, and the workers hear from it when its backlog is full, to hold new messages back), the
// metrics endpoint (summing the workers' registries over IPC), the reload (compiled once, sent
// to every worker as graph JSON) and the shutdown (SIGTERM to the primary stops every worker
// gracefully). Messages are `{ msa: ... }`.
import cluster, { type Worker } from "node:cluster";
import os from "node:os";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { RuleGraph } from "../../graph/graph.js";
import { loadGraph, serializeGraph } from "../../graph/graphJson.js";
import type { MsaMetrics } from "../metrics/metrics.js";
import { notifySpooled, onSpoolRoomAnnounced } from "../queue/spoolEvents.js";

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

/** Primary to worker. */
export type ToWorker =
  | { msa: "graph"; graph: string }
  | { msa: "reload"; graph: string }
  | { msa: "metrics"; id: number }
  /** in-flow control: the runner of `dir` has a full backlog (new messages wait) or room again */
  | { msa: "room"; dir: string; hasRoom: boolean }
  | { msa: "stop" };
/** Worker to primary. */
export type ToPrimary =
  | { msa: "hello" }
  | { msa: "ready"; ports: number[] }
  /** a record the worker spooled is durable: the primary's queue runner attempts it at once */
  | { msa: "spooled"; dir: string; id: string }
  | { msa: "reloaded"; ok: boolean; reason?: string }
  | { msa: "metrics"; id: number; metrics: Metrics };

export function workerCount(workers: number | "auto" | undefined): number {
  if (workers === "auto") return Math.max(1, os.availableParallelism());
  return Math.max(1, workers ?? 1);
}

export const isClusterWorker = (): boolean => cluster.isWorker && process.env.MSA_WORKER !== undefined;

export interface Supervisor {
  /** Sends a new graph to every worker; resolves once each answered. */
  reload(graph: RuleGraph): Promise<{ ok: boolean; reasons: string[] }>;
  /** The workers' metrics summed with the primary's own (queue gauges), as Prometheus text. */
  metricsText(own: MsaMetrics): Promise<string>;
  /** Graceful stop of every worker; resolves when all have exited. */
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  count: number;
  graph: RuleGraph;
  /** Logs of the primary (its own graph's logger at the time). */
  log: () => { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** Forks the workers and resolves once each is listening. */
export async function startWorkers(options: SupervisorOptions): Promise<Supervisor> {
  let graphJson = serializeGraph(options.graph);
  let stopping = false;
  let nextId = 0;
  const pending = new Map<number, { metrics: Metrics[]; left: number; done: (all: Metrics[]) => void }>();
  const workers = new Set<Worker>();
  /** the spool folders whose runner's backlog is full right now (a worker forked later hears of them too) */
  const fullSpools = new Set<string>();
  const tellRoom = (worker: Worker, dir: string, hasRoom: boolean) => {
    if (worker.isConnected()) worker.send({ msa: "room", dir, hasRoom } satisfies ToWorker, () => {});
  };
  const stopAnnouncing = onSpoolRoomAnnounced((dir, hasRoom) => {
    if (hasRoom) fullSpools.delete(dir);
    else fullSpools.add(dir);
    for (const worker of workers) tellRoom(worker, dir, hasRoom);
  });

  const fork = (index: number): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ MSA_WORKER: String(index) });
      workers.add(worker);
      // a worker already on its way out refuses messages (EPIPE): its exit is what counts
      worker.on("error", () => {});
      worker.on("message", (message: ToPrimary) => {
        // the worker asks once its message listener exists (a message sent before it would be lost)
        if (message.msa === "hello") worker.send({ msa: "graph", graph: graphJson } satisfies ToWorker);
        if (message.msa === "ready") {
          // from now on the worker listens for these (one sent before was dropped)
          for (const dir of fullSpools) tellRoom(worker, dir, false);
          resolve(worker);
        }
        if (message.msa === "spooled") notifySpooled(message.dir, message.id);
        if (message.msa === "metrics") {
          const request = pending.get(message.id);
          if (request) {
            request.metrics.push(message.metrics);
            if (--request.left === 0) request.done(request.metrics);
          }
        }
      });
      worker.once("exit", (code, signal) => {
        workers.delete(worker);
        reject(new Error(`worker ${index} exited (${signal ?? code}) before listening`));
        if (stopping) return;
        // a worker that dies is replaced, with the graph in force now
        options.log().error({ event: "worker-exit", worker: index, code, signal }, "worker exited; starting another");
        setTimeout(() => void fork(index).catch(() => {}), 500).unref();
      });
    });

  await Promise.all(Array.from({ length: options.count }, (_, index) => fork(index)));
  options.log().info({ event: "workers-started", workers: options.count }, "workers started");

  const ask = <T>(send: (worker: Worker) => void, listen: (worker: Worker, settle: (value: T) => void) => void): Promise<T[]> =>
    Promise.all(
      [...workers].map(
        (worker) =>
          new Promise<T>((resolve) => {
            listen(worker, resolve);
            send(worker);
          }),
      ),
    );

  return {
    async reload(graph) {
      graphJson = serializeGraph(graph);
      const answers = await ask<ToPrimary & { msa: "reloaded" }>(
        (worker) => worker.send({ msa: "reload", graph: graphJson } satisfies ToWorker),
        (worker, settle) => {
          const onMessage = (message: ToPrimary) => {
            if (message.msa !== "reloaded") return;
            worker.off("message", onMessage);
            settle(message);
          };
          worker.on("message", onMessage);
        },
      );
      return { ok: answers.every((a) => a.ok), reasons: answers.flatMap((a) => (a.reason ? [a.reason] : [])) };
    },
    async metricsText(own) {
      const id = nextId++;
      const live = [...workers].filter((w) => w.isConnected());
      const fromWorkers = await new Promise<Metrics[]>((resolve) => {
        if (live.length === 0) return resolve([]);
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve(collected.metrics);
        }, 2000);
        const collected = { metrics: [] as Metrics[], left: live.length, done: (all: Metrics[]) => (clearTimeout(timer), pending.delete(id), resolve(all)) };
        pending.set(id, collected);
        for (const worker of live) worker.send({ msa: "metrics", id } satisfies ToWorker);
      });
      const mine = (await own.registry.getMetricsAsJSON()) as Metrics;
      const { AggregatorRegistry } = await import("prom-client");
      return AggregatorRegistry.aggregate([...fromWorkers, mine]).metrics();
    },
    async stop() {
      stopping = true;
      stopAnnouncing();
      await Promise.all(
        [...workers].map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) return resolve();
              worker.once("exit", () => resolve());
              if (worker.isConnected()) worker.send({ msa: "stop" } satisfies ToWorker, () => {});
              else worker.process.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}

/** In a worker: waits for the primary's first graph. */
export function receiveGraph(): Promise<RuleGraph> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ToWorker) => {
      if (message.msa !== "graph") return;
      process.off("message", onMessage);
      const loaded = loadGraph(message.graph);
      if (loaded.ok) resolve(loaded.graph);
      else reject(new Error(loaded.message));
    };
    process.on("message", onMessage);
    sendToPrimary({ msa: "hello" });
  });
}

export function sendToPrimary(message: ToPrimary): void {
  process.send?.(message);
}
