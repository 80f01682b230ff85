// Wire throughput: the same deterministic messages, over the same kind of connections,
// against three servers in the same invocation, round by round in turn so that they see
// the same machine noise:
//   bare       plain smtp-server, STARTTLS + AUTH accepting anything (the stack's ceiling)
//   msa-relay  `msac serve` on the bench policy, `deliver relay` in line to a sink
//   msa-spool  `msac serve` on the bench policy, `deliver spool` into a temporary folder
// Each server is its own process, so CPU (from /proc/PID/stat) and peak RSS (VmHWM) are
// the server's alone; each (server, style) pair gets a fresh process for its own VmHWM.
import fs from "node:fs";
import path from "node:path";
import { ensureDevCertificate } from "../cli/devCertificate.js";
import { verifyPassword } from "../runtime/auth/passwordHash.js";
import { BENCH_DOMAIN, BENCH_LOGIN, BENCH_PASSWORD, wirePolicy, type Delivery } from "./benchPolicy.js";
import { profileParts, readCpuProfile, type ProfilePart } from "./cpuProfileParts.js";
import { runLoad, type LoadResult, type LoadStyle } from "./load.js";
import { generateMessages, type BenchMessage } from "./messages.js";
import { cpuSeconds, MB, peakResidentBytes, processTreeCpuSeconds } from "./procStats.js";
import { bareServerPath, freePort, msacPath, sinkPath, startNode, waitForPort, waitForPortLine, type Child } from "./processes.js";
import { percentile, ratio, summarize, type Summary } from "./stats.js";

export type WireServerKind = "bare" | "msa-relay" | "msa-spool" | "msa-workers";

export interface WireOptions {
  workDir: string;
  /** Distinct messages for each style: sent once per round, or cycled for `roundSeconds`. */
  messagesPerStyle: Record<LoadStyle, number>;
  /** Each round lasts this long (clients start no message after it); absent: each round sends the messages once. */
  roundSeconds?: number;
  concurrency: number;
  rounds: number;
  styles: LoadStyle[];
  servers: WireServerKind[];
  /** Users file line `LOGIN:HASH` for the bench login. */
  usersLine: string;
  /** Unmeasured messages per server before the rounds (JIT, TLS). */
  warmup: number;
  /** CPU seconds one password verification costs (measurePasswordCost), for the CPU figure without AUTH. */
}

/** What one load style against one server gave, as medians over the rounds (also used by the Postfix rows). */
export interface LoadFigures {
  style: LoadStyle;
  /** Accepted messages per round, the median over the rounds. */
  messages: number;
  concurrency: number;
  failures: number;
  firstError?: string;
  msgsPerSecond: Summary;
  p50Ms: Summary;
  p99Ms: Summary;
}

/** What the rounds of load against one server gave, round by round. */
interface RoundResults {
  sent: number[];
  rate: number[];
  p50: number[];
  p99: number[];
  failures: number;
  firstError?: string;
}

/**
 * Runs `rounds` rounds of `load` against every server in turn, rotating the order each round so
 * that no server always runs first (or right after another's cleanup); a round in which nothing
 * was accepted adds failures but no figures. `load` may measure more around its run.
 */
export async function runRounds<S>(servers: readonly S[], rounds: number, load: (server: S) => Promise<LoadResult>): Promise<Map<S, RoundResults>> {
  const results = new Map<S, RoundResults>(servers.map((server) => [server, { sent: [], rate: [], p50: [], p99: [], failures: 0 }]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < servers.length; i++) {
      const server = servers[(i + round) % servers.length]!;
      const entry = results.get(server)!;
      const result = await load(server);
      entry.failures += result.failed;
      entry.firstError ??= result.firstError;
      if (result.sent === 0) continue;
      entry.sent.push(result.sent);
      entry.rate.push(result.sent / result.seconds);
      entry.p50.push(percentile(result.latenciesMs, 0.5));
      entry.p99.push(percentile(result.latenciesMs, 0.99));
    }
  }
  return results;
}

/** The medians of one server's rounds, as LoadFigures. */
export function loadFigures(results: RoundResults, style: LoadStyle, concurrency: number): LoadFigures {
  return {
    style,
    messages: Math.round(summarize(results.sent).median),
    concurrency,
    failures: results.failures,
    ...(results.firstError ? { firstError: results.firstError } : {}),
    msgsPerSecond: summarize(results.rate),
    p50Ms: summarize(results.p50),
    p99Ms: summarize(results.p99),
  };
}

