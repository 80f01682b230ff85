// The event log's stdout: one write per turn of the event loop, nothing lost at exit.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { TurnBatchedOutput } from "../../runtime/logOutput.js";

const DIST_LOG_OUTPUT = pathToFileURL(join(import.meta.dirname, "..", "..", "dist", "runtime", "logOutput.js")).href;

function recordingOutput(): { output: TurnBatchedOutput; writes: string[] } {
  const writes: string[] = [];
  return { output: new TurnBatchedOutput({ write: (text: string) => writes.push(text) }), writes };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("the event log's output", () => {
  it("writes the lines of one turn in one write, in the order they were logged", async () => {
    const { output, writes } = recordingOutput();
    output.write('{"event":"connect"}\n');
    output.write('{"event":"accept"}\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['{"event":"connect"}\n{"event":"accept"}\n']);
    output.write('{"event":"close"}\n');
    await nextTurn();
    expect(writes).toEqual(['{"event":"connect"}\n{"event":"accept"}\n', '{"event":"close"}\n']);
  });

  it("writes a burst at once when it passes 64 KiB, without waiting for the turn to end", () => {
    const { output, writes } = recordingOutput();
    const line = `${JSON.stringify({ event: "accept", text: "x".repeat(1000) })}\n`;
    for (let count = 0; count < 70; count++) output.write(line);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(
      writes[0]!
        .split("\n")
        .filter(Boolean)
        .every((text) => text === line.trimEnd()),
    ).toBe(true);
  });

  it("keeps the lines logged just before the process exits", () => {
    const script = `import { stdoutLogOutput } from ${JSON.stringify(DIST_LOG_OUTPUT)};
      const output = stdoutLogOutput();
      output.write('{"event":"stopping"}\\n');
      output.write('{"event":"stopped"}\\n');
      process.exit(3);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(run.status).toBe(3);
    expect(run.stdout).toBe('{"event":"stopping"}\n{"event":"stopped"}\n');
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
