// The full-path section: msa storing and forwarding (`deliver spool "DIR" relay`) against a
// private Postfix relaying to the same kind of sink, like for like, in the same invocation,
// the sides alternating round by round. Each round is timed until the last client's 250
// (accepted) and until the sink has counted every one of those messages (full); the counts
// must match and both queues be empty before the next round, or the section fails. A store-
// only cell compares msa's `deliver spool` with Postfix holding every message; msa's in-line
// relay (`deliver relay`) is measured beside some cells as msa's own mode.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { ensureDevCertificate } from "../cli/devCertificate.js";
import { BENCH_DOMAIN, BENCH_LOGIN, sendersBlock } from "./benchPolicy.js";
import { type ClientMode, type LoadRun, runNodeLoadApart, runSmtpSource, type TlsSeen } from "./fullPathClient.js";
import { processTreeCpuSeconds } from "./procStats.js";
import { type SinkKind, type SinkUnderTest, startBenchSink, startSmtpSink } from "./fullPathSinks.js";
import { startPostfixInstance, type PostfixInstance } from "./postfixInstance.js";
import { cpuSeconds, MB, peakResidentBytes } from "./procStats.js";
import { type Child, freePort, msacPath, startNode, waitForPort } from "./processes.js";
import { percentile, ratio, summarize, type Summary } from "./stats.js";
import { serverNodeArguments } from "./wire.js";

const run = promisify(execFile);

export interface FullPathCellConfig {
  /** full: store and forward, timed to the sink; store: stored and fsync'd, nothing forwarded. */
  kind: "full" | "store";
  mode: ClientMode;
  sessions: number;
  generator: "node" | "smtp-source";
  sink: SinkKind;
  /** Also measure msa's in-line relay (`deliver relay`) in this cell (full cells only). */
  inline?: boolean;
}

export interface FullPathConfig {
  /** Each round's clients send for at least this long (smtp-source: a count calibrated to it). */
  roundSeconds: number;
  rounds: number;
  /** An unmeasured round per side first (0: none, except smtp-source's calibration run). */
  warmupSeconds: number;
  /** smtp-source's `-l`: message payload bytes (the Node client's messages are 5-50 KB). */
  smtpSourceBytes: number;
  cells: FullPathCellConfig[];
}

export type FullPathSideName = "msa" | "postfix" | "msa-inline";

export interface FullPathSide {
  side: FullPathSideName;
  /** Messages the clients got 250 for, per round. */
  messages: Summary;
  /** Accepted messages over the time to the last client's 250. */
  acceptedPerSecond: Summary;
  /** Accepted messages over the time until the sink had counted them all (full cells). */
  fullPerSecond: Summary | null;
  /** The share of the round's messages already at the sink when the last 250 came. */
  atSinkWhenAccepted: Summary | null;
  /** Per message on the client, MAIL FROM to the 250 after the data (Node client). */
  p50Ms: Summary | null;
  p99Ms: Summary | null;
  /** Per message, the client starting its transaction to the sink receiving it (Node client, bench sink). */
  fullP50Ms: Summary | null;
  fullP99Ms: Summary | null;
  /** msa: its process; Postfix: its master and every process the master ran. */
  serverCpuSecondsPer1000: Summary;
  clientCpuSecondsPer1000: Summary;
  sinkCpuSecondsPer1000: Summary | null;
  /** VmHWM of the msa process at the end of the cell (null for Postfix). */
  peakRssMB: number | null;
  /** What the client's socket negotiated (tls-auth mode). */
  tls: TlsSeen | null;
}

export interface FullPathCell extends FullPathCellConfig {
  label: string;
  sides: FullPathSide[];
  /** msa's msg/s median over Postfix's: full msg/s in full cells, accepted msg/s in store cells. */
  ratioVsPostfix: number;
  /** msa's full-path p99 latency median over Postfix's (at most 1: no worse). */
  fullP99RatioVsPostfix: number;
}