export interface WireScenario extends LoadFigures {
  server: WireServerKind;
  cpuSecondsPer1000: Summary;
  /** CPU of the next hop (the sink process) per 1,000 messages, for the servers that relay in line; null otherwise. */
  nextHopCpuSecondsPer1000: Summary | null;
  peakRssMB: number;
  /** msgs/s median over the bare baseline's, same style, same invocation. */
  throughputRatioVsBare: number;
  /** CPU per message over the bare baseline's. */
  cpuRatioVsBare: number;
}

interface ServerUnderTest {
  kind: WireServerKind;
  child: Child;
  port: number;
}

export interface WireFixture {
  certificate: string;
  key: string;
  usersFile: string;
  sink: Child;
  sinkPort: number;
  close(): Promise<void>;
}

export async function prepareWireFixture(workDir: string, usersLine: string): Promise<WireFixture> {
  fs.mkdirSync(workDir, { recursive: true });
  const { certificate, key } = await ensureDevCertificate(path.join(workDir, "certs"), "localhost");
  const usersFile = path.join(workDir, "users.passwd");
  fs.writeFileSync(usersFile, usersLine + "\n");
  const sink = startNode([sinkPath]);
  const sinkPort = await waitForPortLine(sink);
  return { certificate, key, usersFile, sink, sinkPort, close: () => sink.stop() };
}

/**
 * Extra node arguments for the msa server processes, from MSA_BENCH_SERVER_NODE_ARGS, to profile
 * the server under the bench's load: `--cpu-prof --cpu-prof-dir=/tmp/prof` (written at SIGTERM).
 */
