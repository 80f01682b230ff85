// Plays one scripted SMTP session against a server and reports each command's outcome class
// (2xx, 3xx, 4xx, 5xx), so the same script can be run against Postfix and against msa and the
// answers compared. Sessions may come from another loopback address (for per-client limits).
import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";

/** A command line, `STARTTLS` (upgraded on 220), or `{ data }`: DATA, then the message and the final dot. */
export type SessionStep = string | { data: string };

export interface SessionOptions {
  port: number;
  /** Implicit TLS from the first byte (port 465). */
  tls?: boolean;
  ca: string;
  localAddress?: string;
}

/** `[command, class]` for the greeting and every step, e.g. `["MAIL FROM:<a@b>", "5xx"]`; `closed` once the server hung up. */
export async function playSession(steps: SessionStep[], options: SessionOptions): Promise<[string, string][]> {
  const tlsOptions = { ca: options.ca, servername: "localhost" };
  let socket: Socket = await new Promise<Socket>((resolve, reject) => {
    const opened: Socket = options.tls
      ? connectTls({ host: "127.0.0.1", port: options.port, ...tlsOptions, ...(options.localAddress ? { localAddress: options.localAddress } : {}) }, () => resolve(opened))
      : connectTcp({ host: "127.0.0.1", port: options.port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) }, () => resolve(opened));
    opened.once("error", reject);
  });
  let reader = new Replies(socket);
  const outcome: [string, string][] = [];
  const record = async (label: string) => {
    const reply = await reader.next();
    outcome.push([label, reply === null ? "closed" : `${reply[0]}xx`]);
    return reply;
  };
  try {
    await record("greeting");
    for (const step of steps) {
      if (outcome.at(-1)![1] === "closed") break;
      if (typeof step === "string") {
        socket.write(`${step}\r\n`);
        const reply = await record(step);
        if (/^STARTTLS$/i.test(step) && reply?.startsWith("220")) {
          reader.stop();
          socket = await new Promise<Socket>((resolve, reject) => {
            const secure = connectTls({ socket, ...tlsOptions }, () => resolve(secure));
            secure.once("error", reject);
          });
          reader = new Replies(socket);
        }
      } else {
        socket.write("DATA\r\n");
        if ((await record("DATA"))?.startsWith("354")) {
          const body = step.data.replace(/\r?\n/g, "\r\n").replace(/^\./gm, "..");
          socket.write(`${body}${body.endsWith("\r\n") ? "" : "\r\n"}.\r\n`);
          await record("end of data");
        }
      }
    }
  } finally {
    reader.stop();
    socket.destroy();
  }
  return outcome;
}

/** Complete replies from a socket (RFC 5321 section 4.2.1: `ddd-` continues a reply, `ddd ` ends it). */
class Replies {
  private buffer = "";
  private readonly complete: string[] = [];
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.buffer += chunk.toString("latin1");
    let end: number;
    while ((end = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, end).replace(/\r$/, "");
      this.buffer = this.buffer.slice(end + 1);
      if (!/^\d{3}-/.test(line)) this.complete.push(line);
    }
    this.wake?.();
  };
  private readonly onClose = () => {
    this.closed = true;
    this.wake?.();
  };

  constructor(private readonly socket: Socket) {
    socket.on("data", this.onData);
    socket.on("close", this.onClose);
    socket.on("error", this.onClose);
  }

  stop(): void {
    this.socket.off("data", this.onData);
    this.socket.off("close", this.onClose);
    this.socket.off("error", this.onClose);
    this.socket.on("error", () => undefined);
  }

  async next(timeoutMs = 15_000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.complete.shift();
      if (reply !== undefined) return reply;
      if (this.closed) return null;
      if (Date.now() >= deadline) throw new Error(`no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
