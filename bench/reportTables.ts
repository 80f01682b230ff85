// The report as tables: one per section, the same for the terminal and for latest.md.
import type { FullPathReport } from "./fullPath.js";
import type { BenchReport } from "./harness.js";
import type { WireProfile } from "./wire.js";
import { formatRatio, formatSummary, type Summary } from "./stats.js";
import type { Table } from "./table.js";

const thousands = (value: number) => value.toLocaleString("en-US");

export function reportTables(report: BenchReport): Table[] {
  const tables: Table[] = [];
  const m = report.machine;
  tables.push({
    title: "Machine",
    note: "Shared machine: other work runs at the same time, so figures are noisy; compare ratios taken in the same run, not absolute numbers across runs.",
    header: ["what", "value"],
    rows: [
      ["mode", report.mode],
      ["cpu", `${m.nproc} x ${m.cpuModel}`],
      ["memory", `${m.memoryGB} GB`],
      ["node", m.node],
      ["os", m.platform],
      ["load average at start", m.loadAverageAtStart.join(" ")],
      ["started", report.startedAt],
      ["duration", `${report.seconds} s`],
      ["commit", report.commit === null ? "unknown (not a git checkout)" : `${report.commit}${report.dirty ? " with uncommitted changes" : ""}`],
      ...(report.command ? [["command", report.command]] : []),
    ],
  });
  if (report.password) {
    const p = report.password;
    tables.push({
      title: "Password verification per AUTH (in process)",
      note: "Paid once per connection: per message in MUA style, once per client in application style. The bare baseline does not verify.",
      header: ["scheme", "parameters", "wall ms per verify", "CPU ms per verify", "verifies/s (sequential)"],
      rows: [
        [
          p.scheme,
          p.parameters,
          formatSummary(p.verifyMs),
          formatSummary({ ...p.cpuSecondsPerVerify, median: p.cpuSecondsPerVerify.median * 1000, min: p.cpuSecondsPerVerify.min * 1000, max: p.cpuSecondsPerVerify.max * 1000 }),
          p.authsPerCoreSecond.toFixed(1),
        ],
      ],
    });
  }
  if (report.wire) {
    const c = report.config.wire;
    tables.push({
      title: "Wire throughput",
      note: `${c.concurrency} concurrent clients, ${c.rounds} rounds${c.roundSeconds ? ` of ${c.roundSeconds} s` : ""}, 5-50 KB messages (1-3 recipients); median (min-max) over rounds; ratios against bare smtp-server in the same run.`,
      header: ["style", "server", "msgs", "msgs/s", "vs bare", "p50 ms", "p99 ms", "CPU s/1000 msgs", "CPU vs bare", "next hop CPU s/1000", "peak RSS MB", "failed"],
      rows: report.wire.map((s) => [
        s.style,
        s.server,
        String(s.messages),
        formatSummary(s.msgsPerSecond),
        formatRatio(s.throughputRatioVsBare),
        formatSummary(s.p50Ms),
        formatSummary(s.p99Ms),
        formatSummary(s.cpuSecondsPer1000, 2),
        formatRatio(s.cpuRatioVsBare),
        s.nextHopCpuSecondsPer1000 ? formatSummary(s.nextHopCpuSecondsPer1000, 2) : "-",
        s.peakRssMB.toFixed(0),
        String(s.failures),
      ]),
    });
  }
  if (report.wireProfile?.length) tables.push(...wireProfileTables(report.wireProfile));
  if (report.spoolAlone) {
    const a = report.spoolAlone;
    tables.push({
      title: "Spool writes alone",
      note: `The app style's ${a.records} messages written with msa's SpoolWriter and nothing else (no SMTP, no TLS, no policy), ${a.concurrency} writers, in the bench process: the file system's part of msa-spool's CPU.`,
      header: ["records", "records/s", "CPU s/1000 records"],
      rows: [[String(a.records), formatSummary(a.recordsPerSecond), formatSummary(a.cpuSecondsPer1000, 2)]],
    });
  }
  if (report.fullpath) tables.push(...fullPathTables(report.fullpath));
  if (report.decision) {
    tables.push({
      title: "Decision cost (decide() alone; helo, authenticated, mail, rcpt x3)",
      note: "Target: under 20 us per transaction at 100,000 entries, and flat (ratio near 1).",
      header: ["senders entries", "transactions/round", "us per transaction", "vs smallest"],
      rows: report.decision.map((row) => [thousands(row.entries), thousands(row.transactions), formatSummary(row.microsPerTransaction, 2), formatRatio(row.ratioVsSmallest)]),
    });
  }
  if (report.transforms) {
    tables.push({
      title: "Message transformations (header parsing, message stage, header edits, 7-bit conversion)",
      note: "Worst-case shapes against ordinary 5-50 KB mail, per byte. Linear work keeps the ratio a small constant; quadratic work grows it with the size.",
      header: ["message", "bytes", "ns per byte", "vs ordinary", "ms per message"],
      rows: report.transforms.map((row) => [
        row.shape,
        thousands(row.bytes),
        formatSummary(row.nsPerByte, 1),
        formatRatio(row.ratioVsOrdinary),
        ((row.nsPerByte.median * row.bytes) / 1e6).toFixed(0),
      ]),
    });
  }
  if (report.compiler) {
    tables.push({
      title: "Compiler scale",
      note: "compilePolicy in process; msac check / compile as processes (wall, including node startup). Per-entry ratio 1.0 = linear. Target: 100,000 entries under 2 s.",
      header: [
        "entries",
        "policy KB",
        "compilePolicy ms",
        "us/entry",
        "per-entry vs smallest",
        "retained heap MB",
        "check ms",
        "check us/entry",
        "check peak RSS MB",
        "compile ms",
        "compile peak RSS MB",
      ],
      rows: report.compiler.map((row) => [
        thousands(row.entries),
        (row.policyBytes / 1024).toFixed(0),
        formatSummary(row.inProcessMs, 0),
        row.microsPerEntry.toFixed(2),
        formatRatio(row.perEntryRatio),
        row.retainedHeapMB.toFixed(1),
        formatSummary(row.checkMs, 0),
        Number.isFinite(row.checkMicrosPerEntry) ? row.checkMicrosPerEntry.toFixed(2) : "-",
        Number.isFinite(row.checkPeakRssMB) ? row.checkPeakRssMB.toFixed(0) : "-",
        formatSummary(row.compileMs, 0),
        Number.isFinite(row.compilePeakRssMB) ? row.compilePeakRssMB.toFixed(0) : "-",
      ]),
    });
  }
  if (report.concurrency) {
    const c = report.config.concurrency;
    tables.push({
      title: "Idle sessions (EHLO, STARTTLS, EHLO, then idle; memory after a forced GC)",
      note: `Each N on a fresh server process, ${c.repetitions} repetitions in rotated order; median (min-max). Memory of the server process after global.gc() with the N sessions open, minus the same process's after global.gc() before the first; marginal = the growth from the next smaller N's median, per added session. Target: msa under 500 MB with 10,000 sessions.`,
      header: [
        "server",
        "sessions",
        "opened",
        "RSS before MB",
        "RSS with sessions MB",
        "KB per session",
        "vs bare",
        "marginal KB/session",
        "heap KB/session",
        "external KB/session",
        "arrayBuffers KB/session",
      ],
      rows: report.concurrency.map((row) => [
        row.server,
        thousands(row.sessions),
        thousands(row.opened),
        formatSummary(row.rssBeforeMB),
        formatSummary(row.rssWithSessionsMB),
        formatSummary(row.kbPerSession),
        formatRatio(row.ratioVsBare),
        Number.isFinite(row.marginalKbPerSession) ? row.marginalKbPerSession.toFixed(1) : "-",
        formatSummary(row.heapUsedKbPerSession),
        formatSummary(row.externalKbPerSession),
        formatSummary(row.arrayBuffersKbPerSession),
      ]),
    });
  }
  if (report.sustained) {
    const s = report.sustained;
    tables.push({
      title: "Sustained store and forward (deliver spool ... relay, log info)",
      note: `${s.concurrency} reused plain sessions sending 5-50 KB messages flat out for ${s.seconds} s; the queue is the records in DIR/new, sampled every second. One run. Bounded: drain/accept >= 0.98 and the queue at the end no larger than the first half's largest or the number of clients.`,
      header: ["what", "value"],
      rows: [
        ["accepted", thousands(s.accepted)],
        ["load s", s.loadSeconds.toFixed(1)],
        ["accept msgs/s", s.acceptPerSecond.toFixed(1)],
        ["drain msgs/s (at the sink)", s.drainPerSecond.toFixed(1)],
        ["drain / accept", s.drainRatio.toFixed(3)],
        ["queue max (first half / second half)", `${s.queueMax} (${s.queueMaxFirstHalf} / ${s.queueMaxSecondHalf})`],
        ["queue at the end of the load", String(s.queueAtEnd)],
        [
          "queue every 5 s",
          s.samples
            .filter((sample, i) => (i + 1) % 5 === 0 || sample === s.samples.at(-1))
            .map((sample) => sample.queued)
            .join(" "),
        ],
        ["bounded", s.bounded ? "yes" : "NO"],
        ["drained after the load s", s.drainAfterLoadSeconds.toFixed(1)],
        ["msa CPU s/1000 msgs", s.msaCpuSecondsPer1000.toFixed(2)],
        ["sink CPU s/1000 msgs", s.sinkCpuSecondsPer1000.toFixed(2)],
        ["client CPU s/1000 msgs", s.clientCpuSecondsPer1000.toFixed(2)],
        ["msa peak RSS MB", s.msaPeakRssMB.toFixed(0)],
      ],
    });
  }
  if (report.errors.length) {
    tables.push({ title: "Sections that failed", header: ["section", "error"], rows: report.errors.map((e) => [e.section, e.message]) });
  }
  if (report.targets.length) {
    tables.push({
      title: "Targets",
      header: ["target", "wanted", "measured", "met"],
      rows: report.targets.map((t) => [t.name, t.target, t.measured, t.met === null ? "n/a (smaller run)" : t.met ? "yes" : "NO"]),
    });
  }
  return tables;
}

