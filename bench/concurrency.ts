// Concurrency: what idle sessions cost the server. Opens N sessions the way MUAs leave them
// (greeting, EHLO, STARTTLS, TLS handshake, EHLO again, then silence), forces a full GC in the
// server and reads its memory; subtracts the same process's figures before the first session
// (also after a forced GC). The server runs under servers/gcHost.ts, which answers "gc" over an
// IPC channel, so the product needs no bench hook. Each (server, N, repetition) is a fresh
// process; the order of the N rotates between repetitions and the servers alternate, so that a
// machine that changes over time favours no N and no server. The bare smtp-server is measured the
// same way in the same run as the baseline.
import fs from "node:fs";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { wirePolicy } from "./benchPolicy.js";
import type { Target } from "./harness.js";
import { MB } from "./procStats.js";
import { askChild, bareServerPath, freePort, gcHostPath, msacPath, startNode, waitForPort, waitForPortLine, type Child } from "./processes.js";
import { ratio, summarize, type Summary } from "./stats.js";

export type IdleServerKind = "bare" | "msa";

export interface ConcurrencyOptions {
  /** Numbers of idle sessions, each measured on a fresh server process. */
  sizes: number[];
  /** Measurements per (server, N); the order of the N rotates between them. */
  repetitions: number;
  /** Sessions being opened at once (connect to idle) by the client. */
  parallel: number;
  /** Wait after the last session opened, before the forced GC. */
  settleMs: number;
}

/** What the harness has ready for the servers: the bench certificate, users file and sink. */
export interface ConcurrencyFixture {
  workDir: string;
  certificate: string;
  key: string;
  usersFile: string;
  sinkPort: number;
}

/** One (server, N): medians over the repetitions (Summary), memory after a forced GC. */
export interface ConcurrencyRow {
  server: IdleServerKind;
  sessions: number;
  /** Sessions that reached the idle state and were still open at the reading, fewest over the repetitions (a shortfall fails the section). */
  opened: number;
  /** RSS after a forced GC before the first session, and with the N sessions open. */
  rssBeforeMB: Summary;
  rssWithSessionsMB: Summary;
  /** (RSS with - RSS before) / sessions. */
  kbPerSession: Summary;
  /** The same difference for V8's heap used, external memory and ArrayBuffers (process.memoryUsage()). */
  heapUsedKbPerSession: Summary;
  externalKbPerSession: Summary;
  arrayBuffersKbPerSession: Summary;
  /**
   * (RSS with N - RSS with the next smaller N) / (difference in N), from the medians: the cost of
   * one more session once the process has grown, free of the slack a process carries from its
   * start (freed memory that malloc and V8 reuse before asking the system for more). NaN for the smallest N.
   */
  marginalKbPerSession: number;
  /** kbPerSession median over bare's at the same N (1 for bare). */
  ratioVsBare: number;
}

/** Reads SMTP replies from a socket: resolves with the next complete reply (last line `NNN `). */
function replyReader(socket: Socket | TLSSocket): { next(): Promise<string>; detach(): void } {
  let buffer = "";
  let waiting: ((reply: string) => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  const take = () => {
    const match = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
    if (match && waiting) {
      const end = match.index + match[0].length;
      const reply = buffer.slice(0, end);
      buffer = buffer.slice(end);
      const resolve = waiting;
      waiting = undefined;
      resolve(reply);
    }
  };
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString("latin1");
    take();
  };
  const onError = (error: Error) => failed?.(error);
  socket.on("data", onData);
  socket.on("error", onError);
  return {
    next: () =>
      new Promise<string>((resolve, reject) => {
        waiting = resolve;
        failed = reject;
        take();
      }),
    detach: () => {
      socket.off("data", onData);
      socket.off("error", onError);
    },
  };
}

async function expect(reader: { next(): Promise<string> }, code: string): Promise<void> {
  const reply = await reader.next();
  if (!reply.startsWith(code)) throw new Error(`expected ${code}, got ${reply.trim()}`);
}

