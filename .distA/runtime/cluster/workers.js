// `workers N|auto` (node:cluster): the primary forks N workers, each a PolicyHost on the same
// listeners (the primary holds the listening sockets and deals connections out round-robin),
// and keeps what must exist once: the queue runner, the metrics endpoint (summing the workers'
// registries over IPC; each record a worker spools is handed to it by id), the reload (compiled once, sent to every worker as graph JSON) and the
// shutdown (SIGTERM to the primary stops every worker gracefully). Messages are `{ msa: ... }`.
import cluster from "node:cluster";
import os from "node:os";
import { AggregatorRegistry } from "prom-client";
import { loadGraph, serializeGraph } from "../../graph/graphJson.js";
import { notifySpooled } from "../queue/spoolEvents.js";
export function workerCount(workers) {
    if (workers === "auto")
        return Math.max(1, os.availableParallelism());
    return Math.max(1, workers ?? 1);
}
export const isClusterWorker = () => cluster.isWorker && process.env.MSA_WORKER !== undefined;
/** Forks the workers and resolves once each is listening. */
export async function startWorkers(options) {
    let graphJson = serializeGraph(options.graph);
    let stopping = false;
    let nextId = 0;
    const pending = new Map();
    const workers = new Set();
    const fork = (index) => new Promise((resolve, reject) => {
        const worker = cluster.fork({ MSA_WORKER: String(index) });
        workers.add(worker);
        // a worker already on its way out refuses messages (EPIPE): its exit is what counts
        worker.on("error", () => { });
        worker.on("message", (message) => {
            // the worker asks once its message listener exists (a message sent before it would be lost)
            if (message.msa === "hello")
                worker.send({ msa: "graph", graph: graphJson });
            if (message.msa === "ready")
                resolve(worker);
            if (message.msa === "spooled")
                notifySpooled(message.dir, message.id);
            if (message.msa === "metrics") {
                const request = pending.get(message.id);
                if (request) {
                    request.metrics.push(message.metrics);
                    if (--request.left === 0)
                        request.done(request.metrics);
                }
            }
        });
        worker.once("exit", (code, signal) => {
            workers.delete(worker);
            reject(new Error(`worker ${index} exited (${signal ?? code}) before listening`));
            if (stopping)
                return;
            // a worker that dies is replaced, with the graph in force now
            options.log().error({ event: "worker-exit", worker: index, code, signal }, "worker exited; starting another");
            setTimeout(() => void fork(index).catch(() => { }), 500).unref();
        });
    });
    await Promise.all(Array.from({ length: options.count }, (_, index) => fork(index)));
    options.log().info({ event: "workers-started", workers: options.count }, "workers started");
    const ask = (send, listen) => Promise.all([...workers].map((worker) => new Promise((resolve) => {
        listen(worker, resolve);
        send(worker);
    })));
    return {
        async reload(graph) {
            graphJson = serializeGraph(graph);
            const answers = await ask((worker) => worker.send({ msa: "reload", graph: graphJson }), (worker, settle) => {
                const onMessage = (message) => {
                    if (message.msa !== "reloaded")
                        return;
                    worker.off("message", onMessage);
                    settle(message);
                };
                worker.on("message", onMessage);
            });
            return { ok: answers.every((a) => a.ok), reasons: answers.flatMap((a) => (a.reason ? [a.reason] : [])) };
        },
        async metricsText(own) {
            const id = nextId++;
            const live = [...workers].filter((w) => w.isConnected());
            const fromWorkers = await new Promise((resolve) => {
                if (live.length === 0)
                    return resolve([]);
                const timer = setTimeout(() => {
                    pending.delete(id);
                    resolve(collected.metrics);
                }, 2000);
                const collected = { metrics: [], left: live.length, done: (all) => (clearTimeout(timer), pending.delete(id), resolve(all)) };
                pending.set(id, collected);
                for (const worker of live)
                    worker.send({ msa: "metrics", id });
            });
            const mine = (await own.registry.getMetricsAsJSON());
            return AggregatorRegistry.aggregate([...fromWorkers, mine]).metrics();
        },
        async stop() {
            stopping = true;
            await Promise.all([...workers].map((worker) => new Promise((resolve) => {
                if (worker.isDead())
                    return resolve();
                worker.once("exit", () => resolve());
                if (worker.isConnected())
                    worker.send({ msa: "stop" }, () => { });
                else
                    worker.process.kill("SIGTERM");
            })));
        },
    };
}
/** In a worker: waits for the primary's first graph. */
export function receiveGraph() {
    return new Promise((resolve, reject) => {
        const onMessage = (message) => {
            if (message.msa !== "graph")
                return;
            process.off("message", onMessage);
            const loaded = loadGraph(message.graph);
            if (loaded.ok)
                resolve(loaded.graph);
            else
                reject(new Error(loaded.message));
        };
        process.on("message", onMessage);
        sendToPrimary({ msa: "hello" });
    });
}
export function sendToPrimary(message) {
    process.send?.(message);
}
//# sourceMappingURL=workers.js.map