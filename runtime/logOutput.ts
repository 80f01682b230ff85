// Where the event log's lines go: stdout, gathered into one write per turn of the event loop.
// A write(2) per line was 8% of the event loop at 500 messages a second (a connection, an
// acceptance and a delivery each log a line, and each write woke the reader of the pipe).
import pino from "pino";

/** Lines past this many bytes are written at once, so a burst within one turn cannot grow without bound. */
const MAX_PENDING_BYTES = 64 * 1024;

/** A pino destination that writes what one turn logged in one call, and what is left at exit. */
export class TurnBatchedOutput implements pino.DestinationStream {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;

  constructor(private readonly out: { write(text: string): unknown }) {}

  write(line: string): void {
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= MAX_PENDING_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes every pending line now (the turn's end, a full buffer, or the process's exit). */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    this.out.write(text);
  };
}

let stdoutOutput: TurnBatchedOutput | undefined;

/** The process's one batched stdout, shared by every logger (each policy version has its own). */
export function stdoutLogOutput(): TurnBatchedOutput {
  if (!stdoutOutput) {
    const output = new TurnBatchedOutput(pino.destination({ dest: 1, sync: true }));
    // 'exit' also runs after an uncaught exception: the lines that explain it are not lost
    process.on("exit", output.flush);
    stdoutOutput = output;
  }
  return stdoutOutput;
}
