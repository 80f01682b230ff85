// A minimal LSP client for the tests that drive `msac lsp` over stdio as an editor would:
// Content-Length framing, requests by id, notifications by method.
import type { ChildProcessWithoutNullStreams } from "node:child_process";

/** A minimal LSP client: Content-Length framing, requests by id, notifications by method. */
export class Client {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private readonly waiting: { method: string; accept: (params: any) => boolean; resolve: (params: any) => void }[] = [];
  readonly notifications: { method: string; params: any }[] = [];

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const headerEnd = this.buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0) return;
        const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString())![1]);
        if (this.buffer.length < headerEnd + 4 + length) return;
        const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8"));
        this.buffer = this.buffer.subarray(headerEnd + 4 + length);
        this.dispatch(message);
      }
    });
  }

  private dispatch(message: any) {
    if (message.id !== undefined && !message.method) {
      this.pending.get(message.id)?.(message.result);
      this.pending.delete(message.id);
    } else if (message.method) {
      this.notifications.push(message);
      const index = this.waiting.findIndex((w) => w.method === message.method && w.accept(message.params));
      if (index >= 0) this.waiting.splice(index, 1)[0]!.resolve(message.params);
    }
  }

  private send(message: object) {
    const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...message }), "utf8");
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  request<T = any>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (r: unknown) => void);
      this.send({ id, method, params });
    });
  }

  notify(method: string, params: unknown) {
    this.send({ method, params });
  }

  next(method: string, accept: (params: any) => boolean = () => true): Promise<any> {
    const seen = this.notifications.find((n) => n.method === method && accept(n.params));
    if (seen) {
      this.notifications.splice(this.notifications.indexOf(seen), 1);
      return Promise.resolve(seen.params);
    }
    return new Promise((resolve) => this.waiting.push({ method, accept, resolve }));
  }
}
