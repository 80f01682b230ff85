// The bench sink (servers/sink.ts) in a process of its own that reports its count over IPC, so
// the sustained section can read the sink's count every second and its CPU apart from the load
// generator's. `node dist/bench/servers/countingSink.js` with an IPC channel: prints {"port":N};
// the message "count" is answered with {count: N}; stops on SIGTERM.
import { startSink } from "./sink.js";

const sink = await startSink();
process.on("message", (message) => {
  if (message === "count") process.send?.({ count: sink.messages() });
});
process.stdout.write(JSON.stringify({ port: sink.port }) + "\n");
const stop = () => process.exit(0);
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
// The bench that started it is gone: nobody will read the count.
process.once("disconnect", stop);