/** One idle STARTTLS session; resolves with its TLS socket once the second EHLO is answered. */
export async function openIdleSession(port: number): Promise<TLSSocket> {
  const socket = connect({ host: "127.0.0.1", port });
  let secure: TLSSocket | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const plain = replyReader(socket);
    await expect(plain, "220");
    socket.write("EHLO idle.bench.test\r\n");
    await expect(plain, "250");
    socket.write("STARTTLS\r\n");
    await expect(plain, "220");
    plain.detach();
    const tls = tlsConnect({ socket, rejectUnauthorized: false, servername: "localhost" });
    secure = tls;
    await new Promise<void>((resolve, reject) => {
      tls.once("secureConnect", resolve);
      tls.once("error", reject);
    });
    const reader = replyReader(tls);
    tls.write("EHLO idle.bench.test\r\n");
    await expect(reader, "250");
    reader.detach();
    tls.on("error", () => undefined);
    return tls;
  } catch (error) {
    secure?.destroy();
    socket.destroy();
    throw error;
  }
}

/** Asks a server under gcHost for a full GC; resolves with its memory afterwards. */
function collectGarbage(child: Child): Promise<NodeJS.MemoryUsage> {
  return askChild<NodeJS.MemoryUsage>(child, "gc", 60_000, "the server under gcHost");
}

/**
 * A full GC, a pause, and another: V8 gives freed pages back to the system lazily, so the second
 * reading is the one that no longer holds the garbage of what ran before (startup, compilation).
 */
async function settledMemory(child: Child, settleMs: number): Promise<NodeJS.MemoryUsage> {
  await collectGarbage(child);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return collectGarbage(child);
}

/** Starts one server under gcHost; resolves with it and its port. */
async function startIdleServer(kind: IdleServerKind, fixture: ConcurrencyFixture, sessions: number): Promise<{ child: Child; port: number }> {
  if (kind === "bare") {
    const child = startNode(["--expose-gc", gcHostPath, bareServerPath, "bare", fixture.certificate, fixture.key], { ipc: true });
    try {
      return { child, port: await waitForPortLine(child) };
    } catch (error) {
      await child.stop();
      throw error;
    }
  }
  const port = await freePort();
  const policyFile = path.join(fixture.workDir, `concurrency-${sessions}.msa`);
  // Every bench session comes from 127.0.0.1: raise both session limits (defaults 500 and 20 per address) above N.
  const limit = sessions + 10;
  fs.writeFileSync(
    policyFile,
    wirePolicy({
      port,
      certificate: fixture.certificate,
      key: fixture.key,
      usersFile: fixture.usersFile,
      delivery: { kind: "relay", port: fixture.sinkPort },
      extra: [`limit sessions ${limit}`, `limit sessions per ip ${limit}`],
    }),
  );
  const child = startNode(["--expose-gc", gcHostPath, msacPath, "serve", policyFile], { ipc: true });
  try {
    await waitForPort(port, child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { child, port };
}

/** Opens `count` idle sessions, at most `parallel` at a time; throws with the first error if any failed. */
async function openIdleSessions(port: number, count: number, parallel: number, into: TLSSocket[]): Promise<void> {
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const opener = async () => {
    while (next < count) {
      next++;
      try {
        into.push(await openIdleSession(port));
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, count)) }, opener));
  if (failed) throw new Error(`${failed} of ${count} idle sessions did not open: ${firstError}`);
}

interface Sample {
  opened: number;
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
}

async function measureOnce(kind: IdleServerKind, fixture: ConcurrencyFixture, sessions: number, options: ConcurrencyOptions): Promise<Sample> {
  const { child, port } = await startIdleServer(kind, fixture, sessions);
  const open: TLSSocket[] = [];
  try {
    // One session first, so lazily loaded code (TLS, the policy's session setup) is not counted as per-session cost.
    (await openIdleSession(port)).destroy();
    await new Promise((resolve) => setTimeout(resolve, options.settleMs));
    const before = await settledMemory(child, options.settleMs);
    await openIdleSessions(port, sessions, options.parallel, open);
    await new Promise((resolve) => setTimeout(resolve, options.settleMs));
    const after = await settledMemory(child, options.settleMs);
    const opened = open.filter((socket) => !socket.destroyed && socket.readyState === "open").length;
    if (opened !== sessions) throw new Error(`${kind}: ${opened} of ${sessions} idle sessions were still open when memory was read`);
    return { opened, before, after };
  } finally {
    for (const socket of open) socket.destroy();
    await child.stop();
  }
}

