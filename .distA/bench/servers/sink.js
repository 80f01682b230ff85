// The next hop that msa relays to in the wire benchmark: a minimal SMTP receiver that
// reads each message to the final dot, answers 250 and forgets it. Written on node:net
// rather than smtp-server on purpose: smtp-server waits 100 ms before every greeting
// (early-talker detection), which would add 100 ms to every new connection to the next
// hop. A real MTA on the same host (Postfix smtpd without postscreen) greets at once.
// Run as `node dist/bench/servers/sink.js`; prints {"port":N}, stops on SIGTERM.
import { createServer } from "node:net";
import { pathToFileURL } from "node:url";
const EHLO_REPLY = ["250-sink.bench.test", "250-PIPELINING", "250-8BITMIME", "250-SMTPUTF8", "250-DSN", "250 ENHANCEDSTATUSCODES"].join("\r\n") + "\r\n";
function serveSession(socket, counted) {
    let inData = false;
    let pending = ""; // latin1: one char per byte, so offsets are byte offsets
    const reply = (text) => socket.write(text + "\r\n");
    const onCommand = (line) => {
        const verb = line.slice(0, 4).toUpperCase();
        switch (verb) {
            case "EHLO":
                socket.write(EHLO_REPLY);
                break;
            case "HELO":
                reply("250 sink.bench.test");
                break;
            case "DATA":
                inData = true;
                pending = "\r\n" + pending;
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
    socket.on("data", (chunk) => {
        pending += chunk.toString("latin1");
        for (;;) {
            if (inData) {
                // The message ends at CRLF.CRLF (pending starts with the DATA line's CRLF, for an empty message).
                const end = pending.indexOf("\r\n.\r\n");
                if (end < 0) {
                    // Keep only what could still be the start of the terminator.
                    if (pending.length > 4)
                        pending = pending.slice(-4);
                    return;
                }
                pending = pending.slice(end + 5);
                inData = false;
                counted();
                reply("250 2.0.0 taken");
                continue;
            }
            const eol = pending.indexOf("\r\n");
            if (eol < 0)
                return;
            const line = pending.slice(0, eol);
            pending = pending.slice(eol + 2);
            onCommand(line);
        }
    });
    reply("220 sink.bench.test ESMTP bench sink");
}
export async function startSink(port = 0) {
    let count = 0;
    const server = createServer((socket) => serveSession(socket, () => count++));
    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string")
        throw new Error("the sink has no TCP address");
    return {
        port: address.port,
        messages: () => count,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
    const sink = await startSink();
    process.stdout.write(JSON.stringify({ port: sink.port }) + "\n");
    const stop = () => process.exit(0);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
}
//# sourceMappingURL=sink.js.map