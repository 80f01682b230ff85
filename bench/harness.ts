// The benchmark harness: runs the five sections in one invocation and returns one report
// object (what bench/results/latest.json holds). Sizes come from the configuration, so the
// full run, `--quick` and the vitest smoke test run the same code at different scales.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { hashPassword } from "../runtime/auth/passwordHash.js";
import { BENCH_DOMAIN, BENCH_LOGIN, BENCH_PASSWORD } from "./benchPolicy.js";
import { measureCompilerScale, type CompilerScaleRow } from "./compilerScale.js";
import { idleSessionTargets, measureConcurrency, type ConcurrencyOptions, type ConcurrencyRow } from "./concurrency.js";
import { measureDecisionCost, type DecisionCostRow } from "./decisionCost.js";
import { fullPathTargets, runFullPath, type FullPathConfig, type FullPathReport } from "./fullPath.js";
import { measureMessageTransforms, type MessageTransformRow } from "./messageTransforms.js";
import type { LoadStyle } from "./load.js";
import { generateMessages } from "./messages.js";
import { bareServerPath, gcHostPath, msacPath, sinkPath } from "./processes.js";
import { treeState } from "./runInfo.js";
import { countingSinkPath, measureSustained, sustainedTarget, type SustainedFigures } from "./sustained.js";
import { measureSpoolAlone, type SpoolAloneFigures } from "./spoolAlone.js";
import { measurePasswordCost, prepareWireFixture, profileWireServers, runWire, type PasswordCost, type WireProfile, type WireScenario, type WireServerKind } from "./wire.js";

export type Section = "wire" | "fullpath" | "decision" | "compiler" | "concurrency" | "transforms" | "sustained";
export const ALL_SECTIONS: Section[] = ["wire", "fullpath", "decision", "compiler", "concurrency", "transforms", "sustained"];

export interface BenchConfig {
  mode: "full" | "quick" | "test";
  sections: Section[];
  passwordScheme: "argon2id" | "bcrypt";
  passwordRounds: number;
  wire: {
    /** Distinct messages per style, cycled through each round (MUA style pays an AUTH per message); the profiler's load sends them once. */
    messages: Record<LoadStyle, number>;
    /** How long a round lasts; absent: a round sends the messages once. */
    roundSeconds?: number;
    concurrency: number;
    rounds: number;
    warmup: number;
    styles: LoadStyle[];
    servers: WireServerKind[];
    /** Styles to run once more per server under V8's profiler: where a message's time goes (absent: none). */
    profile?: LoadStyle[];
  };
  decision: { sizes: number[]; transactions: number; rounds: number };
  /** processMaxEntries: run msac check/compile as processes only up to this size (quick mode saves its minute). */
  compiler: { sizes: number[]; rounds: number; processMaxEntries: number };
  concurrency: ConcurrencyOptions;
  /** Store and forward under C reused sessions sending flat out for `seconds`; absent: the section is skipped. */
  sustained?: { seconds: number; concurrency: number };
  /** Worst-case messages of `bytes` through every step after DATA; absent: the section is skipped. */
  transforms?: { bytes: number; rounds: number };
  /** msa store and forward against Postfix, like for like (bench/fullPath.ts); absent: skipped. */
  fullpath?: FullPathConfig;
}

/** The full section's cells: the concurrency sweep on reused plain connections, the other modes at 20 sessions. */
const FULL_PATH_CELLS: FullPathConfig["cells"] = [
  { kind: "full", mode: "reused", sessions: 8, generator: "node", sink: "bench" },
  { kind: "full", mode: "reused", sessions: 32, generator: "node", sink: "bench", inline: true },
  { kind: "full", mode: "reused", sessions: 100, generator: "node", sink: "bench" },
  { kind: "full", mode: "new", sessions: 20, generator: "node", sink: "bench", inline: true },
  { kind: "full", mode: "tls-auth", sessions: 20, generator: "node", sink: "bench", inline: true },
  { kind: "full", mode: "reused", sessions: 20, generator: "smtp-source", sink: "bench" },
  { kind: "full", mode: "new", sessions: 20, generator: "smtp-source", sink: "smtp-sink" },
  { kind: "store", mode: "reused", sessions: 20, generator: "node", sink: "bench" },
];

