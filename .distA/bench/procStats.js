// What the kernel says about another process (Linux /proc): CPU seconds used so far,
// resident and peak resident memory. The server runs in its own process, so these
// figures are the server's alone, not the load generator's.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
let clockTicks;
/** Clock ticks per second for /proc/PID/stat (CLK_TCK, almost always 100). */
function ticksPerSecond() {
    if (clockTicks === undefined) {
        try {
            clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
        }
        catch {
            clockTicks = 100;
        }
    }
    return clockTicks;
}
/** User plus system CPU seconds the process has used (fields 14 and 15 of /proc/PID/stat). */
export function cpuSeconds(pid) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / ticksPerSecond();
}
function statusField(pid, name) {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match)
        throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
}
/** Resident set size now, in bytes (VmRSS). */
export function residentBytes(pid) {
    return statusField(pid, "VmRSS");
}
/** Peak resident set size since the process started, in bytes (VmHWM). */
export function peakResidentBytes(pid) {
    return statusField(pid, "VmHWM");
}
export const MB = 1024 * 1024;
//# sourceMappingURL=procStats.js.map