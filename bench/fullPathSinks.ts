// The next hops of the full-path bench, each in its own process so its CPU is its own: the
// bench sink (bench/servers/sink.ts, which also times tagged arrivals) and Postfix's
// smtp-sink (counted from its `-c` counters on standard output). Both answer "how many so
// far" and "tell me when N have arrived" without the bench polling them during a round.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { cpuSeconds } from "./procStats.js";
import { freePort, sinkPath, startNode, waitForListener, waitForPortLine } from "./processes.js";

export type SinkKind = "bench" | "smtp-sink";

export interface SinkUnderTest {
  kind: SinkKind;
  port: number;
  /** CPU seconds the sink process has used so far. */
  cpuSeconds(): number;
  count(): Promise<number>;
  /** Resolves once `count` messages have arrived in all; throws after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  /** X-Bench-Id -> arrival (monotonic ms) since the last call; undefined: this sink does not time arrivals. */
  takeArrivals(): Promise<Map<string, number> | undefined>;
  stop(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One SMTP connection to the bench sink for its X commands: one reply line per command, in order. */
async function controlConnection(port: number): Promise<{ ask(command: string): Promise<string>; close(): void }> {
  const socket: Socket = connect({ host: "127.0.0.1", port });
  await once(socket, "connect");
  const waiting: ((line: string) => void)[] = [];
  let buffered = "";
  socket.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("latin1");
    for (let eol = buffered.indexOf("\r\n"); eol >= 0; eol = buffered.indexOf("\r\n")) {
      const line = buffered.slice(0, eol);
      buffered = buffered.slice(eol + 2);
      waiting.shift()?.(line);
    }
  });
  socket.on("error", () => undefined);
  const greeting = new Promise<string>((resolve) => waiting.push(resolve));
  await withTimeout(greeting, 10_000, "the sink's greeting");
  return {
    ask(command: string) {
      const reply = new Promise<string>((resolve) => waiting.push(resolve));
      socket.write(`${command}\r\n`);
      return reply.then((line) => {
        if (!line.startsWith("250 ")) throw new Error(`the sink answered ${command} with ${line.slice(0, 200)}`);
        return line.slice(4);
      });
    },
    close: () => socket.destroy(),
  };
}

export async function startBenchSink(): Promise<SinkUnderTest> {
  const child = startNode([sinkPath]);
  try {
    const port = await waitForPortLine(child);
    const control = await controlConnection(port);
    return {
      kind: "bench",
      port,
      cpuSeconds: () => cpuSeconds(child.pid),
      count: async () => Number(await control.ask("XCOUNT")),
      // XWAIT gets its own connection: the answer may come long after, and a timed-out wait must not leave a stray reply on the shared one.
      async waitFor(count, timeoutMs) {
        const waiter = await controlConnection(port);
        try {
          await withTimeout(waiter.ask(`XWAIT ${count}`), timeoutMs, `${count} messages at the sink`);
        } finally {
          waiter.close();
        }
      },
      takeArrivals: async () => new Map(Object.entries(JSON.parse(await control.ask("XARRIVALS")) as Record<string, number>)),
      async stop() {
        control.close();
        await child.stop();
      },
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** Postfix's smtp-sink on a free loopback port; its `-c` counters line ("... mesg=N") is the count. */
export async function startSmtpSink(binary: string): Promise<SinkUnderTest> {
  const port = await freePort();
  // As root, smtp-sink must be told whom to run as once it has its socket.
  const asUser = process.getuid?.() === 0 ? ["-u", "nobody"] : [];
  const child = spawn(binary, ["-c", ...asUser, `127.0.0.1:${port}`, "1000"], { stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let count = 0;
  let stderr = "";
  let waiters: { count: number; resolve: () => void }[] = [];
  let tail = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString("latin1")).slice(-200);
    const all = [...tail.matchAll(/mesg=(\d+)/g)];
    if (all.length) count = Number(all.at(-1)![1]);
    const due = waiters.filter((waiter) => waiter.count <= count);
    waiters = waiters.filter((waiter) => waiter.count > count);
    for (const waiter of due) waiter.resolve();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    if (stderr.length < 10_000) stderr += chunk.toString();
  });
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForListener(port, () => (child.exitCode !== null ? `smtp-sink exited (${child.exitCode}): ${stderr}` : undefined), 10_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    kind: "smtp-sink",
    port,
    cpuSeconds: () => cpuSeconds(child.pid!),
    count: async () => count,
    waitFor: (wanted, timeoutMs) =>
      withTimeout(
        new Promise<void>((resolve) => {
          if (count >= wanted) resolve();
          else waiters.push({ count: wanted, resolve });
        }),
        timeoutMs,
        `${wanted} messages at smtp-sink (it counted ${count})`,
      ),
    takeArrivals: async () => undefined,
    stop,
  };
}
