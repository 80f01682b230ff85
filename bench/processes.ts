// Child processes for the benchmarks (servers under test, measured commands): started
// with node directly so the PID we measure is the server's own, always stopped, and
// killed if the benchmark itself dies first.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (this file runs from dist/bench/ or, under vitest, from bench/). */
export const projectRoot = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(path.dirname(here)) === "dist" ? path.resolve(here, "../..") : path.resolve(here, "..");
})();

export const msacPath = path.join(projectRoot, "dist", "cli", "msac.js");
export const bareServerPath = path.join(projectRoot, "dist", "bench", "servers", "bareServer.js");
export const sinkPath = path.join(projectRoot, "dist", "bench", "servers", "sink.js");
export const exitProbePath = path.join(projectRoot, "dist", "bench", "exitProbe.js");
export const gcHostPath = path.join(projectRoot, "dist", "bench", "servers", "gcHost.js");
export const fullPathLoadPath = path.join(projectRoot, "dist", "bench", "fullPathLoad.js");
export const sustainedLoadPath = path.join(projectRoot, "dist", "bench", "sustainedLoad.js");

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface Child {
  pid: number;
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

/** `ipc`: open an IPC channel to the child (servers/gcHost.ts answers "gc" on it). */
export function startNode(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; ipc?: boolean } = {}): Child {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: options.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    if (stdout.length < 1_000_000) stdout += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    if (stderr.length < 1_000_000) stderr += chunk.toString();
  });
  child.once("exit", () => running.delete(child));
  if (child.pid === undefined) throw new Error(`cannot start node ${args.join(" ")}`);
  return {
    pid: child.pid,
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until something accepts TCP connections on 127.0.0.1:port (bounded), failing at once when `failed` says why. */
export async function waitForListener(port: number, failed: () => string | undefined, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const why = failed();
    if (why) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** Waits until the server `child` accepts TCP connections on 127.0.0.1:port (bounded). */
export async function waitForPort(port: number, child: Child, timeoutMs = 20_000): Promise<void> {
  try {
    await waitForListener(port, () => (child.process.exitCode !== null ? `server exited (${child.process.exitCode}): ${child.stderr()}${child.stdout()}` : undefined), timeoutMs);
  } catch (error) {
    if (child.process.exitCode !== null) throw error;
    throw new Error(`${(error as Error).message}: ${child.stderr()}${child.stdout()}`);
  }
}

/** Waits for the child's first stdout line that parses as JSON with a numeric `port`. */
export async function waitForPortLine(child: Child, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /\{"port":(\d+)\}/.exec(child.stdout());
    if (match) return Number(match[1]);
    if (child.process.exitCode !== null) throw new Error(`server exited (${child.process.exitCode}): ${child.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no port line after ${timeoutMs} ms: ${child.stderr()}`);
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") return reject(new Error("no TCP address"));
      server.close(() => resolve(address.port));
    });
  });
}

/** Runs `node args...` to completion; resolves with wall seconds, exit code and output. */
export async function runNode(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ seconds: number; code: number | null; stdout: string; stderr: string }> {
  const started = process.hrtime.bigint();
  const child = startNode(args, options);
  const [code] = (await once(child.process, "close")) as [number | null];
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, code, stdout: child.stdout(), stderr: child.stderr() };
}

/**
 * The next IPC message of `child` that `pick` turns into a value. Rejects when the child ends
 * first ('close', not 'exit': it comes once the child's pipes, where its last messages are, are
 * read) or after `timeoutMs`; `what` names the child in the error.
 */
export function nextMessage<T>(child: Child, pick: (message: unknown) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.process.off("message", onMessage);
      child.process.off("close", onClose);
    };
    const onMessage = (message: unknown) => {
      const value = pick(message);
      if (value === undefined) return;
      done();
      resolve(value);
    };
    const onClose = (code: number | null) => {
      done();
      reject(new Error(`${what}: the process exited (${code}): ${child.stderr().trim().split("\n").slice(-3).join(" / ")}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.process.on("message", onMessage);
    child.process.on("close", onClose);
  });
}

/** The value of `key` in an IPC message shaped `{ [key]: value }`, for nextMessage. */
export function messageField<T>(key: string): (message: unknown) => T | undefined {
  return (message) => (typeof message === "object" && message !== null && key in message ? (message as Record<string, T>)[key] : undefined);
}

/**
 * Sends `request` to `child` over IPC and resolves with its answer `{ [request]: value }`. Sent
 * first: a child whose channel is closed throws here, before anything waits for its answer.
 */
export function askChild<T>(child: Child, request: string, timeoutMs: number, what: string): Promise<T> {
  child.process.send(request);
  return nextMessage(child, messageField<T>(request), timeoutMs, what);
}
