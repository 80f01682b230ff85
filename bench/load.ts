// The load generator: submits messages over real SMTP with nodemailer, the way clients do.
// - "mua": each message on its own connection: connect, EHLO, STARTTLS, EHLO, AUTH PLAIN,
//   MAIL, RCPT, DATA, QUIT (what a mail user agent does when you press Send).
// - "app": each client keeps one authenticated connection and sends its messages one after
//   another on it (what an application or a newsletter job does).
// `concurrency` clients run at once and share the messages (each once, or cycled until
// `seconds` are up); latency is per message, from the moment its client starts it (for "mua"
// that includes connect, TLS and AUTH).
import nodemailer from "nodemailer";
import type { BenchMessage } from "./messages.js";

export type LoadStyle = "mua" | "app";

export interface LoadOptions {
  port: number;
  style: LoadStyle;
  concurrency: number;
  messages: readonly BenchMessage[];
  /** Clients cycle through `messages` and start none after this many seconds; absent: each message is sent once. */
  seconds?: number;
  login: string;
  password: string;
}

export interface LoadResult {
  seconds: number;
  sent: number;
  failed: number;
  /** Milliseconds per message, for the messages that were accepted. */
  latenciesMs: number[];
  firstError?: string;
}

function transportFor(options: LoadOptions, pooled: boolean) {
  return nodemailer.createTransport({
    host: "127.0.0.1",
    port: options.port,
    secure: false,
    requireTLS: true,
    name: "client.bench.test",
    auth: { user: options.login, pass: options.password },
    // The bench certificate is self-signed; verifying it is the client's cost, not the server's.
    tls: { rejectUnauthorized: false },
    ...(pooled ? { pool: true, maxConnections: 1, maxMessages: Number.POSITIVE_INFINITY } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;

  const send = async (transport: ReturnType<typeof transportFor>, message: BenchMessage) => {
    const started = process.hrtime.bigint();
    try {
      await transport.sendMail({ envelope: { from: message.from, to: message.to }, raw: message.raw });
      latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    } catch (error) {
      failed++;
      firstError ??= (error as Error).message;
    }
  };

  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const more = options.seconds === undefined ? () => next < options.messages.length : () => elapsed() < options.seconds!;
  const client = async () => {
    const pooled = options.style === "app" ? transportFor(options, true) : undefined;
    try {
      while (more()) {
        const message = options.messages[next++ % options.messages.length]!;
        if (pooled) {
          await send(pooled, message);
        } else {
          const transport = transportFor(options, false);
          await send(transport, message);
          transport.close();
        }
      }
    } finally {
      pooled?.close();
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, client));
  return { seconds: elapsed(), sent: latenciesMs.length, failed, latenciesMs, firstError };
}