export interface FullPathReport {
  note: string;
  postfix: { path: string; version: string; smtpdPeernameLookup: string; relayhost: string } | null;
  roundSeconds: number;
  rounds: number;
  cells: FullPathCell[];
}

function which(command: string): string | undefined {
  try {
    const found = execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim();
    if (found) return found;
  } catch {
    // not on PATH
  }
  return [`/usr/sbin/${command}`, `/usr/local/sbin/${command}`].find((candidate) => fs.existsSync(candidate));
}

export function cellLabel(cell: FullPathCellConfig): string {
  return `${cell.kind} ${cell.mode} ${cell.sessions} sessions, ${cell.generator}, ${cell.kind === "store" ? "no sink" : cell.sink}`;
}

interface SideUnderTest {
  name: FullPathSideName;
  port: number;
  cpuSeconds(): number;
  peakRssMB(): number | null;
  /** Waits (bounded) until nothing is queued any more. */
  drained(timeoutMs: number): Promise<void>;
  /** Store cells: how many messages are stored, which it then removes. */
  takeStored(): Promise<number>;
  stop(): Promise<void>;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface CellContext {
  workDir: string;
  tag: string;
  certificate: string;
  key: string;
  usersFile: string;
  sinkPort: number;
  msac: string;
}

/** The rules both msa sides share with the Postfix services as far as they go (see bench/README.md). */
function msaPolicy(cell: FullPathCellConfig, context: CellContext, port: number, deliver: string): string {
  const access =
    cell.mode === "tls-auth"
      ? [
          `tls certificate ${JSON.stringify(context.certificate)} key ${JSON.stringify(context.key)}`,
          `listen 127.0.0.1:${port} starttls`,
          `auth users ${JSON.stringify(context.usersFile)}`,
          "require tls",
          "require auth",
          // Postfix's submission service: reject_sender_login_mismatch on the same 101-login table.
          sendersBlock(100, [`${BENCH_LOGIN}: ${BENCH_LOGIN}@${BENCH_DOMAIN}`]),
        ]
      : [`listen 127.0.0.1:${port} plain`, "allow unauthenticated"];
  // As Postfix here (smtpd_client_connection_count_limit = 0): no session limit in the way. With
  // new connections a client's next session can arrive before the server has seen its last one close.
  const sessions = cell.sessions * 4 + 100;
  return [
    "hostname msa.bench.test",
    ...access,
    `qualify domains ${BENCH_DOMAIN}`,
    "enforce address syntax",
    "limit size 10MB",
    "limit recipients 50",
    `limit sessions ${sessions}`,
    `limit sessions per ip ${sessions}`,
    "add Date",
    "add Message-ID",
    "add Received",
    // what production runs; Postfix logs every message too
    "log info",
    deliver,
    "",
  ].join("\n");
}

async function startMsaSide(name: "msa" | "msa-inline", cell: FullPathCellConfig, context: CellContext): Promise<SideUnderTest> {
  const port = await freePort();
  const spool = path.join(context.workDir, `${context.tag}-${name}-spool`);
  const relay = `relay smtp://127.0.0.1:${context.sinkPort}`;
  const deliver = name === "msa-inline" ? `deliver ${relay}` : cell.kind === "store" ? `deliver spool ${JSON.stringify(spool)}` : `deliver spool ${JSON.stringify(spool)} ${relay}`;
  const policyFile = path.join(context.workDir, `${context.tag}-${name}.msa`);
  fs.writeFileSync(policyFile, msaPolicy(cell, context, port, deliver));
  const child: Child = startNode([...serverNodeArguments(), context.msac, "serve", policyFile]);
  try {
    await waitForPort(port, child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  const queued = () => {
    try {
      return fs.readdirSync(path.join(spool, "new")).filter((file) => file.endsWith(".msg"));
    } catch {
      return []; // nothing spooled yet (or the in-line relay, which has no spool)
    }
  };
  return {
    name,
    port,
    cpuSeconds: () => cpuSeconds(child.pid),
    peakRssMB: () => peakResidentBytes(child.pid) / MB,
    drained: (timeoutMs) =>
      until(
        () => queued().length === 0,
        timeoutMs,
        () => `msa's spool still holds ${queued().length} records in new/`,
      ),
    async takeStored() {
      const files = queued();
      for (const file of files) fs.rmSync(path.join(spool, "new", file));
      return files.length;
    },
    stop: () => child.stop(),
  };
}

async function startPostfixSide(postfix: string, cell: FullPathCellConfig, context: CellContext): Promise<{ side: SideUnderTest; instance: PostfixInstance }> {
  const instance = await startPostfixInstance({
    postfix,
    certificate: context.certificate,
    key: context.key,
    sinkPort: context.sinkPort,
    holdEverything: cell.kind === "store",
    processLimit: Math.max(100, cell.sessions + 20),
  });
  const sbin = path.dirname(postfix);
  const queue = async () => {
    const { stdout } = await run(path.join(sbin, "postqueue"), ["-c", instance.dir, "-j"], { maxBuffer: 256 * MB });
    return stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { queue_name: string; queue_id: string });
  };
  let lastQueue: { queue_name: string }[] = [];
  const side: SideUnderTest = {
    name: "postfix",
    port: cell.mode === "tls-auth" ? instance.submissionPort : instance.plainPort,
    cpuSeconds: () => processTreeCpuSeconds(instance.masterPid()),
    peakRssMB: () => null,
    drained: (timeoutMs) =>
      until(
        async () => (lastQueue = await queue()).length === 0,
        timeoutMs,
        () => `Postfix's queue still holds ${lastQueue.length} messages (${[...new Set(lastQueue.map((entry) => entry.queue_name))].join(", ")})`,
      ),
    async takeStored() {
      const entries = await queue();
      const notHeld = entries.filter((entry) => entry.queue_name !== "hold");
      if (notHeld.length) throw new Error(`Postfix queued ${notHeld.length} messages outside the hold queue in a store-only round`);
      await run(path.join(sbin, "postsuper"), ["-c", instance.dir, "-d", "ALL", "hold"]);
      return entries.length;
    },
    stop: () => instance.stop(),
  };
  return { side, instance };
}

/** What one measured round gave for one side. */
interface RoundFigures {
  accepted: number;
  acceptPerSecond: number;
  fullPerSecond?: number;
  atSink?: number;
  p50?: number;
  p99?: number;
  fullP50?: number;
  fullP99?: number;
  serverCpuPer1000: number;
  clientCpuPer1000: number;
  sinkCpuPer1000?: number;
  tls?: TlsSeen;
}

interface RoundSetup {
  cell: FullPathCellConfig;
  side: SideUnderTest;
  sink: SinkUnderTest;
  seconds: number;
  idPrefix: string;
  smtpSource?: string;
  smtpSourceBytes: number;
  /** smtp-source: how many messages (calibrated). */
  smtpSourceMessages: number;
}

/** One round against one side: load, accept time, full time at the sink, counts and drain checked. */
async function runRound(setup: RoundSetup): Promise<RoundFigures> {
  const { cell, side, sink } = setup;
  const timeoutMs = 60_000 + setup.seconds * 10_000;
  const sinkBefore = await sink.count();
  await sink.takeArrivals();
  const serverCpuBefore = side.cpuSeconds();
  const sinkCpuBefore = sink.cpuSeconds();
  const load: LoadRun =
    setup.cell.generator === "node"
      ? await runNodeLoadApart({ port: side.port, mode: cell.mode, sessions: cell.sessions, seconds: setup.seconds, idPrefix: setup.idPrefix })
      : await runSmtpSource({
          binary: setup.smtpSource!,
          port: side.port,
          sessions: cell.sessions,
          messages: setup.smtpSourceMessages,
          bytes: setup.smtpSourceBytes,
          reuse: cell.mode === "reused",
        });
  if (load.accepted === 0) throw new Error(`${side.name}: no message accepted in a round`);
  const atSinkWhenAccepted = (await sink.count()) - sinkBefore;
  let fullSeconds: number | undefined;
  if (cell.kind === "full") {
    await sink.waitFor(sinkBefore + load.accepted, timeoutMs);
    // from the load's own start (the Node client's process start-up is not the servers' time)
    fullSeconds = (Number(process.hrtime.bigint()) / 1e6 - load.startedAtMs) / 1000;
  }
  const serverCpu = side.cpuSeconds() - serverCpuBefore;
  const sinkCpu = sink.cpuSeconds() - sinkCpuBefore;
  const arrivals = await sink.takeArrivals();
  // Counts: nothing left queued, and the sink saw exactly the accepted messages (store: none).
  if (cell.kind === "full") await side.drained(timeoutMs);
  const stored = cell.kind === "store" ? await side.takeStored() : undefined;
  const atSink = (await sink.count()) - sinkBefore;
  const expectedAtSink = cell.kind === "full" ? load.accepted : 0;
  if (atSink !== expectedAtSink) throw new Error(`${side.name}: the sink counted ${atSink} messages, the clients got 250 for ${load.accepted}`);
  if (stored !== undefined && stored !== load.accepted) throw new Error(`${side.name}: ${stored} messages stored, the clients got 250 for ${load.accepted}`);
  const figures: RoundFigures = {
    accepted: load.accepted,
    acceptPerSecond: load.accepted / load.acceptSeconds,
    serverCpuPer1000: (serverCpu / load.accepted) * 1000,
    clientCpuPer1000: (load.clientCpuSeconds / load.accepted) * 1000,
    ...(load.tls ? { tls: load.tls } : {}),
  };
  if (cell.kind === "full") {
    figures.fullPerSecond = load.accepted / fullSeconds!;
    figures.atSink = atSinkWhenAccepted / load.accepted;
    figures.sinkCpuPer1000 = (sinkCpu / load.accepted) * 1000;
  }
  if (load.latenciesMs) {
    figures.p50 = percentile(load.latenciesMs, 0.5);
    figures.p99 = percentile(load.latenciesMs, 0.99);
  }
  if (cell.kind === "full" && arrivals && load.starts) {
    const fullLatencies: number[] = [];
    for (const [id, start] of load.starts) {
      const arrival = arrivals.get(id);
      if (arrival !== undefined) fullLatencies.push(arrival - start);
    }
    if (fullLatencies.length !== load.accepted) throw new Error(`${side.name}: the sink timed ${fullLatencies.length} tagged arrivals of ${load.accepted} messages`);
    figures.fullP50 = percentile(fullLatencies, 0.5);
    figures.fullP99 = percentile(fullLatencies, 0.99);
  }
  return figures;
}

function sideFigures(name: FullPathSideName, rounds: RoundFigures[], peakRssMB: number | null): FullPathSide {
  const of = (pick: (round: RoundFigures) => number | undefined): Summary | null => {
    const values = rounds.map(pick).filter((value): value is number => value !== undefined);
    return values.length ? summarize(values) : null;
  };
  return {
    side: name,
    messages: summarize(rounds.map((round) => round.accepted)),
    acceptedPerSecond: summarize(rounds.map((round) => round.acceptPerSecond)),
    fullPerSecond: of((round) => round.fullPerSecond),
    atSinkWhenAccepted: of((round) => round.atSink),
    p50Ms: of((round) => round.p50),
    p99Ms: of((round) => round.p99),
    fullP50Ms: of((round) => round.fullP50),
    fullP99Ms: of((round) => round.fullP99),
    serverCpuSecondsPer1000: summarize(rounds.map((round) => round.serverCpuPer1000)),
    clientCpuSecondsPer1000: summarize(rounds.map((round) => round.clientCpuPer1000)),
    sinkCpuSecondsPer1000: of((round) => round.sinkCpuPer1000),
    peakRssMB,
    tls: rounds.find((round) => round.tls)?.tls ?? null,
  };
}

export interface FullPathOptions extends FullPathConfig {
  workDir: string;
  /** Users file line `LOGIN:HASH` for the bench login (msa's tls-auth sides). */
  usersLine: string;
  /** Another build's dist/cli/msac.js, for an A/B against the code before a change. */
  msac?: string;
  /** Leave Postfix out (msa's sides alone, e.g. for an A/B). */
  withoutPostfix?: boolean;
}

async function runCell(
  cell: FullPathCellConfig,
  index: number,
  options: FullPathOptions,
  tools: { postfix?: string; smtpSource?: string; smtpSink?: string },
  shared: { certificate: string; key: string; usersFile: string },
  noteSettings: (instance: PostfixInstance, sinkPort: number) => void,
): Promise<FullPathCell> {
  const sink = cell.sink === "smtp-sink" ? await startSmtpSink(tools.smtpSink!) : await startBenchSink();
  const sides: SideUnderTest[] = [];
  try {
    const context: CellContext = { workDir: options.workDir, tag: `cell${index}`, ...shared, sinkPort: sink.port, msac: options.msac ?? msacPath };
    sides.push(await startMsaSide("msa", cell, context));
    if (tools.postfix) {
      const { side, instance } = await startPostfixSide(tools.postfix, cell, context);
      sides.push(side);
      noteSettings(instance, sink.port);
    }
    if (cell.inline && cell.kind === "full") sides.push(await startMsaSide("msa-inline", cell, context));

    const calibrated = new Map<SideUnderTest, number>();
    const setup = (side: SideUnderTest, seconds: number, round: string): RoundSetup => ({
      cell,
      side,
      sink,
      seconds,
      idPrefix: `${index}.${side.name}.${round}`,
      ...(tools.smtpSource ? { smtpSource: tools.smtpSource } : {}),
      smtpSourceBytes: options.smtpSourceBytes,
      smtpSourceMessages: calibrated.get(side) ?? Math.max(4 * cell.sessions, 20),
    });
    // smtp-source takes a count, not a time: each run at a side's pace sizes its next one.
    const measure = async (side: SideUnderTest, seconds: number, round: string) => {
      const figures = await runRound(setup(side, seconds, round));
      if (cell.generator === "smtp-source") calibrated.set(side, Math.max(cell.sessions, Math.ceil(figures.acceptPerSecond * options.roundSeconds)));
      return figures;
    };
    for (const side of sides) {
      if (cell.generator === "smtp-source") await measure(side, 0, "calibration");
      if (options.warmupSeconds > 0) await measure(side, options.warmupSeconds, "warmup");
    }
    const results = new Map<SideUnderTest, RoundFigures[]>(sides.map((side) => [side, []]));
    for (let round = 0; round < options.rounds; round++) {
      // The order rotates round by round, so no side always goes first.
      for (let i = 0; i < sides.length; i++) {
        const side = sides[(i + round) % sides.length]!;
        results.get(side)!.push(await measure(side, options.roundSeconds, String(round)));
      }
    }
    const figures = sides.map((side) => sideFigures(side.name, results.get(side)!, side.peakRssMB()));
    const msa = figures.find((side) => side.side === "msa")!;
    const postfix = figures.find((side) => side.side === "postfix");
    const rate = (side: FullPathSide | undefined) => (cell.kind === "full" ? side?.fullPerSecond?.median : side?.acceptedPerSecond.median) ?? Number.NaN;
    return {
      ...cell,
      label: cellLabel(cell),
      sides: figures,
      ratioVsPostfix: ratio(rate(msa), rate(postfix)),
      fullP99RatioVsPostfix: ratio(msa.fullP99Ms?.median ?? Number.NaN, postfix?.fullP99Ms?.median ?? Number.NaN),
    };
  } finally {
    for (const side of sides) await side.stop();
    await sink.stop();
  }
}

/**
 * Runs every cell the machine can run: without Postfix (or as a non-root user) the msa sides
 * alone, without smtp-source or smtp-sink the cells that need them are left out; the note says
 * which. A round whose counts do not match throws, and the section fails.
 */
export async function runFullPath(options: FullPathOptions, progress: (message: string) => void = () => undefined): Promise<FullPathReport> {
  fs.mkdirSync(options.workDir, { recursive: true });
  const notes: string[] = [];
  let postfix = which("postfix");
  const smtpSource = which("smtp-source");
  const smtpSink = which("smtp-sink");
  if (options.withoutPostfix) {
    postfix = undefined;
    notes.push("postfix: left out, msa alone");
  } else if (!postfix) notes.push("postfix: not installed (see bench/README.md), msa alone");
  else if (process.getuid?.() !== 0) {
    notes.push("postfix: a private instance needs root, msa alone");
    postfix = undefined;
  }
  const { certificate, key } = await ensureDevCertificate(path.join(options.workDir, "certs"), "localhost");
  const usersFile = path.join(options.workDir, "users.passwd");
  fs.writeFileSync(usersFile, options.usersLine + "\n");
  let postfixFacts: FullPathReport["postfix"] = null;
  const noteSettings = (instance: PostfixInstance, sinkPort: number) => {
    const facts = {
      path: postfix!,
      version: instance.setting("mail_version"),
      smtpdPeernameLookup: instance.setting("smtpd_peername_lookup"),
      relayhost: instance.setting("relayhost"),
    };
    // like for like: no client name lookups, and a numeric relayhost in brackets (no MX or A lookup)
    if (facts.smtpdPeernameLookup !== "no") throw new Error(`Postfix runs with smtpd_peername_lookup = ${facts.smtpdPeernameLookup}`);
    if (facts.relayhost !== `[127.0.0.1]:${sinkPort}`) throw new Error(`Postfix relays to ${facts.relayhost}, not the sink`);
    postfixFacts = facts;
  };
  const cells: FullPathCell[] = [];
  for (const [index, cell] of options.cells.entries()) {
    const missing = cell.generator === "smtp-source" && !smtpSource ? "smtp-source" : cell.sink === "smtp-sink" && !smtpSink ? "smtp-sink" : undefined;
    if (missing) {
      notes.push(`${cellLabel(cell)}: left out (${missing} not installed)`);
      continue;
    }
    progress(`full path: ${cellLabel(cell)}, ${options.rounds} rounds of ${options.roundSeconds} s`);
    cells.push(
      await runCell(
        cell,
        index,
        options,
        { ...(postfix ? { postfix } : {}), ...(smtpSource ? { smtpSource } : {}), ...(smtpSink ? { smtpSink } : {}) },
        { certificate, key, usersFile },
        noteSettings,
      ),
    );
  }
  return {
    note: notes.join("; ") || "msa and a private Postfix instance, same sink, same rounds",
    postfix: postfixFacts,
    roundSeconds: options.roundSeconds,
    rounds: options.rounds,
    cells,
  };
}

/** The full-path targets; judged only with full-size rounds (at least 5 of 10 s). */
export function fullPathTargets(report: FullPathReport): { name: string; target: string; measured: string; met: boolean | null }[] {
  const judged = report.rounds >= 5 && report.roundSeconds >= 10;
  const targets: { name: string; target: string; measured: string; met: boolean | null }[] = [];
  for (const cell of report.cells) {
    if (cell.kind !== "full" || cell.generator !== "node") continue;
    const value = cell.ratioVsPostfix;
    targets.push({
      name: `full path ${cell.mode}, ${cell.sessions} sessions: msa vs Postfix msg/s`,
      target: ">= 1.50x",
      measured: Number.isFinite(value) ? `${value.toFixed(2)}x` : "-",
      met: judged && Number.isFinite(value) ? value >= 1.5 : null,
    });
    if (cell.mode !== "reused") continue;
    const p99 = cell.fullP99RatioVsPostfix;
    targets.push({
      name: `full path p99 latency, reused, ${cell.sessions} sessions: msa vs Postfix`,
      target: "<= 1.00x",
      measured: Number.isFinite(p99) ? `${p99.toFixed(2)}x` : "-",
      met: judged && Number.isFinite(p99) ? p99 <= 1 : null,
    });
  }
  return targets;
}
