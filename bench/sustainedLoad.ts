// The sustained bench's client, a process of its own (sustained.ts), so that its CPU is its own
// and the bench process's sampling does not slow it: `node dist/bench/sustainedLoad.js
// REQUEST_JSON`. It says "ready", starts on "start", answers "count" with the messages accepted
// so far, and sends its result when its sessions are done.
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { generateMessages } from "./messages.js";

export interface SustainedLoadRequest {
  port: number;
  /** How long the sessions send. */
  seconds: number;
  /** Sessions, each one reused plain connection. */
  concurrency: number;
}

export interface SustainedLoadResult {
  accepted: number;
  failed: number;
  firstError?: string;
  /** From the start to the last session's last 250. */
  loadSeconds: number;
  /** This process's CPU (user + system) during the load. */
  cpuSeconds: number;
}

const request = JSON.parse(process.argv[2] ?? "null") as SustainedLoadRequest | null;
if (!request || !process.send) throw new Error("usage: sustainedLoad.js REQUEST_JSON, with an IPC channel");
const send = process.send.bind(process);
const messages = generateMessages(200, "client@bench.test", "bench.test");

let accepted = 0;
let failed = 0;
let firstError: string | undefined;
let next = 0;

function fail(error: Error): void {
  failed++;
  firstError ??= error.message;
}

async function session(load: SustainedLoadRequest, elapsed: () => number): Promise<void> {
  const connection = new SMTPConnection({ host: "127.0.0.1", port: load.port, secure: false, ignoreTLS: true, socketTimeout: 60_000, logger: false, name: "client.bench.test" });
  const connected = await new Promise<boolean>((done) => {
    connection.on("error", (error: Error) => {
      fail(error);
      done(false);
    });
    connection.connect(() => done(true));
  });
  if (!connected) return;
  try {
    while (elapsed() < load.seconds && !failed) {
      const message = messages[next++ % messages.length]!;
      await new Promise<void>((done) =>
        connection.send({ from: message.from, to: message.to }, message.raw, (error) => {
          if (error) fail(error);
          else accepted++;
          done();
        }),
      );
    }
  } finally {
    connection.quit();
  }
}

async function run(load: SustainedLoadRequest): Promise<SustainedLoadResult> {
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(Array.from({ length: load.concurrency }, () => session(load, elapsed)));
  const cpu = process.cpuUsage(cpuBefore);
  return { accepted, failed, ...(firstError ? { firstError } : {}), loadSeconds: elapsed(), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

process.on("message", (message) => {
  if (message === "count") send({ count: accepted });
  if (message === "start") {
    void run(request).then((result) => send({ result }, () => process.disconnect()));
  }
});
send("ready");
