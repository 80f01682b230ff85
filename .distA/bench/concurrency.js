// Concurrency: what idle sessions cost the server. Opens N sessions the way MUAs leave
// them (greeting, EHLO, STARTTLS, TLS handshake, EHLO again, then silence), waits, and
// reads the server's RSS; subtracts its RSS before the first session. The bare
// smtp-server is measured the same way in the same run as the baseline.
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { MB, residentBytes } from "./procStats.js";
/** Reads SMTP replies from a socket: resolves with the next complete reply (last line `NNN `). */
function replyReader(socket) {
    let buffer = "";
    let waiting;
    let failed;
    const take = () => {
        const match = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
        if (match && waiting) {
            const end = match.index + match[0].length;
            const reply = buffer.slice(0, end);
            buffer = buffer.slice(end);
            const resolve = waiting;
            waiting = undefined;
            resolve(reply);
        }
    };
    const onData = (chunk) => {
        buffer += chunk.toString("latin1");
        take();
    };
    const onError = (error) => failed?.(error);
    socket.on("data", onData);
    socket.on("error", onError);
    return {
        next: () => new Promise((resolve, reject) => {
            waiting = resolve;
            failed = reject;
            take();
        }),
        detach: () => {
            socket.off("data", onData);
            socket.off("error", onError);
        },
    };
}
async function expect(reader, code) {
    const reply = await reader.next();
    if (!reply.startsWith(code))
        throw new Error(`expected ${code}, got ${reply.trim()}`);
}
/** One idle STARTTLS session; resolves with its TLS socket once the second EHLO is answered. */
export async function openIdleSession(port) {
    const socket = connect({ host: "127.0.0.1", port });
    await new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
    });
    const plain = replyReader(socket);
    await expect(plain, "220");
    socket.write("EHLO idle.bench.test\r\n");
    await expect(plain, "250");
    socket.write("STARTTLS\r\n");
    await expect(plain, "220");
    plain.detach();
    const secure = tlsConnect({ socket, rejectUnauthorized: false, servername: "localhost" });
    await new Promise((resolve, reject) => {
        secure.once("secureConnect", resolve);
        secure.once("error", reject);
    });
    const reader = replyReader(secure);
    secure.write("EHLO idle.bench.test\r\n");
    await expect(reader, "250");
    reader.detach();
    secure.on("error", () => undefined);
    return secure;
}
export async function measureIdleSessions(server, sessions, settleMs) {
    // One session first, so lazily loaded code (TLS, the policy's session setup) is not counted as per-session cost.
    (await openIdleSession(server.port)).destroy();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const before = residentBytes(server.child.pid);
    const open = [];
    try {
        const batch = 25;
        for (let start = 0; start < sessions; start += batch) {
            const count = Math.min(batch, sessions - start);
            const opened = await Promise.allSettled(Array.from({ length: count }, () => openIdleSession(server.port)));
            for (const result of opened)
                if (result.status === "fulfilled")
                    open.push(result.value);
        }
        await new Promise((resolve) => setTimeout(resolve, settleMs));
        const after = residentBytes(server.child.pid);
        return {
            server: server.name,
            sessions,
            opened: open.length,
            rssBeforeMB: before / MB,
            rssAfterMB: after / MB,
            kbPerSession: open.length ? (after - before) / 1024 / open.length : Number.NaN,
        };
    }
    finally {
        for (const socket of open)
            socket.destroy();
    }
}
//# sourceMappingURL=concurrency.js.map