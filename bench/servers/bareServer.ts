// The wire baseline: a bare smtp-server that does nothing, the ceiling of this stack.
// STARTTLS with the same certificate as msa, AUTH PLAIN/LOGIN accepting any credentials
// (no password verification), every address and every message, which it reads and drops.
// Run as `node dist/bench/servers/bareServer.js bare CERT KEY`; prints one JSON line
// {"port":N} once listening, stops on SIGTERM. (The `sink` mode is an smtp-server next
// hop, kept for comparison; the benchmark's next hop is servers/sink.ts.)
import fs from "node:fs";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { SMTPServer } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";

// The baseline greets at once, as msa does (runtime/smtp/msaConnection.ts): smtp-server's 100 ms
// early-talker pause would otherwise make the ceiling slower than msa in one-message sessions.
SMTPConnection.prototype.init = function (this: SMTPConnection) {
  this._setListeners(() => this.connectionReady());
};

export type BareMode = "bare" | "sink";

export interface BareServerOptions {
  mode: BareMode;
  /** PEM certificate and key (bare mode: STARTTLS). */
  cert?: Buffer;
  key?: Buffer;
  port?: number;
}

export interface RunningBareServer {
  port: number;
  /** Messages taken so far. */
  messages(): number;
  close(): Promise<void>;
}

function drain(stream: Readable, done: (error?: Error | null) => void): void {
  stream.on("data", () => undefined);
  stream.on("end", () => done());
  stream.on("error", (error) => done(error));
}

export async function startBareServer(options: BareServerOptions): Promise<RunningBareServer> {
  let count = 0;
  const bare = options.mode === "bare";
  const server = new SMTPServer({
    ...(bare ? { cert: options.cert, key: options.key } : {}),
    name: bare ? "bare.bench.test" : "sink.bench.test",
    secure: false,
    hideSTARTTLS: !bare,
    authOptional: !bare,
    disabledCommands: bare ? [] : ["AUTH", "STARTTLS"],
    authMethods: ["PLAIN", "LOGIN"],
    disableReverseLookup: true,
    size: 0,
    logger: false,
    // msa's `timeout command` default (5 minutes), not smtp-server's 60 s: the concurrency section
    // holds thousands of idle sessions for longer than a minute while it opens the rest.
    socketTimeout: 5 * 60_000,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onData: (stream, _session, callback) =>
      drain(stream, (error) => {
        count++;
        callback(error ?? null);
      }),
  });
  server.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server as unknown as { server: { address(): { port: number } } }).server.address().port;
  return {
    port,
    messages: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function main(argv: string[]): Promise<void> {
  const mode = argv[0] as BareMode;
  if (mode !== "bare" && mode !== "sink") throw new Error("usage: bareServer.js bare|sink [CERT KEY]");
  const running = await startBareServer({
    mode,
    cert: argv[1] ? fs.readFileSync(argv[1]) : undefined,
    key: argv[2] ? fs.readFileSync(argv[2]) : undefined,
  });
  process.stdout.write(JSON.stringify({ port: running.port }) + "\n");
  const stop = () => void running.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv.slice(2));