export const FULL_CONFIG: BenchConfig = {
  mode: "full",
  sections: ALL_SECTIONS,
  passwordScheme: "argon2id",
  passwordRounds: 7,
  wire: {
    messages: { mua: 32, app: 300 },
    roundSeconds: 10,
    concurrency: 8,
    rounds: 5,
    warmup: 8,
    styles: ["mua", "app"],
    servers: ["bare", "msa-relay", "msa-spool", "msa-workers"],
    profile: ["app"],
  },
  decision: { sizes: [10, 1_000, 100_000], transactions: 20_000, rounds: 7 },
  compiler: { sizes: [1_000, 10_000, 100_000], rounds: 3, processMaxEntries: 100_000 },
  concurrency: { sizes: [1_000, 2_500, 5_000, 10_000], repetitions: 2, parallel: 32, settleMs: 2_000 },
  transforms: { bytes: 25_000_000, rounds: 3 },
  sustained: { seconds: 60, concurrency: 32 },
  fullpath: { roundSeconds: 10, rounds: 5, warmupSeconds: 2, smtpSourceBytes: 25_000, cells: FULL_PATH_CELLS },
};

export const QUICK_CONFIG: BenchConfig = {
  mode: "quick",
  sections: ALL_SECTIONS,
  passwordScheme: "argon2id",
  passwordRounds: 3,
  wire: {
    messages: { mua: 4, app: 30 },
    roundSeconds: 0.5,
    concurrency: 2,
    rounds: 3,
    warmup: 2,
    styles: ["mua", "app"],
    servers: ["bare", "msa-relay", "msa-spool"],
    profile: ["app"],
  },
  decision: { sizes: [10, 1_000, 100_000], transactions: 3_000, rounds: 3 },
  compiler: { sizes: [1_000, 10_000], rounds: 1, processMaxEntries: 1_000 },
  concurrency: { sizes: [100, 250], repetitions: 2, parallel: 16, settleMs: 500 },
  transforms: { bytes: 25_000_000, rounds: 1 },
  sustained: { seconds: 10, concurrency: 8 },
  fullpath: {
    roundSeconds: 2,
    rounds: 2,
    warmupSeconds: 0.5,
    smtpSourceBytes: 25_000,
    cells: [
      { kind: "full", mode: "reused", sessions: 8, generator: "node", sink: "bench", inline: true },
      { kind: "full", mode: "new", sessions: 8, generator: "node", sink: "bench" },
      { kind: "full", mode: "tls-auth", sessions: 8, generator: "node", sink: "bench" },
      { kind: "full", mode: "new", sessions: 8, generator: "smtp-source", sink: "smtp-sink" },
      { kind: "store", mode: "reused", sessions: 8, generator: "node", sink: "bench" },
    ],
  },
};

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchReport {
  format: "msa-bench";
  version: 1;
  mode: BenchConfig["mode"];
  startedAt: string;
  seconds: number;
  /** `git rev-parse HEAD` of the tree measured, and whether it had uncommitted changes (null: not a git checkout). */
  commit: string | null;
  dirty: boolean | null;
  /** The command line that produced the report, when run.ts ran it. */
  command?: string;
  machine: { nproc: number; cpuModel: string; node: string; platform: string; loadAverageAtStart: number[]; memoryGB: number };
  config: BenchConfig;
  password?: PasswordCost;
  wire?: WireScenario[];
  /** One profiled load per server and style: where the event loop spent a message's time. */
  wireProfile?: WireProfile[];
  /** The wire's app-style messages written with SpoolWriter alone: the spool's share of msa-spool's cost. */
  spoolAlone?: SpoolAloneFigures;
  fullpath?: FullPathReport;
  decision?: DecisionCostRow[];
  transforms?: MessageTransformRow[];
  compiler?: CompilerScaleRow[];
  concurrency?: ConcurrencyRow[];
  sustained?: SustainedFigures;
  targets: Target[];
  /** Sections that failed, with why; the other sections are still reported. */
  errors: { section: Section; message: string }[];
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"));
    if (match) return match[1]!.trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? "unknown";
}

