// The load generator: submits messages over real SMTP with nodemailer, the way clients do.
// - "mua": each message on its own connection: connect, EHLO, STARTTLS, EHLO, AUTH PLAIN,
//   MAIL, RCPT, DATA, QUIT (what a mail user agent does when you press Send).
// - "app": each client keeps one authenticated connection and sends its messages one after
//   another on it (what an application or a newsletter job does).
// `concurrency` clients run at once and share the messages; latency is per message, from
// the moment its client starts it (for "mua" that includes connect, TLS and AUTH).
import nodemailer from "nodemailer";
function transportFor(options, pooled) {
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
    });
}
export async function runLoad(options) {
    const latenciesMs = [];
    let next = 0;
    let failed = 0;
    let firstError;
    const send = async (transport, message) => {
        const started = process.hrtime.bigint();
        try {
            await transport.sendMail({ envelope: { from: message.from, to: message.to }, raw: message.raw });
            latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        catch (error) {
            failed++;
            firstError ??= error.message;
        }
    };
    const client = async () => {
        const pooled = options.style === "app" ? transportFor(options, true) : undefined;
        try {
            while (next < options.messages.length) {
                const message = options.messages[next++];
                if (pooled) {
                    await send(pooled, message);
                }
                else {
                    const transport = transportFor(options, false);
                    await send(transport, message);
                    transport.close();
                }
            }
        }
        finally {
            pooled?.close();
        }
    };
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, client));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { seconds, sent: latenciesMs.length, failed, latenciesMs, firstError };
}
//# sourceMappingURL=load.js.map