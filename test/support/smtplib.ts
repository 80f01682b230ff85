// Drives an SMTP server from tests the way other clients do: python's smtplib in a child
// process, and rawSmtp, which sends exact command lines and returns the exact replies.
import { spawn } from "node:child_process";
import { connect as connectTcp, type Socket } from "node:net";
import { StringDecoder } from "node:string_decoder";
import { connect as connectTls } from "node:tls";

export interface SmtplibResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `python3 -c SCRIPT` with `env` added to the environment (pass ports, paths and the
 * CA file this way rather than splicing them into the script). Killed after `timeoutMs`.
 */
export function runSmtplib(script: string, env: Record<string, string> = {}, options: { timeoutMs?: number } = {}): Promise<SmtplibResult> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", script], {
      env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n[runSmtplib: killed after ${timeoutMs} ms]\n`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + signalNumber(signal), stdout, stderr });
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : 0;
}

/**
 * One step of a raw conversation:
 * - a string is a command line: CRLF is appended and one reply is awaited;
 * - a Buffer is sent byte for byte (e.g. message content ending in `\r\n.\r\n`) and one reply is awaited;
 * - `{ send, replies }` sends bytes as they are and awaits `replies` replies (0 to pipeline, several after a pipelined batch).
 */
export type RawSmtpStep = string | Buffer | { send: string | Buffer; replies: number };

export interface RawSmtpOptions {
  host?: string;
  /** Implicit TLS from the first byte (port 465 style). */
  tls?: boolean;
  /** CA to trust for implicit TLS and for STARTTLS; STARTTLS upgrades only when this is given. */
  ca?: string;
  /** Name to verify the certificate against; defaults to `localhost`. */
  servername?: string;
  /** Longest wait for any one reply. */
  timeoutMs?: number;
}

/**
 * Opens a connection, reads the greeting, then plays `steps`. Returns every reply in order,
 * the greeting first, so `const [greeting, ehlo, mail] = await rawSmtp(port, ['EHLO x', 'MAIL FROM:<a@b>'])`.
 * A multi-line reply is one string whose lines are joined with `\n` (no CRLF, no final newline).
 * After a `STARTTLS` step answered with 220, the socket is upgraded to TLS (verified against `ca`).
 * If the server closes the connection, the replies received so far are returned.
 */
export async function rawSmtp(port: number, steps: RawSmtpStep[], options: RawSmtpOptions = {}): Promise<string[]> {
  const host = options.host ?? "127.0.0.1";
  const servername = options.servername ?? "localhost";
  const timeoutMs = options.timeoutMs ?? 10_000;
  const replies: string[] = [];

  let socket: Socket = await new Promise<Socket>((resolve, reject) => {
    const opened: Socket = options.tls ? connectTls({ host, port, servername, ca: options.ca }, () => resolve(opened)) : connectTcp({ host, port }, () => resolve(opened));
    opened.once("error", reject);
  });
  const reader = new ReplyReader(socket, timeoutMs);

  try {
    const greeting = await reader.next();
    if (greeting === null) return replies;
    replies.push(greeting);

    for (const step of steps) {
      const bytes = typeof step === "string" ? `${step}\r\n` : Buffer.isBuffer(step) ? step : step.send;
      const expected = typeof step === "object" && !Buffer.isBuffer(step) ? step.replies : 1;
      socket.write(bytes);
      for (let i = 0; i < expected; i++) {
        const reply = await reader.next();
        if (reply === null) return replies;
        replies.push(reply);
      }
      const isStartTls = typeof step === "string" && /^STARTTLS\s*$/i.test(step);
      if (isStartTls && options.ca !== undefined && replies[replies.length - 1]!.startsWith("220")) {
        reader.detach();
        socket = await upgradeToTls(socket, options.ca, servername);
        reader.attach(socket);
      }
    }
    return replies;
  } finally {
    reader.detach();
    socket.destroy();
  }
}

function upgradeToTls(plain: Socket, ca: string, servername: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const secure = connectTls({ socket: plain, ca, servername }, () => resolve(secure));
    secure.once("error", reject);
  });
}

/** Splits the byte stream into complete SMTP replies (RFC 5321 section 4.2: `ddd-` continues, `ddd ` ends). */
class ReplyReader {
  private buffered = "";
  private decoder = new StringDecoder("utf8");
  private lines: string[] = [];
  private complete: string[] = [];
  private closed = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private socket: Socket | undefined;

  constructor(
    socket: Socket,
    private readonly timeoutMs: number,
  ) {
    this.attach(socket);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buffered += this.decoder.write(chunk);
    let end: number;
    while ((end = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, end).replace(/\r$/, "");
      this.buffered = this.buffered.slice(end + 1);
      this.lines.push(line);
      if (!/^\d{3}-/.test(line)) {
        this.complete.push(this.lines.join("\n"));
        this.lines = [];
      }
    }
    this.wake?.();
  };
  private readonly onClose = (): void => {
    this.closed = true;
    this.wake?.();
  };
  private readonly onError = (error: Error): void => {
    this.error = error;
    this.wake?.();
  };

  attach(socket: Socket): void {
    this.socket = socket;
    this.decoder = new StringDecoder("utf8");
    socket.on("data", this.onData);
    socket.on("close", this.onClose);
    socket.on("error", this.onError);
  }

  detach(): void {
    this.socket?.off("data", this.onData);
    this.socket?.off("close", this.onClose);
    this.socket?.off("error", this.onError);
    // Errors after the conversation (e.g. a reset while closing) are of no interest.
    this.socket?.on("error", () => {});
  }

  /** The next complete reply, or null once the connection has closed. */
  async next(): Promise<string | null> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const reply = this.complete.shift();
      if (reply !== undefined) return reply;
      if (this.error && (this.error as NodeJS.ErrnoException).code !== "ECONNRESET") throw this.error;
      if (this.closed || this.error) return null;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`no complete SMTP reply within ${this.timeoutMs} ms (partial: ${JSON.stringify(this.lines)})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