export function machineInfo(): BenchReport["machine"] {
  return {
    nproc: os.availableParallelism(),
    cpuModel: cpuModel(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((load) => Math.round(load * 100) / 100),
    memoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  };
}

export type Progress = (message: string) => void;

export async function runBench(config: BenchConfig, progress: Progress = () => undefined): Promise<BenchReport> {
  for (const file of [msacPath, bareServerPath, sinkPath, gcHostPath, countingSinkPath]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm run bench does)`);
  }
  const started = Date.now();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-bench-"));
  const report: BenchReport = {
    format: "msa-bench",
    version: 1,
    mode: config.mode,
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    ...treeState(),
    machine: machineInfo(),
    config,
    targets: [],
    errors: [],
  };
  // A failing section (say, a server that cannot start because dist/ was rebuilt underneath
  // the run) is reported and the run goes on, so minutes of measurements are not lost.
  const attempt = async (section: Section, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      const message = (error as Error).message.split("\n").slice(0, 6).join(" ");
      report.errors.push({ section, message });
      progress(`${section} failed: ${message}`);
    }
  };
  const wants = (section: Section) => config.sections.includes(section);
  try {
    progress(`hashing the bench password (${config.passwordScheme})`);
    const hash = await hashPassword(BENCH_PASSWORD, config.passwordScheme);
    const usersLine = `${BENCH_LOGIN}:${hash}`;

    if (wants("decision")) {
      progress(`decision cost: ${config.decision.sizes.join(", ")} senders entries`);
      await attempt("decision", async () => {
        report.decision = measureDecisionCost(path.join(workDir, "decision"), config.decision.sizes, config.decision.transactions, config.decision.rounds, usersLine);
      });
    }
    const transforms = config.transforms;
    if (wants("transforms") && transforms) {
      progress(`message transformations: worst cases of ${transforms.bytes} bytes`);
      await attempt("transforms", async () => {
        report.transforms = measureMessageTransforms(transforms.bytes, transforms.rounds);
      });
    }
    if (wants("compiler")) {
      progress(`compiler scale: ${config.compiler.sizes.join(", ")} senders entries`);
      await attempt("compiler", async () => {
        report.compiler = await measureCompilerScale(path.join(workDir, "compiler"), config.compiler.sizes, config.compiler.rounds, usersLine, config.compiler.processMaxEntries);
      });
    }
    if (wants("wire") || wants("concurrency")) {
      const fixture = await prepareWireFixture(path.join(workDir, "wire"), usersLine);
      try {
        if (wants("wire")) {
          progress(`password verification cost (${config.passwordRounds} rounds)`);
          const password = await measurePasswordCost(hash, config.passwordRounds);
          report.password = password;
          progress(
            `wire throughput: ${config.wire.styles.join(" and ")} style, ${config.wire.concurrency} connections, ${config.wire.rounds} rounds${config.wire.roundSeconds ? ` of ${config.wire.roundSeconds} s` : ""}`,
          );
          await attempt("wire", async () => {
            report.wire = await runWire(
              {
                workDir: path.join(workDir, "wire"),
                concurrency: config.wire.concurrency,
                rounds: config.wire.rounds,
                styles: config.wire.styles,
                servers: config.wire.servers,
                usersLine,
                warmup: config.wire.warmup,
                messagesPerStyle: config.wire.messages,
                ...(config.wire.roundSeconds ? { roundSeconds: config.wire.roundSeconds } : {}),
              },
              fixture,
            );
          });
          for (const style of config.wire.profile ?? []) {
            progress(`wire: one ${style}-style load per server under the CPU profiler`);
            await attempt("wire", async () => {
              const options = {
                workDir: path.join(workDir, "wire"),
                concurrency: config.wire.concurrency,
                rounds: 1,
                styles: [style],
                servers: config.wire.servers,
                usersLine,
                warmup: config.wire.warmup,
                messagesPerStyle: config.wire.messages,
              };
              report.wireProfile = [...(report.wireProfile ?? []), ...(await profileWireServers(options, fixture, style))];
            });
          }
          if (config.wire.servers.includes("msa-spool")) {
            progress(`spool writes alone: ${config.wire.messages.app} records, ${config.wire.concurrency} writers`);
            await attempt("wire", async () => {
              const messages = generateMessages(config.wire.messages.app, `${BENCH_LOGIN}@${BENCH_DOMAIN}`, BENCH_DOMAIN);
              report.spoolAlone = await measureSpoolAlone(path.join(workDir, "wire"), messages, config.wire.concurrency, config.wire.rounds);
            });
          }
        }
        if (wants("concurrency")) {
          progress(`concurrency: ${config.concurrency.sizes.join(", ")} idle sessions, ${config.concurrency.repetitions} repetitions`);
          await attempt("concurrency", async () => {
            report.concurrency = await measureConcurrency({ workDir: path.join(workDir, "wire"), ...fixture }, config.concurrency, progress);
          });
        }
      } finally {
        await fixture.close();
      }
    }
    const sustained = config.sustained;
    if (wants("sustained") && sustained) {
      progress(`sustained: store and forward, ${sustained.concurrency} sessions for ${sustained.seconds} s`);
      await attempt("sustained", async () => {
        report.sustained = await measureSustained({ workDir: path.join(workDir, "sustained"), ...sustained });
      });
    }
    const fullpath = config.fullpath;
    if (wants("fullpath") && fullpath) {
      progress(`full path against Postfix: ${fullpath.cells.length} cells, ${fullpath.rounds} rounds of ${fullpath.roundSeconds} s`);
      await attempt("fullpath", async () => {
        report.fullpath = await runFullPath({ ...fullpath, workDir: path.join(workDir, "fullpath"), usersLine }, progress);
      });
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  report.seconds = Math.round((Date.now() - started) / 100) / 10;
  report.targets = evaluateTargets(report);
  return report;
}

function evaluateTargets(report: BenchReport): Target[] {
  const targets: Target[] = [];
  for (const scenario of report.wire ?? []) {
    if (scenario.server === "bare") continue;
    const value = scenario.throughputRatioVsBare;
    targets.push({
      name: `wire ${scenario.style} ${scenario.server} vs bare`,
      target: ">= 0.80x",
      measured: Number.isFinite(value) ? `${value.toFixed(2)}x` : "-",
      met: Number.isFinite(value) ? value >= 0.8 : null,
    });
  }
  if (report.fullpath) targets.push(...fullPathTargets(report.fullpath));
  const largestDecision = report.decision?.at(-1);
  if (largestDecision) {
    const value = largestDecision.microsPerTransaction.median;
    targets.push({
      name: `decision per transaction at ${largestDecision.entries} entries`,
      target: "< 20 us",
      measured: `${value.toFixed(2)} us`,
      met: largestDecision.entries >= 100_000 ? value < 20 : null,
    });
  }
  const largestCompile = report.compiler?.at(-1);
  if (largestCompile) {
    const value = largestCompile.checkMs.median;
    if (Number.isFinite(value))
      targets.push({
        name: `msac check, ${largestCompile.entries} entries`,
        target: "< 2000 ms",
        measured: `${value.toFixed(0)} ms`,
        met: largestCompile.entries >= 100_000 ? value < 2000 : null,
      });
    const inProcess = largestCompile.inProcessMs.median;
    targets.push({
      name: `compilePolicy, ${largestCompile.entries} entries`,
      target: "< 2000 ms",
      measured: `${inProcess.toFixed(0)} ms`,
      met: largestCompile.entries >= 100_000 ? inProcess < 2000 : null,
    });
  }
  targets.push(...idleSessionTargets(report.concurrency ?? []));
  if (report.sustained) targets.push(sustainedTarget(report.sustained));
  return targets;
}
