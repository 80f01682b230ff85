// The load generators of the full-path bench: the Node client (nodemailer's SMTPConnection,
// sessions sending until the round's time is up, each message tagged with an X-Bench-Id header
// so the sink can time its arrival) and Postfix's smtp-source, each in a child process of its
// own, each with the CPU it used. The Node client ran in the bench process before: after the
// sections before it its heap and CPU were no longer the load's alone (its CPU per message
// doubled), and a slower client holds back the faster server more.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { BENCH_DOMAIN, BENCH_LOGIN, BENCH_PASSWORD } from "./benchPolicy.js";
import { fullPathLoadPath } from "./processes.js";
import { reapedChildrenCpuSeconds } from "./procStats.js";
import { type BenchMessage, generateMessages } from "./messages.js";

/**
 * reused: each session sends its messages one after another on one plain connection;
 * new: a new plain connection per message; tls-auth: one connection per session, STARTTLS
 * then AUTH PLAIN, then its messages one after another.
 */
export type ClientMode = "reused" | "new" | "tls-auth";

export interface TlsSeen {
  protocol: string;
  cipher: string;
}

export interface NodeLoadOptions {
  port: number;
  mode: ClientMode;
  sessions: number;
  /** Sessions start no message after this many seconds from the round's start. */
  seconds: number;
  /** Cycled through; each message gets its own X-Bench-Id. */
  messages: readonly BenchMessage[];
  /** Prefix of the X-Bench-Id values, unique per round. */
  idPrefix: string;
}

export interface LoadRun {
  /** Messages the client saw 250 for. */
  accepted: number;
  /** When the load began (monotonic ms, the sink's clock too): the full time runs from here. */
  startedAtMs: number;
  /** From the first connection to the last 250. */
  acceptSeconds: number;
  /** CPU seconds the load generator used (the bench process, or smtp-source). */
  clientCpuSeconds: number;
  /** Per accepted message, MAIL FROM to the 250 after the data (Node client only). */
  latenciesMs?: number[];
  /** X-Bench-Id -> when its transaction started (monotonic ms, the sink's clock too). */
  starts?: Map<string, number>;
  tls?: TlsSeen;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

function connectionOptions(options: NodeLoadOptions): SMTPConnection.Options {
  const common = { host: "127.0.0.1", port: options.port, name: "client.bench.test", socketTimeout: 60_000, connectionTimeout: 30_000, logger: false };
  // The bench certificate is self-signed; verifying it is the client's cost, not the server's.
  if (options.mode === "tls-auth") return { ...common, secure: false, requireTLS: true, tls: { rejectUnauthorized: false } };
  return { ...common, secure: false, ignoreTLS: true };
}

async function open(options: NodeLoadOptions): Promise<SMTPConnection> {
  const connection = new SMTPConnection(connectionOptions(options));
  await new Promise<void>((resolve, reject) => {
    connection.once("error", reject);
    connection.connect(() => resolve());
  });
  // Later errors reach the send and login callbacks; without a listener they would also be thrown.
  connection.on("error", () => undefined);
  if (options.mode === "tls-auth") {
    // PLAIN pinned: nodemailer would otherwise take the first mechanism the server lists.
    await new Promise<void>((resolve, reject) =>
      connection.login({ user: BENCH_LOGIN, pass: BENCH_PASSWORD, method: "PLAIN" } as SMTPConnection.AuthenticationTypeCustom, (error) => (error ? reject(error) : resolve())),
    );
  }
  return connection;
}

function quitAndWait(connection: SMTPConnection): Promise<void> {
  return new Promise((resolve) => {
    connection.once("end", () => resolve());
    connection.quit();
  });
}

function tlsOf(connection: SMTPConnection): TlsSeen | undefined {
  const socket = connection._socket as TLSSocket;
  if (typeof socket.getProtocol !== "function") return undefined;
  return { protocol: socket.getProtocol() ?? "?", cipher: socket.getCipher()?.name ?? "?" };
}

/** Runs the Node client for one round; throws at the first refused or lost message. */
export async function runNodeLoad(options: NodeLoadOptions): Promise<LoadRun> {
  const latenciesMs: number[] = [];
  const starts = new Map<string, number>();
  let next = 0;
  let tls: TlsSeen | undefined;
  const cpuBefore = process.cpuUsage();
  const started = monotonicMs();
  const deadline = started + options.seconds * 1000;
  let lastAccept = started;

  const sendOne = async (connection: SMTPConnection) => {
    const n = next++;
    const message = options.messages[n % options.messages.length]!;
    const id = `${options.idPrefix}.${n}`;
    const raw = Buffer.concat([Buffer.from(`X-Bench-Id: ${id}\r\n`), message.raw]);
    const begun = monotonicMs();
    starts.set(id, begun);
    await new Promise<void>((resolve, reject) => connection.send({ from: message.from, to: message.to }, raw, (error) => (error ? reject(error) : resolve())));
    lastAccept = monotonicMs();
    latenciesMs.push(lastAccept - begun);
  };

  const session = async () => {
    if (options.mode === "new") {
      while (monotonicMs() < deadline) {
        const connection = await open(options);
        await sendOne(connection);
        // a mail program waits for 221 and the close before its next message: at most `sessions` open at once
        await quitAndWait(connection);
      }
      return;
    }
    const connection = await open(options);
    tls ??= tlsOf(connection);
    try {
      while (monotonicMs() < deadline) await sendOne(connection);
    } finally {
      connection.quit();
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, options.sessions) }, session));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    accepted: latenciesMs.length,
    startedAtMs: started,
    acceptSeconds: (lastAccept - started) / 1000,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    latenciesMs,
    starts,
    ...(tls ? { tls } : {}),
  };
}

