// The benchmark harness at toy sizes: every section runs end to end (the wire section
// against real server processes built into dist/) and the report has every field the
// README documents. No timing assertions: this machine is shared and slow at times.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { cellLabel } from "../../bench/fullPath.js";
import { runBench, type BenchConfig } from "../../bench/harness.js";
import { generateMessages, MAX_MESSAGE_BYTES, MIN_MESSAGE_BYTES } from "../../bench/messages.js";
import { bareServerPath, msacPath, sinkPath } from "../../bench/processes.js";
import { reportTables } from "../../bench/reportTables.js";
import { percentile, summarize } from "../../bench/stats.js";
import { renderMarkdown, renderText } from "../../bench/table.js";

const TINY: BenchConfig = {
  mode: "test",
  sections: ["wire", "fullpath", "decision", "compiler", "concurrency", "sustained"],
  passwordScheme: "argon2id",
  passwordRounds: 1,
  wire: {
    messages: { mua: 3, app: 5 },
    roundSeconds: 0.3,
    concurrency: 2,
    rounds: 1,
    warmup: 0,
    styles: ["mua", "app"],
    servers: ["bare", "msa-relay", "msa-spool"],
    profile: ["app"],
  },
  decision: { sizes: [10, 100], transactions: 50, rounds: 2 },
  compiler: { sizes: [10, 100], rounds: 1, processMaxEntries: 10 },
  concurrency: { sizes: [3, 6], repetitions: 2, parallel: 4, settleMs: 50 },
  sustained: { seconds: 2, concurrency: 2 },
  fullpath: {
    roundSeconds: 0.3,
    rounds: 1,
    warmupSeconds: 0,
    smtpSourceBytes: 2_000,
    cells: [
      { kind: "full", mode: "tls-auth", sessions: 2, generator: "node", sink: "bench", inline: true },
      { kind: "full", mode: "new", sessions: 2, generator: "smtp-source", sink: "smtp-sink" },
      { kind: "store", mode: "reused", sessions: 2, generator: "node", sink: "bench" },
    ],
  },
};

/** Where the full-path section runs Postfix (installed, and we are root) and its smtp-source and smtp-sink cell. */
const withPostfix = fs.existsSync("/usr/sbin/postfix") && process.getuid?.() === 0;
const withPostfixTools = ["smtp-source", "smtp-sink"].every((tool) => fs.existsSync(`/usr/sbin/${tool}`));

const summaryShape = { median: expect.any(Number), min: expect.any(Number), max: expect.any(Number), rounds: expect.any(Number) };

describe("bench helpers", () => {
  it("summarizes rounds as median with spread", () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, rounds: 3 });
    expect(summarize([4, 1, 2, 3]).median).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99)).toBe(10);
  });

  it("generates the same 5-50 KB messages every time", () => {
    const first = generateMessages(20, "bench@bench.test", "bench.test");
    const second = generateMessages(20, "bench@bench.test", "bench.test");
    expect(first.map((m) => m.raw.toString("latin1"))).toEqual(second.map((m) => m.raw.toString("latin1")));
    for (const message of first) {
      expect(message.raw.length).toBeGreaterThanOrEqual(MIN_MESSAGE_BYTES);
      expect(message.raw.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES + 200);
      expect(message.raw.toString("latin1")).not.toMatch(/(^|[^\r])\n/);
    }
  });
});

