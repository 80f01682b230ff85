// 7-bit conversion (sevenBitConversion.ts) without holding the event loop: a message of any size is
// converted in one worker thread, so that other sessions keep being answered while it runs
// (docs/limits.md). Small messages, which take well under a millisecond, are converted in line.
import { Worker } from "node:worker_threads";
import { convertTo7Bit, type SevenBitConversion } from "./sevenBitConversion.js";
import type { SevenBitAnswer, SevenBitRequest } from "./sevenBitWorker.js";

/** Below this size a worst-case conversion takes about 15 ms (bench: 230 ns per byte), less than a round trip to the worker is worth. */
export const IN_LINE_BYTES = 64 * 1024;

type Pending = { resolve: (result: SevenBitConversion) => void; reject: (error: Error) => void };

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

/** The worker's file; from the TypeScript sources (the tests) it is the built copy, since Node 20 runs no .ts in a worker. */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith(".ts") ? new URL("../../dist/runtime/deliver/sevenBitWorker.js", here) : new URL("./sevenBitWorker.js", here);
}

/** The one worker, started at first use; a worker that failed is replaced at the next conversion. */
function theWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(workerUrl());
  started.on("message", ({ id, result }: SevenBitAnswer) => {
    const waiting = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) started.unref(); // an idle worker keeps no process alive
    if (!waiting) return;
    waiting.resolve(
      result.kind === "converted" ? { kind: "converted", message: Buffer.from(result.message.buffer, result.message.byteOffset, result.message.byteLength) } : result,
    );
  });
  const fail = (error: Error) => {
    if (worker === started) worker = null;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  started.on("error", fail);
  started.on("exit", (code) => fail(new Error(`the 7-bit conversion worker stopped (exit code ${code})`)));
  worker = started;
  return started;
}

/** convertTo7Bit's answer, byte for byte, computed off the event loop for a message over IN_LINE_BYTES. */
export function convertTo7BitOffThread(message: Buffer): Promise<SevenBitConversion> {
  if (message.length <= IN_LINE_BYTES) return Promise.resolve(convertTo7Bit(message));
  const thread = theWorker();
  const id = nextId++;
  // a copy is sent (the caller still holds the message); its buffer moves to the worker without a second copy
  const copy = new Uint8Array(message);
  return new Promise<SevenBitConversion>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    thread.ref();
    thread.postMessage({ id, message: copy } satisfies SevenBitRequest, [copy.buffer]);
  });
}