/** Every N for both servers, `repetitions` times, in rotated order; one row per (server, N). */
export async function measureConcurrency(
  fixture: ConcurrencyFixture,
  options: ConcurrencyOptions,
  progress: (message: string) => void = () => undefined,
): Promise<ConcurrencyRow[]> {
  const servers: IdleServerKind[] = ["bare", "msa"];
  const samples = new Map<string, Sample[]>();
  for (let repetition = 0; repetition < options.repetitions; repetition++) {
    const sizes = options.sizes.map((_, i) => options.sizes[(i + repetition) % options.sizes.length]!);
    for (const [i, sessions] of sizes.entries()) {
      const order = (i + repetition) % 2 === 0 ? servers : [...servers].reverse();
      for (const kind of order) {
        progress(`concurrency: ${kind}, ${sessions} idle sessions (repetition ${repetition + 1} of ${options.repetitions})`);
        const key = `${kind} ${sessions}`;
        samples.set(key, [...(samples.get(key) ?? []), await measureOnce(kind, fixture, sessions, options)]);
      }
    }
  }
  const rows: ConcurrencyRow[] = [];
  for (const kind of servers) {
    for (const sessions of [...options.sizes].sort((a, b) => a - b)) {
      const taken = samples.get(`${kind} ${sessions}`)!;
      const perSession = (field: keyof NodeJS.MemoryUsage) => summarize(taken.map((s) => (s.after[field] - s.before[field]) / 1024 / sessions));
      rows.push({
        server: kind,
        sessions,
        opened: Math.min(...taken.map((s) => s.opened)),
        rssBeforeMB: summarize(taken.map((s) => s.before.rss / MB)),
        rssWithSessionsMB: summarize(taken.map((s) => s.after.rss / MB)),
        kbPerSession: perSession("rss"),
        heapUsedKbPerSession: perSession("heapUsed"),
        externalKbPerSession: perSession("external"),
        arrayBuffersKbPerSession: perSession("arrayBuffers"),
        marginalKbPerSession: Number.NaN,
        ratioVsBare: Number.NaN,
      });
    }
  }
  for (const row of rows) {
    const smaller = rows.filter((other) => other.server === row.server && other.sessions < row.sessions).at(-1);
    if (smaller) row.marginalKbPerSession = ((row.rssWithSessionsMB.median - smaller.rssWithSessionsMB.median) * 1024) / (row.sessions - smaller.sessions);
    const bare = rows.find((other) => other.server === "bare" && other.sessions === row.sessions);
    row.ratioVsBare = bare ? ratio(row.kbPerSession.median, bare.kbPerSession.median) : Number.NaN;
  }
  return rows;
}

/**
 * The target, 10,000 idle TLS sessions under 500 MB (msa's RSS with them open, after a
 * forced GC), and the older 1,000 sessions under 150 MB. A run without that N shows the
 * extrapolation from its largest N (its RSS plus the marginal KB per session, or KB per session
 * when there is no smaller N, for each session more) and is not judged.
 */
export function idleSessionTargets(rows: readonly ConcurrencyRow[]): Target[] {
  const msaRows = rows.filter((row) => row.server === "msa");
  const largest = msaRows.at(-1);
  if (!largest) return [];
  return [
    { sessions: 10_000, limitMB: 500 },
    { sessions: 1_000, limitMB: 150 },
  ].map(({ sessions, limitMB }) => {
    const measured = msaRows.find((row) => row.sessions === sessions);
    const name = `RSS with ${sessions.toLocaleString("en-US")} idle TLS sessions (msa, after GC)`;
    if (measured) return { name, target: `< ${limitMB} MB`, measured: `${measured.rssWithSessionsMB.median.toFixed(0)} MB`, met: measured.rssWithSessionsMB.median < limitMB };
    const perSession = Number.isFinite(largest.marginalKbPerSession) ? largest.marginalKbPerSession : largest.kbPerSession.median;
    const extrapolated = largest.rssWithSessionsMB.median + ((sessions - largest.sessions) * perSession) / 1024;
    return { name, target: `< ${limitMB} MB`, measured: `${extrapolated.toFixed(0)} MB (extrapolated from ${largest.sessions})`, met: null };
  });
}
