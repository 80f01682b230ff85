// A raw SMTP client over a plain socket, for what a client library will not do: read replies as
// they come, send half a command or nothing at all, and notice when the server closes.
import { connect, type Socket } from "node:net";

/** Replies are collected whole (multi-line ones joined with newlines), one entry per reply. */
export class LineClient {
  readonly replies: string[] = [];
  closed = false;
  private buffer = "";
  private waiters: (() => void)[] = [];
  private pending: string[] = [];

  private constructor(readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, end).replace(/\r$/, "");
        this.buffer = this.buffer.slice(end + 1);
        this.pending.push(line);
        if (/^\d{3} /.test(line) || !/^\d{3}-/.test(line)) {
          this.replies.push(this.pending.join("\n"));
          this.pending = [];
        }
      }
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  static async connect(port: number, localAddress?: string): Promise<LineClient> {
    const socket = connect({ host: "127.0.0.1", port, ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new LineClient(socket);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `count` replies in all have arrived (or the connection closed, or the time is up). */
  async waitReplies(count: number, timeoutMs = 5000): Promise<string[]> {
    await this.waitFor(() => this.replies.length >= count || this.closed, timeoutMs);
    return this.replies;
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    await this.waitFor(() => this.closed, timeoutMs);
    return this.closed;
  }

  /** Wakes on every reply line and on close, until `done()` holds or the time is up. */
  private async waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a command line and returns its reply (the next one). */
  async command(line: string, timeoutMs = 5000): Promise<string | undefined> {
    const want = this.replies.length + 1;
    this.write(`${line}\r\n`);
    await this.waitReplies(want, timeoutMs);
    return this.replies[want - 1];
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  end(): void {
    this.socket.destroy();
  }
}