/** The full-path section: throughput and latency, then what each side's processes cost. */
export function fullPathTables(fullpath: FullPathReport): Table[] {
  const cell = (summary: Summary | null, digits = 1) => (summary ? formatSummary(summary, digits) : "-");
  const postfix = fullpath.postfix
    ? `Postfix ${fullpath.postfix.version} (smtpd_peername_lookup = ${fullpath.postfix.smtpdPeernameLookup}, relayhost = ${fullpath.postfix.relayhost})`
    : "no Postfix";
  const rows = fullpath.cells.flatMap((c) => c.sides.map((side) => ({ c, side })));
  return [
    {
      title: "Full path: msa store and forward against Postfix",
      note: `${fullpath.note}. ${postfix}; ${fullpath.rounds} rounds of ${fullpath.roundSeconds} s per side, order alternating; counts verified, queues drained between rounds. vs Postfix: msa's full msg/s (store cells: accepted) over Postfix's, target 1.50x; msa-inline is msa's in-line relay, reported apart.`,
      header: [
        "cell",
        "side",
        "msgs/round",
        "accepted msg/s",
        "full msg/s",
        "vs Postfix",
        "at sink at last 250",
        "p50 ms",
        "p99 ms",
        "full p50 ms",
        "full p99 ms",
        "full p99 vs Postfix",
      ],
      rows: rows.map(({ c, side }) => [
        c.label,
        side.side,
        formatSummary(side.messages, 0),
        formatSummary(side.acceptedPerSecond, 0),
        cell(side.fullPerSecond, 0),
        side.side === "msa" ? formatRatio(c.ratioVsPostfix) : "-",
        cell(side.atSinkWhenAccepted, 2),
        cell(side.p50Ms),
        cell(side.p99Ms),
        cell(side.fullP50Ms),
        cell(side.fullP99Ms),
        side.side === "msa" ? formatRatio(c.fullP99RatioVsPostfix) : "-",
      ]),
    },
    {
      title: "Full path: CPU and memory",
      note: "CPU seconds per 1,000 accepted messages from the round's start until the sink had them all. server: msa's process, or Postfix's master and every process it ran; client: the Node client's own process or smtp-source; sink: the sink process.",
      header: ["cell", "side", "server CPU s/1000", "client CPU s/1000", "sink CPU s/1000", "peak RSS MB", "TLS"],
      rows: rows.map(({ c, side }) => [
        c.label,
        side.side,
        formatSummary(side.serverCpuSecondsPer1000, 2),
        formatSummary(side.clientCpuSecondsPer1000, 2),
        cell(side.sinkCpuSecondsPer1000, 2),
        side.peakRssMB === null ? "-" : side.peakRssMB.toFixed(0),
        side.tls ? `${side.tls.protocol} ${side.tls.cipher}` : "-",
      ]),
    },
  ];
}