describe("bench harness at toy sizes", () => {
  // dist/ is built by test/globalSetup.ts; a missing server is a failure, not a reason to skip.
  it("runs every section and reports every field", async () => {
    for (const file of [msacPath, bareServerPath, sinkPath]) expect(fs.existsSync(file), file).toBe(true);
    const report = await runBench(TINY);
    expect(report.errors).toEqual([]);
    expect(report).toMatchObject({ format: "msa-bench", version: 1, mode: "test", machine: { nproc: expect.any(Number), cpuModel: expect.any(String), node: process.version } });

    expect(report.password).toMatchObject({ scheme: "argon2id", verifyMs: summaryShape, cpuSecondsPerVerify: summaryShape });

    expect(report.wire).toHaveLength(6);
    // where a message's time goes: every server profiled once, its parts adding up to the whole load
    expect(report.wireProfile?.map((profile) => profile.server)).toEqual(["bare", "msa-relay", "msa-spool"]);
    for (const profile of report.wireProfile!) {
      expect(profile.messages).toBe(5);
      expect(profile.parts.reduce((sum, part) => sum + part.share, 0)).toBeCloseTo(1, 5);
      expect(profile.parts.map((part) => part.part)).toContain("sockets and TLS (Node)");
    }
    expect(report.wireProfile!.find((profile) => profile.server === "msa-spool")!.parts.map((part) => part.part)).toContain("spool and queue (files, records)");
    for (const scenario of report.wire!) {
      expect(scenario.failures, `${scenario.style} ${scenario.server}: ${scenario.firstError}`).toBe(0);
      expect(scenario).toMatchObject({ msgsPerSecond: summaryShape, p50Ms: summaryShape, p99Ms: summaryShape, cpuSecondsPer1000: summaryShape });
      expect(scenario.msgsPerSecond.median).toBeGreaterThan(0);
      // rounds last 0.3 s: the app style's clients cycle past its 5 messages, one per message
      // in mua style takes a TLS handshake, so it may send fewer
      if (scenario.style === "app") expect(scenario.messages).toBeGreaterThan(5);
      expect(scenario.peakRssMB).toBeGreaterThan(0);
      expect(Number.isFinite(scenario.throughputRatioVsBare)).toBe(true);
    }
    expect(report.wire!.filter((s) => s.server === "bare").every((s) => s.throughputRatioVsBare === 1)).toBe(true);
    // the sink's CPU is reported for the server that relays to it, and only there
    for (const scenario of report.wire!) {
      if (scenario.server === "msa-relay") expect(scenario.nextHopCpuSecondsPer1000).toMatchObject(summaryShape);
      else expect(scenario.nextHopCpuSecondsPer1000).toBeNull();
    }
    expect(report.spoolAlone).toMatchObject({ records: 5, concurrency: 2, recordsPerSecond: summaryShape, cpuSecondsPer1000: summaryShape });
    expect(report.spoolAlone!.recordsPerSecond.median).toBeGreaterThan(0);

    const fullpath = report.fullpath!;
    expect(fullpath.cells.map((cell) => cell.label)).toEqual(
      withPostfixTools ? TINY.fullpath!.cells.map(cellLabel) : [cellLabel(TINY.fullpath!.cells[0]!), cellLabel(TINY.fullpath!.cells[2]!)],
    );
    for (const cell of fullpath.cells) {
      expect(cell.sides.map((side) => side.side)).toEqual([
        ...(["msa"] as const),
        ...(withPostfix ? (["postfix"] as const) : []),
        ...(cell.inline ? (["msa-inline"] as const) : []),
      ]);
      for (const side of cell.sides) {
        expect(side).toMatchObject({ messages: summaryShape, acceptedPerSecond: summaryShape, serverCpuSecondsPer1000: summaryShape, clientCpuSecondsPer1000: summaryShape });
        expect(side.messages.median).toBeGreaterThan(0);
        if (cell.kind === "full") expect(side).toMatchObject({ fullPerSecond: summaryShape, atSinkWhenAccepted: summaryShape, sinkCpuSecondsPer1000: summaryShape });
        else expect(side.fullPerSecond).toBeNull();
        if (cell.generator === "node") expect(side).toMatchObject({ p50Ms: summaryShape, p99Ms: summaryShape });
        if (cell.generator === "node" && cell.kind === "full") expect(side).toMatchObject({ fullP50Ms: summaryShape, fullP99Ms: summaryShape });
        if (cell.mode === "tls-auth") expect(side.tls).toMatchObject({ protocol: expect.stringMatching(/^TLS/), cipher: expect.any(String) });
        expect(side.peakRssMB === null).toBe(side.side === "postfix");
      }
      expect(Number.isFinite(cell.ratioVsPostfix)).toBe(withPostfix);
    }
    if (withPostfix) expect(fullpath.postfix).toMatchObject({ smtpdPeernameLookup: "no", relayhost: expect.stringMatching(/^\[127\.0\.0\.1\]:\d+$/) });

    expect(report.decision!.map((row) => row.entries)).toEqual([10, 100]);
    for (const row of report.decision!) expect(row.microsPerTransaction).toMatchObject(summaryShape);
    expect(report.decision![0]!.ratioVsSmallest).toBe(1);

    expect(report.compiler!.map((row) => row.entries)).toEqual([10, 100]);
    expect(report.compiler![0]!.checkPeakRssMB).toBeGreaterThan(0);
    expect(Number.isNaN(report.compiler![1]!.checkMs.median)).toBe(true); // above processMaxEntries

    expect(report.concurrency!.map((row) => `${row.server} ${row.sessions}`)).toEqual(["bare 3", "bare 6", "msa 3", "msa 6"]);
    for (const row of report.concurrency!) {
      expect(row.opened).toBe(row.sessions);
      expect(row).toMatchObject({ rssBeforeMB: summaryShape, rssWithSessionsMB: summaryShape, kbPerSession: summaryShape, heapUsedKbPerSession: summaryShape });
      expect(row.kbPerSession.rounds).toBe(2);
      expect(row.rssBeforeMB.median).toBeGreaterThan(0);
      expect(Number.isFinite(row.marginalKbPerSession)).toBe(row.sessions === 6);
    }
    expect(report.targets.map((t) => t.name)).toContain("RSS with 10,000 idle TLS sessions (msa, after GC)");

    const sustained = report.sustained!;
    expect(sustained).toMatchObject({ seconds: 2, concurrency: 2, bounded: expect.any(Boolean), queueAtEnd: expect.any(Number), queueMaxFirstHalf: expect.any(Number) });
    expect(sustained.accepted).toBeGreaterThan(0);
    expect(sustained.acceptPerSecond).toBeGreaterThan(0);
    expect(sustained.samples.length).toBeGreaterThan(0);
    expect(sustained.samples.at(-1)!.accepted).toBe(sustained.accepted);
    // the client runs apart: the bench asks it for its count each second, and reports its CPU
    expect(sustained.samples[0]!.at).toBeLessThan(2);
    expect(sustained.samples[0]!.accepted).toBeGreaterThan(0);
    expect(sustained.clientCpuSecondsPer1000).toBeGreaterThan(0);
    expect(report.targets.find((t) => t.name.startsWith("spool bounded"))?.met).toBeNull();

    expect(report.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(typeof report.dirty).toBe("boolean");

    expect(report.targets.length).toBeGreaterThan(0);
    const tables = reportTables(report);
    expect(tables.map((table) => table.title)).toEqual(
      expect.arrayContaining([
        "Wire throughput",
        "Spool writes alone",
        "Full path: msa store and forward against Postfix",
        "Full path: CPU and memory",
        "Where a message's time goes (app style, event loop, ms per message)",
        "Sustained store and forward (deliver spool ... relay, log info)",
        "Compiler scale",
        "Targets",
      ]),
    );
    for (const table of tables) {
      expect(renderText(table)).toContain(table.title);
      expect(renderMarkdown(table)).toContain(`### ${table.title}`);
    }
    expect(() => JSON.parse(JSON.stringify(report))).not.toThrow();
  }, 180_000);
});
