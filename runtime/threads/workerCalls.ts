// Calls answered by one worker thread, for work that would otherwise hold the server's event loop
// (7-bit conversion of a large message, SHA-crypt's thousands of rounds). The worker starts at the
// first call, is replaced after a failure, and keeps no process alive while idle.
import { parentPort, type Transferable, Worker } from "node:worker_threads";

interface Call<Request> {
  id: number;
  request: Request;
}
interface Answer<Result> {
  id: number;
  result: Result;
}

/**
 * The worker module `file` (a path from the runtime folder, such as `deliver/sevenBitWorker.js`):
 * from the TypeScript sources (the tests) it is the built copy, since Node 20 runs no .ts in a worker.
 */
function workerUrl(file: string): URL {
  const here = import.meta.url;
  return here.endsWith(".ts") ? new URL(`../../dist/runtime/${file}`, here) : new URL(`../${file}`, here);
}

/** A function whose calls run in the worker `file`, which answers them with `answerCalls`. */
export function workerCalls<Request, Result>(file: string, what: string): (request: Request, transfer?: Transferable[]) => Promise<Result> {
  let worker: Worker | null = null;
  let nextId = 0;
  const pending = new Map<number, { resolve: (result: Result) => void; reject: (error: Error) => void }>();
  const theWorker = (): Worker => {
    if (worker) return worker;
    const started = new Worker(workerUrl(file));
    started.on("message", ({ id, result }: Answer<Result>) => {
      const waiting = pending.get(id);
      pending.delete(id);
      if (pending.size === 0) started.unref(); // an idle worker keeps no process alive
      waiting?.resolve(result);
    });
    const fail = (error: Error) => {
      if (worker === started) worker = null;
      for (const waiting of pending.values()) waiting.reject(error);
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
    return new Promise<Result>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      thread.ref();
      thread.postMessage({ id, request } satisfies Call<Request>, transfer);
    });
  };
}

/** In a worker: answers each call with `handle`, whose `transfer` list hands buffers over without a copy. */
export function answerCalls<Request, Result>(handle: (request: Request) => { result: Result; transfer?: Transferable[] }): void {
  parentPort?.on("message", ({ id, request }: Call<Request>) => {
    const { result, transfer = [] } = handle(request);
    parentPort!.postMessage({ id, result } satisfies Answer<Result>, transfer);
  });
}
