// Where the event log's lines go: stdout, gathered for up to 10 ms into one write. A write(2) per
// line was 8% of the event loop at 500 messages a second (a connection, an acceptance and a
// delivery each log a line, and each write woke the reader of the pipe); a write per turn of the
// event loop still cost 3.7% at 800 messages a second with a new connection each, since under
// that load a turn carries a line or two.
import pino from "pino";

/**
 * The most one write carries, in whole lines: a write of up to PIPE_BUF (4096 bytes on Linux) to a
 * pipe is never split nor mixed with another process's, and with `workers N` every process writes
 * to the same stdout. A line longer than that is written alone, as every line was before.
 */
const ATOMIC_WRITE_BYTES = 4096;

/**
 * How long a line may wait for others: what a reader of the log can stand, and the most a kill -9
 * loses (an exit, even on an uncaught exception, writes everything first).
 */
export const LOG_FLUSH_DELAY_MS = 10;

/** A pino destination that writes what was logged within LOG_FLUSH_DELAY_MS in as few calls as keep lines whole. */
export class BatchedLogOutput implements pino.DestinationStream {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  /** Once the process exits no timer runs any more: each line is written as it comes. */
  private exiting = false;

  constructor(private readonly out: { write(text: string): unknown }) {}

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.pendingBytes + bytes > ATOMIC_WRITE_BYTES) this.writePending();
    this.pending.push(line);
    this.pendingBytes += bytes;
    if (this.exiting) this.writePending();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.endOfDelay, LOG_FLUSH_DELAY_MS).unref();
    }
  }

  /** Writes every pending line now; pino's `logger.flush(callback)` calls it. */
  flush(callback?: (error?: Error) => void): void {
    this.writePending();
    callback?.();
  }

  /** Writes what is left and every later line at once: the process is exiting. */
  readonly exit = (): void => {
    this.exiting = true;
    this.writePending();
  };

  private readonly endOfDelay = (): void => {
    this.scheduled = false;
    this.writePending();
  };

  private writePending(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    this.out.write(text);
  }
}

let stdoutOutput: BatchedLogOutput | undefined;

/** The process's one batched stdout, shared by every logger (each policy version has its own). */
export function stdoutLogOutput(): BatchedLogOutput {
  if (!stdoutOutput) {
    const output = new BatchedLogOutput(pino.destination({ dest: 1, sync: true }));
    // 'exit' also runs after an uncaught exception: the lines that explain it are not lost
    process.on("exit", output.exit);
    stdoutOutput = output;
  }
  return stdoutOutput;
}