export function serverNodeArguments(): string[] {
  return (process.env.MSA_BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
}

async function startServer(kind: WireServerKind, fixture: WireFixture, workDir: string, tag: string, nodeArguments = serverNodeArguments()): Promise<ServerUnderTest> {
  if (kind === "bare") {
    const child = startNode([...nodeArguments, bareServerPath, "bare", fixture.certificate, fixture.key]);
    return { kind, child, port: await waitForPortLine(child) };
  }
  const port = await freePort();
  // msa-workers is msa-relay with `workers auto`: the gain of all cores, against the same baseline.
  const delivery: Delivery = kind === "msa-spool" ? { kind: "spool", dir: path.join(workDir, `spool-${tag}`) } : { kind: "relay", port: fixture.sinkPort };
  const policyFile = path.join(workDir, `${kind}-${tag}.msa`);
  const workers = kind === "msa-workers" ? "auto" : undefined;
  fs.writeFileSync(policyFile, wirePolicy({ port, certificate: fixture.certificate, key: fixture.key, usersFile: fixture.usersFile, delivery, workers }));
  const child = startNode([...nodeArguments, msacPath, "serve", policyFile]);
  await waitForPort(port, child);
  return { kind, child, port };
}

/** Where one server's event loop spent a message's time during one load under V8's profiler. */
export interface WireProfile {
  server: WireServerKind;
  style: LoadStyle;
  messages: number;
  parts: ProfilePart[];
  /** loading code and compiling the policy, once, before the load */
  startUpMs: number;
}

/**
 * One load of `style` against each server (fresh, `node --cpu-prof`, warmed up like the rounds),
 * apart from the measured rounds: the profiler slows what it watches, so these figures explain
 * the rounds' ratios and are no throughput of their own.
 */
export async function profileWireServers(options: WireOptions, fixture: WireFixture, style: LoadStyle): Promise<WireProfile[]> {
  const warmup = generateMessages(options.warmup, `${BENCH_LOGIN}@${BENCH_DOMAIN}`, BENCH_DOMAIN, 1);
  const messages = generateMessages(options.messagesPerStyle[style], `${BENCH_LOGIN}@${BENCH_DOMAIN}`, BENCH_DOMAIN);
  const profiles: WireProfile[] = [];
  for (const kind of options.servers.filter((server) => server !== "msa-workers")) {
    const dir = fs.mkdtempSync(path.join(options.workDir, `profile-${kind}-`));
    const server = await startServer(kind, fixture, options.workDir, `profile-${style}`, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
    let sent = 0;
    try {
      const load = (list: readonly BenchMessage[]) =>
        runLoad({ port: server.port, style, concurrency: options.concurrency, messages: list, login: BENCH_LOGIN, password: BENCH_PASSWORD });
      const warm = warmup.length ? (await load(warmup)).sent : 0;
      const result = await load(messages);
      if (result.failed > 0) throw new Error(`${kind}: ${result.failed} messages failed under the profiler: ${result.firstError}`);
      sent = warm + result.sent;
    } finally {
      await server.child.stop(); // the profile is written as the process exits
    }
    profiles.push({ server: kind, style, messages: sent, ...profileParts(readCpuProfile(dir), sent) });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return profiles;
}

/** The servers that hand each message to the sink before they answer 250. */
function relaysInLine(kind: WireServerKind): boolean {
  return kind === "msa-relay" || kind === "msa-workers";
}

export async function runWire(options: WireOptions, fixture: WireFixture): Promise<WireScenario[]> {
  const warmup = generateMessages(options.warmup, `${BENCH_LOGIN}@${BENCH_DOMAIN}`, BENCH_DOMAIN, 1);
  const scenarios: WireScenario[] = [];
  for (const style of options.styles) {
    const messages = generateMessages(options.messagesPerStyle[style], `${BENCH_LOGIN}@${BENCH_DOMAIN}`, BENCH_DOMAIN);
    const servers: ServerUnderTest[] = [];
    try {
      for (const kind of options.servers) servers.push(await startServer(kind, fixture, options.workDir, style));
      const load = (server: ServerUnderTest, list: readonly BenchMessage[], seconds?: number) =>
        runLoad({ port: server.port, style, concurrency: options.concurrency, messages: list, ...(seconds ? { seconds } : {}), login: BENCH_LOGIN, password: BENCH_PASSWORD });
      for (const server of servers) if (warmup.length) await load(server, warmup);
      // CPU of the server and of the next hop around each round, per 1,000 accepted messages
      const cpu = new Map<WireServerKind, { server: number[]; nextHop: number[] }>(servers.map((server) => [server.kind, { server: [], nextHop: [] }]));
      const results = await runRounds(servers, options.rounds, async (server) => {
        const cpuBefore = processTreeCpuSeconds(server.child.pid);
        const nextHopBefore = cpuSeconds(fixture.sink.pid);
        const result = await load(server, messages, options.roundSeconds);
        if (result.sent > 0) {
          const figures = cpu.get(server.kind)!;
          figures.server.push(((processTreeCpuSeconds(server.child.pid) - cpuBefore) / result.sent) * 1000);
          if (relaysInLine(server.kind)) figures.nextHop.push(((cpuSeconds(fixture.sink.pid) - nextHopBefore) / result.sent) * 1000);
        }
        return result;
      });
      const styleScenarios: WireScenario[] = servers.map((server) => {
        const figures = cpu.get(server.kind)!;
        return {
          ...loadFigures(results.get(server)!, style, options.concurrency),
          server: server.kind,
          cpuSecondsPer1000: summarize(figures.server),
          nextHopCpuSecondsPer1000: relaysInLine(server.kind) ? summarize(figures.nextHop) : null,
          peakRssMB: peakResidentBytes(server.child.pid) / MB,
          throughputRatioVsBare: Number.NaN,
          cpuRatioVsBare: Number.NaN,
        };
      });
      const bare = styleScenarios.find((scenario) => scenario.server === "bare");
      for (const scenario of styleScenarios) {
        if (!bare) continue;
        scenario.throughputRatioVsBare = ratio(scenario.msgsPerSecond.median, bare.msgsPerSecond.median);
        scenario.cpuRatioVsBare = ratio(scenario.cpuSecondsPer1000.median, bare.cpuSecondsPer1000.median);
      }
      scenarios.push(...styleScenarios);
    } finally {
      await Promise.all(servers.map((server) => server.child.stop()));
    }
  }
  return scenarios;
}

export interface PasswordCost {
  scheme: string;
  /** The hash's parameters as written in it (for argon2id: m, t, p). */
  parameters: string;
  verifyMs: Summary;
  /** CPU seconds per verification, all threads of this process (argon2 runs on the libuv pool). */
  cpuSecondsPerVerify: Summary;
  /** AUTHs per second one core could verify at that cost: an upper bound for MUA-style submission. */
  authsPerCoreSecond: number;
}

/** What one AUTH's password verification costs, measured in process with the bench hash. */
export async function measurePasswordCost(hash: string, rounds: number): Promise<PasswordCost> {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    if (!(await verifyPassword(hash, BENCH_PASSWORD))) throw new Error("the bench hash does not verify");
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1e6);
  }
  const verifyMs = summarize(times);
  const scheme = hash.startsWith("$argon2id$") ? "argon2id" : hash.startsWith("$2") ? "bcrypt" : "other";
  const parameters = scheme === "argon2id" ? (hash.split("$")[3] ?? "") : scheme === "bcrypt" ? `cost=${hash.slice(4, 6)}` : "";
  return { scheme, parameters, verifyMs, cpuSecondsPerVerify: summarize(cpu), authsPerCoreSecond: 1000 / verifyMs.median };
}
