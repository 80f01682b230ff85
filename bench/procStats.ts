// What the kernel says about a process (Linux /proc): CPU seconds used so far, resident and
// peak resident memory; for the full-path bench also a whole process tree (a Postfix instance:
// its master and every process it ran) and the children this process has reaped (smtp-source).
// The server runs in its own process, so these figures are the server's alone.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

let clockTicks: number | undefined;

/** Clock ticks per second for /proc/PID/stat (CLK_TCK, almost always 100). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Fields 3 onwards of /proc/PID/stat (the command name, field 2, may hold spaces and parentheses). */
function statFields(pid: number | "self"): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** User plus system CPU seconds the process has used (fields 14 and 15 of /proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / ticksPerSecond();
}

function statusField(pid: number, name: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match) throw new Error(`no ${name} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Resident set size now, in bytes (VmRSS). */
export function residentBytes(pid: number): number {
  return statusField(pid, "VmRSS");
}

/** Peak resident set size since the process started, in bytes (VmHWM). */
export function peakResidentBytes(pid: number): number {
  return statusField(pid, "VmHWM");
}

export const MB = 1024 * 1024;

/** user + system CPU seconds of this process's children that it has waited for (cutime + cstime). */
export function reapedChildrenCpuSeconds(): number {
  const fields = statFields("self");
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond();
}

/**
 * CPU seconds used so far by `rootPid` and every process it ran: its own utime + stime, the
 * cutime + cstime of the children it reaped (Postfix's master reaps every service process),
 * and the utime + stime of its live descendants. The difference across a round covers a
 * process that started or exited within it.
 */
export function processTreeCpuSeconds(rootPid: number): number {
  const parents = new Map<number, number[]>();
  const own = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fields: string[];
    try {
      fields = statFields(Number(entry));
    } catch {
      continue; // exited while we looked
    }
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    own.set(pid, Number(fields[11]) + Number(fields[12]));
    parents.set(ppid, [...(parents.get(ppid) ?? []), pid]);
  }
  const root = statFields(rootPid);
  let ticks = Number(root[11]) + Number(root[12]) + Number(root[13]) + Number(root[14]);
  const pending = [...(parents.get(rootPid) ?? [])];
  for (let guard = 0; pending.length && guard < 100_000; guard++) {
    const pid = pending.pop()!;
    ticks += own.get(pid) ?? 0;
    pending.push(...(parents.get(pid) ?? []));
  }
  return ticks / ticksPerSecond();
}