/** Where a message's time goes: one table per profiled style, a column per server, the parts as rows. */
function wireProfileTables(profiles: WireProfile[]): Table[] {
  const styles = [...new Set(profiles.map((profile) => profile.style))];
  return styles.map((style) => {
    const servers = profiles.filter((profile) => profile.style === style);
    // rows in the order of the last server's parts (msa-spool's, the furthest from bare)
    const parts = [...new Set([...servers].reverse().flatMap((profile) => profile.parts.map((p) => p.part)))];
    const cell = (profile: WireProfile, part: string) => {
      const found = profile.parts.find((p) => p.part === part);
      return found ? `${found.msPerMessage.toFixed(3)} (${(found.share * 100).toFixed(0)}%)` : "-";
    };
    const total = (profile: WireProfile) => profile.parts.reduce((sum, p) => sum + p.msPerMessage, 0).toFixed(3);
    return {
      title: `Where a message's time goes (${style} style, event loop, ms per message)`,
      note: `One more ${style}-style load per server under node --cpu-prof (${servers.map((s) => `${s.server}: ${s.messages} messages`).join(", ")}), apart from the measured rounds: the profiler slows what it watches, so read the parts, not the totals, and compare servers. Each sample's time goes to the innermost frame that names a part (a file call is the spool's, a socket write is sockets and TLS); idle is the event loop waiting. Work on Node's thread pool (fsync, file calls) runs beside the event loop and is not in these figures.`,
      header: ["part", ...servers.map((s) => `${s.server} ms (share)`)],
      rows: [
        ...parts.map((part) => [part, ...servers.map((s) => cell(s, part))]),
        ["total per message", ...servers.map(total)],
        ["start-up, once (ms)", ...servers.map((s) => s.startUpMs.toFixed(0))],
      ],
    };
  });
}
