// Calls answered by one worker thread, for work that would otherwise hold the server's event loop
// (7-bit conversion of a large message, SHA-crypt's thousands of rounds). The worker starts at the
// first call, is replaced after a failure, and keeps no process alive while idle.
import { parentPort, Worker } from "node:worker_threads";
/**
 * The worker module `file` (a path from the runtime folder, such as `deliver/sevenBitWorker.js`):
 * from the TypeScript sources (the tests) it is the built copy, since Node 20 runs no .ts in a worker.
 */
function workerUrl(file) {
    const here = import.meta.url;
    return here.endsWith(".ts") ? new URL(`../../dist/runtime/${file}`, here) : new URL(`../${file}`, here);
}
/** A function whose calls run in the worker `file`, which answers them with `answerCalls`. */
export function workerCalls(file, what) {
    let worker = null;
    let nextId = 0;
    const pending = new Map();
    const theWorker = () => {
        if (worker)
            return worker;
        const started = new Worker(workerUrl(file));
        started.on("message", ({ id, result }) => {
            const waiting = pending.get(id);
            pending.delete(id);
            if (pending.size === 0)
                started.unref(); // an idle worker keeps no process alive
            waiting?.resolve(result);
        });
        const fail = (error) => {
            if (worker === started)
                worker = null;
            for (const waiting of pending.values())
                waiting.reject(error);
            pending.clear();
        };
        started.on("error", fail);
        started.on("exit", (code) => fail(new Error(`the ${what} worker stopped (exit code ${code})`)));
        worker = started;
        return started;
    };
    return (request, transfer = []) => {
        const thread = theWorker();
        const id = nextId++;
        return new Promise((resolve, reject) => {
            pending.set(id, { resolve, reject });
            thread.ref();
            thread.postMessage({ id, request }, transfer);
        });
    };
}
/** In a worker: answers each call with `handle`, whose `transfer` list hands buffers over without a copy. */
export function answerCalls(handle) {
    parentPort?.on("message", ({ id, request }) => {
        const { result, transfer = [] } = handle(request);
        parentPort.postMessage({ id, result }, transfer);
    });
}
//# sourceMappingURL=workerCalls.js.map