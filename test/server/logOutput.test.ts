// The event log's stdout: one write for what 10 ms logged, nothing lost at exit.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BatchedLogOutput, LOG_FLUSH_DELAY_MS } from "../../runtime/logOutput.js";

const DIST_LOG_OUTPUT = pathToFileURL(join(import.meta.dirname, "..", "..", "dist", "runtime", "logOutput.js")).href;

function recordingOutput(): { output: BatchedLogOutput; writes: string[] } {
  const writes: string[] = [];
  return { output: new BatchedLogOutput({ write: (text: string) => writes.push(text) }), writes };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the event log's output", () => {
  it("writes the lines logged within 10 ms in one write, in the order they were logged", () => {
    vi.useFakeTimers();
    const { output, writes } = recordingOutput();
    output.write('{"event":"connect"}\n');
    vi.advanceTimersByTime(LOG_FLUSH_DELAY_MS - 1);
    output.write('{"event":"accept"}\n');
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(writes).toEqual(['{"event":"connect"}\n{"event":"accept"}\n']);
    output.write('{"event":"close"}\n');
    vi.advanceTimersByTime(LOG_FLUSH_DELAY_MS);
    expect(writes).toEqual(['{"event":"connect"}\n{"event":"accept"}\n', '{"event":"close"}\n']);
  });

  it("writes a burst in whole lines of at most 4096 bytes, which a pipe never splits nor mixes with another worker's", () => {
    const { output, writes } = recordingOutput();
    const line = `${JSON.stringify({ event: "accept", text: "é".repeat(300) })}\n`; // 629 bytes, 329 characters
    for (let count = 0; count < 20; count++) output.write(line);
    // six lines fill a write (3,774 bytes), a seventh would pass 4096: it waits for the next one
    expect(writes).toEqual([line.repeat(6), line.repeat(6), line.repeat(6)]);
    const long = `${JSON.stringify({ event: "accept", text: "x".repeat(5000) })}\n`;
    output.write(long);
    expect(writes.slice(3)).toEqual([line.repeat(2)]);
    output.flush();
    expect(writes.slice(4)).toEqual([long]);
  });

  it("keeps the lines logged just before the process exits, and those its exit handlers log", () => {
    const script = `import { stdoutLogOutput } from ${JSON.stringify(DIST_LOG_OUTPUT)};
      const output = stdoutLogOutput();
      output.write('{"event":"stopping"}\\n');
      output.write('{"event":"stopped"}\\n');
      process.on("exit", () => output.write('{"event":"exit-handler"}\\n'));
      process.exit(3);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.status).toBe(3);
    expect(run.stdout).toBe('{"event":"stopping"}\n{"event":"stopped"}\n{"event":"exit-handler"}\n');
  });

  it("keeps the lines logged before an uncaught exception ends the process", () => {
    const script = `import { stdoutLogOutput } from ${JSON.stringify(DIST_LOG_OUTPUT)};
      stdoutLogOutput().write('{"event":"start-failed"}\\n');
      throw new Error("boom");`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('{"event":"start-failed"}\n');
    expect(run.stderr).toContain("boom");
  });
});
