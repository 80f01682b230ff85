// Starts an in-process msa with a base policy and `graph.limits` set by the test (until the checker
// emits limits from policy text), on a plain loopback listener, and collects its JSON log events.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterEach } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import type { LimitsConfig, RuleGraph, RuleOrigin } from "../../graph/graph.js";
import { createEventLog } from "../../runtime/log.js";
import { SubmissionServer, type SubmissionServerOptions } from "../../runtime/submissionServer.js";

export const PASSWORD = "alice-pw";

/** What a test started (servers, clients), stopped newest first after each test of a file that imports this harness. */
export const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of cleanup.splice(0).reverse()) await stop();
});

/** startLimitedMsa, stopped after the test. */
export async function msaForTest(...args: Parameters<typeof startLimitedMsa>): Promise<LimitedMsa> {
  const running = await startLimitedMsa(...args);
  cleanup.push(() => running.stop());
  return running;
}

export type LogEvent = Record<string, unknown> & { event?: string; rule?: string };

export interface LimitedMsa {
  server: SubmissionServer;
  graph: RuleGraph;
  port: number;
  file: string;
  logs: LogEvent[];
  /** The origin of the first policy line that starts with `prefix` (comments name rate rules). */
  origin(prefix: string): RuleOrigin;
  stop(): Promise<void>;
}

export const BASE_POLICY = [
  "hostname msa.example.test",
  "listen 127.0.0.1:2525 plain",
  'auth users "users.passwd"',
  "require auth",
  "qualify domains example.test",
  'deliver spool "spool"',
];

/**
 * `extra` lines are appended to the base policy (comments there give rate rules a FILE:LINE);
 * `limits` edits the defaults into the test's configuration.
 */
export async function startLimitedMsa(
  extra: string[],
  limits: (defaults: LimitsConfig, origin: (prefix: string) => RuleOrigin) => LimitsConfig = (d) => d,
  options: Partial<SubmissionServerOptions> = {},
  /** The bcrypt cost of alice's and bob's hashes: 10 makes each verification last long enough to overlap. */
  bcryptCost = 4,
): Promise<LimitedMsa> {
  const dir = await mkdtemp(join(tmpdir(), "msa-limits-"));
  await writeFile(join(dir, "users.passwd"), `alice:${bcrypt.hashSync(PASSWORD, bcryptCost)}\nbob:${bcrypt.hashSync(PASSWORD, bcryptCost)}\n`);
  const lines = [...BASE_POLICY, ...extra];
  const file = join(dir, "policy.msa");
  const text = lines.join("\n") + "\n";
  await writeFile(file, text);
  const compiled = compilePolicy(file, text);
  if (!compiled.graph) throw new Error(`policy does not compile: ${compiled.diagnostics.map((d) => d.message).join("; ")}`);
  const origin = (prefix: string): RuleOrigin => {
    const index = lines.findIndex((l) => l.startsWith(prefix));
    if (index < 0) throw new Error(`no policy line starts with ${prefix}`);
    return { file, line: index + 1, span: { start: 0, end: 0 } };
  };
  const graph: RuleGraph = { ...compiled.graph, limits: limits(compiled.graph.limits, origin) };
  const logs: LogEvent[] = [];
  const log = createEventLog(
    { ...graph, log: { ...graph.log, level: "debug" } },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as LogEvent);
      },
    },
  );
  const server = new SubmissionServer(graph, { log, portOverride: [0], ...options });
  await server.start();
  let stopped = false;
  return {
    server,
    graph,
    port: server.ports[0]!,
    file,
    logs,
    origin,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop(200);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const authPlain = (login: string, password: string) => `AUTH PLAIN ${Buffer.from(`\0${login}\0${password}`).toString("base64")}`;

/** `250 2.0.0`: a reply's code and enhanced code. */
export const codes = (reply: string | undefined) => (reply ?? "(none)").split("\n").at(-1)!.split(" ").slice(0, 2).join(" ");

export async function eventually(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A raw client that reads replies as they come and notices when the server closes the connection. */
export class LineClient {
  readonly replies: string[] = [];
  closed = false;
  private buffer = "";
  private waiters: (() => void)[] = [];
  private pending: string[] = [];

  private constructor(readonly socket: import("node:net").Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, end).replace(/\r$/, "");
        this.buffer = this.buffer.slice(end + 1);
        this.pending.push(line);
        if (/^\d{3} /.test(line) || !/^\d{3}-/.test(line)) {
          this.replies.push(this.pending.join("\n"));
          this.pending = [];
        }
      }
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  static async connect(port: number, localAddress?: string): Promise<LineClient> {
    const { connect } = await import("node:net");
    const socket = connect({ host: "127.0.0.1", port, ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new LineClient(socket);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `count` replies in all have arrived (or the connection closed, or the time is up). */
  async waitReplies(count: number, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < count && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
    }
    return this.replies;
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
    }
    return this.closed;
  }

  /** Sends a command line and returns its reply (the next one). */
  async command(line: string, timeoutMs = 5000): Promise<string | undefined> {
    const want = this.replies.length + 1;
    this.write(`${line}\r\n`);
    await this.waitReplies(want, timeoutMs);
    return this.replies[want - 1];
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  end(): void {
    this.socket.destroy();
  }
}
