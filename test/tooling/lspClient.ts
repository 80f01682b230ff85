// A minimal LSP client for the tests that drive `msac lsp` over stdio as an editor would:
// Content-Length framing, requests by id, notifications by method.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

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
      // A notification a waiter took is consumed: a later `next` must not see it again.
      const index = this.waiting.findIndex((w) => w.method === message.method && w.accept(message.params));
      if (index >= 0) this.waiting.splice(index, 1)[0]!.resolve(message.params);
      else this.notifications.push(message);
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

  /** Opens a document as an editor does and returns the diagnostics then published on it. */
  async open(uri: string, text: string, languageId = "msa"): Promise<any[]> {
    this.notify("textDocument/didOpen", { textDocument: { uri, languageId, version: 1, text } });
    return (await this.next("textDocument/publishDiagnostics", (p) => p.uri === uri)).diagnostics;
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

/** `msac lsp` as built (dist/ is built once by test/globalSetup.ts), initialized; returns the client and the server's capabilities. */
export async function startLanguageServer(): Promise<{ client: Client; capabilities: any }> {
  const client = new Client(spawn(process.execPath, ["dist/cli/msac.js", "lsp"], { stdio: "pipe" }));
  const result = await client.request("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  client.notify("initialized", {});
  return { client, capabilities: result.capabilities };
}

/** Ends the server: `shutdown`, then `exit`, as an editor closing does. */
export async function stopLanguageServer(client: Client | undefined): Promise<void> {
  if (!client || client.child.exitCode !== null) return;
  const exited = new Promise((resolve) => client.child.on("exit", resolve));
  await client.request("shutdown", null);
  client.notify("exit", null);
  await exited;
}