export interface SmtpSourceOptions {
  binary: string;
  port: number;
  sessions: number;
  messages: number;
  bytes: number;
  /** `-d`: sessions stay open and send the next message (smtp-source's default is one per connection). */
  reuse: boolean;
}

/**
 * One smtp-source run: its wall clock (spawn to exit) is the accept time, since it exits after
 * the last 250; its CPU is what the kernel added to this process's reaped-children time.
 * Throws when it exits non-zero or complains (its messages were then not all accepted).
 */
export async function runSmtpSource(options: SmtpSourceOptions): Promise<LoadRun> {
  const args = ["-s", String(options.sessions), "-m", String(options.messages), "-l", String(options.bytes)];
  args.push("-f", `${BENCH_LOGIN}@${BENCH_DOMAIN}`, "-t", `rcpt@${BENCH_DOMAIN}`, "-M", "client.bench.test");
  if (options.reuse) args.unshift("-d");
  const cpuBefore = reapedChildrenCpuSeconds();
  const started = monotonicMs();
  const { code, stderr } = await runLoadProcess(options.binary, [...args, `127.0.0.1:${options.port}`]);
  const acceptSeconds = (monotonicMs() - started) / 1000;
  const complaint = stderr.split("\n").find((line) => /warning|fatal|error/i.test(line));
  if (code !== 0 || complaint) throw new Error(`smtp-source ${args.join(" ")}: ${complaint ?? `exit ${code}`}`);
  return { accepted: options.messages, startedAtMs: started, acceptSeconds, clientCpuSeconds: reapedChildrenCpuSeconds() - cpuBefore };
}

/** Runs a load generator to its end (killed after 10 minutes): its exit code and the start of its stderr. */
function runLoadProcess(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let text = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      if (text.length < 100_000) text += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
    child.once("error", reject);
    child.once("close", (exitCode) => {
      clearTimeout(timer);
      resolve({ code: exitCode, stderr: text });
    });
  });
}

/** The Node client's messages, the same in every process: 200 of 5-50 KB, cycled. */
export function fullPathMessages(): BenchMessage[] {
  return generateMessages(200, `${BENCH_LOGIN}@${BENCH_DOMAIN}`, BENCH_DOMAIN);
}

/** What bench/fullPathLoad.ts is given: the Node client's options but its messages (it makes them). */
export type NodeLoadRequest = Omit<NodeLoadOptions, "messages">;

/**
 * The Node client for one round in a process of its own (bench/fullPathLoad.ts), which writes
 * its LoadRun to a file; its CPU is its own process's. Throws when the client failed.
 */
export async function runNodeLoadApart(request: NodeLoadRequest): Promise<LoadRun> {
  const result = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "msa-bench-load-")), "run.json");
  try {
    const { code, stderr } = await runLoadProcess(process.execPath, [fullPathLoadPath, JSON.stringify(request), result]);
    if (code !== 0) throw new Error(`the Node client failed (exit ${code}): ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
    const run = JSON.parse(fs.readFileSync(result, "utf8")) as Omit<LoadRun, "starts"> & { starts: [string, number][] };
    return { ...run, starts: new Map(run.starts) };
  } finally {
    fs.rmSync(path.dirname(result), { recursive: true, force: true });
  }
}
