// Runs a server script with a full-GC-on-request hook, so the bench can read a server's memory
// after garbage collection without adding bench hooks to the product.
// `node --expose-gc dist/bench/servers/gcHost.js TARGET.js ARGS...` (with an IPC channel): TARGET
// sees `process.argv` as if started directly; the IPC message "gc" runs global.gc() twice and is
// answered with {gc: process.memoryUsage()}.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [target, ...args] = process.argv.slice(2);
if (!target) throw new Error("usage: node --expose-gc gcHost.js TARGET.js ARGS...");
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error("gcHost needs node --expose-gc");

process.on("message", (message) => {
  if (message !== "gc") return;
  // Twice: the first pass runs finalizers whose objects the second pass can then free.
  collect();
  collect();
  process.send?.({ gc: process.memoryUsage() });
});
// The channel must not keep the target alive after it has stopped (msac serve exits by emptying its event loop).
process.channel?.unref();

const targetPath = path.resolve(target);
process.argv = [process.argv[0]!, targetPath, ...args];
await import(pathToFileURL(targetPath).href);
