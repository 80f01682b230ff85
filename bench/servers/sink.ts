// The next hop that msa relays to in the wire benchmark: a minimal SMTP receiver that
// reads each message to the final dot, answers 250 and forgets it. Written on node:net
// rather than smtp-server on purpose: smtp-server waits 100 ms before every greeting
// (early-talker detection), which would add 100 ms to every new connection to the next
// hop. A real MTA on the same host (Postfix smtpd without postscreen) greets at once.
// For the full-path bench it also notes when each message tagged `X-Bench-Id: ID` arrived
// (process.hrtime, CLOCK_MONOTONIC: comparable with the bench process's own clock) and
// answers three commands of its own on the same port: XCOUNT (messages so far), XWAIT N
// (answers once N messages have arrived) and XARRIVALS (the arrival times as JSON, then
// forgotten), so the bench asks a sink in another process without polling it.
// Run as `node dist/bench/servers/sink.js`; prints {"port":N}, stops on SIGTERM.
import { createServer, type Server, type Socket } from "node:net";
import { pathToFileURL } from "node:url";

export interface RunningSink {
  port: number;
  messages(): number;
  close(): Promise<void>;
}

const EHLO_REPLY = ["250-sink.bench.test", "250-PIPELINING", "250-8BITMIME", "250-SMTPUTF8", "250-DSN", "250 ENHANCEDSTATUSCODES"].join("\r\n") + "\r\n";

/** What the sessions share: the count, the tagged arrivals and the XWAIT requests still open. */
interface SinkState {
  count: number;
  /** X-Bench-Id -> arrival, milliseconds of the monotonic clock. */
  arrivals: Map<string, number>;
  waiters: { count: number; answer: () => void }[];
}

const BENCH_ID = /\r\nX-Bench-Id: *([^\r\n]+)\r\n/i;
/** The header of a message is searched for the tag only this far. */
const HEAD_BYTES = 65_536;

function counted(state: SinkState, head: string): void {
  state.count++;
  const headerEnd = head.indexOf("\r\n\r\n");
  const id = BENCH_ID.exec(headerEnd < 0 ? head : head.slice(0, headerEnd + 2))?.[1];
  if (id !== undefined) state.arrivals.set(id, Number(process.hrtime.bigint()) / 1e6);
  if (state.waiters.length === 0) return;
  const due = state.waiters.filter((waiter) => waiter.count <= state.count);
  state.waiters = state.waiters.filter((waiter) => waiter.count > state.count);
  for (const waiter of due) waiter.answer();
}

function serveSession(socket: Socket, state: SinkState): void {
  let inData = false;
  let pending = ""; // latin1: one char per byte, so offsets are byte offsets
  // The message so far, up to the end of its header (or HEAD_BYTES), for the X-Bench-Id tag.
  let head = "";
  const reply = (text: string) => socket.write(text + "\r\n");
  const onCommand = (line: string) => {
    const verb = line.split(" ", 1)[0]!.toUpperCase();
    switch (verb) {
      case "XCOUNT":
        reply(`250 ${state.count}`);
        break;
      case "XWAIT": {
        const count = Number(line.slice(6));
        if (state.count >= count) reply(`250 ${state.count}`);
        else state.waiters.push({ count, answer: () => reply(`250 ${state.count}`) });
        break;
      }
      case "XARRIVALS":
        reply(`250 ${JSON.stringify(Object.fromEntries(state.arrivals))}`);
        state.arrivals.clear();
        break;
      case "EHLO":
        socket.write(EHLO_REPLY);
        break;
      case "HELO":
        reply("250 sink.bench.test");
        break;
      case "DATA":
        inData = true;
        pending = "\r\n" + pending;
        head = pending.slice(0, HEAD_BYTES);
        reply("354 go ahead");
        break;
      case "QUIT":
        socket.end("221 2.0.0 bye\r\n");
        break;
      case "MAIL":
      case "RCPT":
      case "RSET":
      case "NOOP":
        reply("250 2.0.0 ok");
        break;
      default:
        reply("502 5.5.1 not here");
    }
  };
  socket.setNoDelay(true);
  socket.on("error", () => undefined);
  socket.on("data", (chunk: Buffer) => {
    const text = chunk.toString("latin1");
    pending += text;
    if (inData && head.length < HEAD_BYTES && !head.includes("\r\n\r\n")) head += text.slice(0, HEAD_BYTES - head.length);
    for (;;) {
      if (inData) {
        // The message ends at CRLF.CRLF (pending starts with the DATA line's CRLF, for an empty message).
        const end = pending.indexOf("\r\n.\r\n");
        if (end < 0) {
          // Keep only what could still be the start of the terminator.
          if (pending.length > 4) pending = pending.slice(-4);
          return;
        }
        pending = pending.slice(end + 5);
        inData = false;
        counted(state, head);
        head = "";
        reply("250 2.0.0 taken");
        continue;
      }
      const eol = pending.indexOf("\r\n");
      if (eol < 0) return;
      const line = pending.slice(0, eol);
      pending = pending.slice(eol + 2);
      onCommand(line);
    }
  });
  reply("220 sink.bench.test ESMTP bench sink");
}

export async function startSink(port = 0): Promise<RunningSink> {
  const state: SinkState = { count: 0, arrivals: new Map(), waiters: [] };
  const server: Server = createServer((socket) => serveSession(socket, state));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the sink has no TCP address");
  return {
    port: address.port,
    messages: () => state.count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const sink = await startSink();
  process.stdout.write(JSON.stringify({ port: sink.port }) + "\n");
  const stop = () => process.exit(0);
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
