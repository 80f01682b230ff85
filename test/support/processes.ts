// Runs msa (or any node script) as a child process for end-to-end tests: collects its output
// lines (parsing JSON log lines), waits for a line, stops it, and never leaves one running.
import { spawn, type ChildProcess } from "node:child_process";
import { constants as osConstants } from "node:os";
import { basename } from "node:path";
import { afterAll, onTestFinished } from "vitest";

export interface OutputLine {
  text: string;
  /** The line parsed as JSON when it is a JSON object (msa logs one object per line). */
  json?: Record<string, unknown>;
}

export interface StartProcessOptions {
  cwd?: string;
  /** Added to (or, with `undefined`, removed from) the parent's environment. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Buffer;
}

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Stdout lines so far, in order. */
  readonly lines: OutputLine[];
  /** Stderr lines so far, in order. */
  readonly stderrLines: string[];
  readonly stdout: string;
  readonly stderr: string;
  /** The exit status once exited (128 + signal number when killed by a signal), else null. */
  readonly exitCode: number | null;
  /**
   * The first stdout line from index `since` on (default 0, so lines already printed count)
   * for which `predicate` holds. Rejects on timeout or if the process exits first.
   */
  waitForLine(predicate: (line: OutputLine) => boolean, timeoutMs?: number, since?: number): Promise<OutputLine>;
  /** Resolves with the exit status; rejects if the process is still running after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<number>;
  /** Sends `signal` (SIGTERM by default), escalates to SIGKILL after `timeoutMs`, resolves with the exit status. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number>;
}

const running = new Set<ChildProcess>();

function killLeftovers(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

// Leftovers die at the end of the test file (and, as a last resort, with the test process).
process.once("exit", killLeftovers);
try {
  afterAll(killLeftovers);
} catch {
  // Imported outside a test file's collection: the exit hook above still applies.
}

function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
}

/**
 * Spawns `command` (use `process.execPath` to run node; npx is refused: it adds a process
 * of its own between the test and msa, and signals would not reach msa).
 * Started inside a test, the child is killed when that test finishes; otherwise when the file does.
 */
export function startProcess(command: string, args: string[], options: StartProcessOptions = {}): RunningProcess {
  if (/^(npx|npm)(\.cmd)?$/.test(basename(command))) {
    throw new Error(`startProcess runs node directly; \`${command}\` would stand between the test and the program`);
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(command, args, {
    cwd: options.cwd,
    env,
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  running.add(child);
  try {
    onTestFinished(() => {
      if (running.has(child)) child.kill("SIGKILL");
    });
  } catch {
    // Not inside a test: the afterAll hook covers it.
  }
  if (options.input !== undefined) child.stdin!.end(options.input);

  const lines: OutputLine[] = [];
  const stderrLines: string[] = [];
  let stdout = "";
  let stderr = "";
  let exitCode: number | null = null;
  let spawnError: Error | undefined;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };

  const splitLines = (onLine: (line: string) => void): ((chunk: string) => void) => {
    let partial = "";
    return (chunk) => {
      partial += chunk;
      let end: number;
      while ((end = partial.indexOf("\n")) >= 0) {
        onLine(partial.slice(0, end).replace(/\r$/, ""));
        partial = partial.slice(end + 1);
      }
    };
  };
  const onStdoutLine = (text: string): void => {
    lines.push({ text, ...parseJsonObject(text) });
    notify();
  };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stdout!.on("data", splitLines(onStdoutLine));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stderr!.on(
    "data",
    splitLines((text) => stderrLines.push(text)),
  );

  const exited = new Promise<number>((resolve) => {
    child.once("error", (error) => {
      spawnError = error;
      running.delete(child);
      exitCode = 127;
      notify();
      resolve(exitCode);
    });
    // 'close' comes after the output streams have ended, so every line is in by then.
    child.once("close", (code, signal) => {
      running.delete(child);
      exitCode = exitStatus(code, signal);
      notify();
      resolve(exitCode);
    });
  });

  const describeOutput = (): string => `${spawnError ? `spawn error: ${spawnError.message}\n` : ""}stdout:\n${stdout}\nstderr:\n${stderr}`;

  const waitForExit = (timeoutMs = 10_000): Promise<number> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`process ${child.pid} still running after ${timeoutMs} ms\n${describeOutput()}`)), timeoutMs);
      void exited.then((status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });

  return {
    child,
    pid: child.pid ?? -1,
    lines,
    stderrLines,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get exitCode() {
      return exitCode;
    },
    waitForLine(predicate, timeoutMs = 10_000, since = 0) {
      return new Promise((resolve, reject) => {
        let scanned = since;
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = (): void => {
          for (; scanned < lines.length; scanned++) {
            const line = lines[scanned]!;
            if (predicate(line)) {
              finish();
              resolve(line);
              return;
            }
          }
          if (exitCode !== null) {
            finish();
            reject(new Error(`process exited with status ${exitCode} before the awaited line\n${describeOutput()}`));
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no matching line within ${timeoutMs} ms\n${describeOutput()}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    waitForExit,
    async stop(signal = "SIGTERM", timeoutMs = 10_000) {
      if (exitCode !== null) return exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs a command to completion (e.g. `msac check`), returning its status and output. */
export async function runProcess(
  command: string,
  args: string[],
  options: StartProcessOptions & { timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const started = startProcess(command, args, options);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const code = await started.waitForExit(timeoutMs).catch(async (error: unknown) => {
    await started.stop("SIGKILL");
    throw error;
  });
  return { code, stdout: started.stdout, stderr: started.stderr };
}

function parseJsonObject(text: string): { json?: Record<string, unknown> } {
  if (!text.startsWith("{")) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? { json: value as Record<string, unknown> } : {};
  } catch {
    return {};
  }
}
