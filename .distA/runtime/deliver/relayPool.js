// Connection reuse for the relay client: a few open SMTP sessions per next hop, handed to one
// transaction at a time. Accounting only; relayClient.ts opens, uses, resets and closes them.
//
// - At most maxConnections sessions per next hop exist at once (open, in use or being opened);
//   a transaction that finds none free waits for one, up to the time it has left.
// - A session goes back to the pool only after a completed transaction, or a refused one and
//   RSET (RFC 5321 section 4.1.1.5); it is closed with QUIT after idleTimeoutMs unused (well
//   below the 5 min a server waits for a command, RFC 5321 section 4.5.3.2.7) or after
//   maxMessagesPerConnection.
// - A session the next hop closed while idle is forgotten, never handed out.
export const DEFAULT_POOL_CONNECTIONS = 5;
export const DEFAULT_POOL_MESSAGES_PER_CONNECTION = 100;
export const DEFAULT_POOL_IDLE_TIMEOUT_MS = 10_000;
export class RelayPool {
    maxConnections;
    maxMessagesPerConnection;
    idleTimeoutMs;
    hops = new Map();
    closed = false;
    constructor(options = {}) {
        this.maxConnections = Math.max(1, options.maxConnections ?? DEFAULT_POOL_CONNECTIONS);
        this.maxMessagesPerConnection = Math.max(1, options.maxMessagesPerConnection ?? DEFAULT_POOL_MESSAGES_PER_CONNECTION);
        this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_POOL_IDLE_TIMEOUT_MS;
    }
    /**
     * An idle session of the next hop `key`, or a reserved slot to open one in (`open`), waiting
     * up to `waitMs` for either. With `fresh`, an idle session is closed and its slot reused.
     */
    async acquire(key, waitMs, fresh = false) {
        const hop = this.hop(key);
        const deadline = Date.now() + waitMs;
        for (;;) {
            const idle = hop.idle.pop();
            if (idle) {
                clearTimeout(idle.timer);
                idle.session.connection.off("end", idle.onEnd);
                if (!fresh && isUsable(idle.session.connection)) {
                    socketOf(idle.session.connection)?.ref();
                    return idle.session;
                }
                quit(idle.session.connection);
                return "open"; // its slot passes to the caller
            }
            if (hop.slots < this.maxConnections && !this.closed) {
                hop.slots++;
                return "open";
            }
            const left = deadline - Date.now();
            if (left <= 0 || this.closed)
                return "timeout";
            await new Promise((wake) => {
                const timer = setTimeout(() => {
                    hop.waiters = hop.waiters.filter((w) => w !== done);
                    wake();
                }, left);
                const done = () => {
                    clearTimeout(timer);
                    wake();
                };
                hop.waiters.push(done);
            });
        }
    }
    /**
     * Gives a session back after a transaction: kept (`reusable`: the transaction completed, or
     * the caller sent RSET and it was answered) unless it reached maxMessagesPerConnection;
     * otherwise its slot is freed (the caller closes the connection). Also frees a slot whose
     * session could not be opened (null).
     */
    release(key, session, reusable) {
        const hop = this.hop(key);
        if (session && reusable && !this.closed && session.messages < this.maxMessagesPerConnection && isUsable(session.connection)) {
            const entry = {
                session,
                timer: setTimeout(() => this.retire(hop, entry, true), this.idleTimeoutMs),
                onEnd: () => this.retire(hop, entry, false),
            };
            entry.timer.unref();
            // an idle session does not keep the process alive (the server's listeners or the runner do)
            socketOf(session.connection)?.unref();
            session.connection.once("end", entry.onEnd);
            hop.idle.push(entry);
            hop.waiters.shift()?.();
            return;
        }
        if (session && reusable)
            quit(session.connection);
        hop.slots--;
        hop.waiters.shift()?.();
    }
    /** Closes every idle session (QUIT); sessions in use close when their transaction ends. */
    close() {
        this.closed = true;
        for (const hop of this.hops.values()) {
            for (const entry of hop.idle.splice(0)) {
                clearTimeout(entry.timer);
                entry.session.connection.off("end", entry.onEnd);
                quit(entry.session.connection);
                hop.slots--;
            }
            for (const wake of hop.waiters.splice(0))
                wake();
        }
    }
    /** Sessions of a next hop that exist right now (tests, metrics). */
    size(key) {
        const hop = this.hops.get(key);
        return { open: hop?.slots ?? 0, idle: hop?.idle.length ?? 0 };
    }
    /** Idle sessions over every next hop (tests wait on it). */
    idleSessions() {
        let idle = 0;
        for (const hop of this.hops.values())
            idle += hop.idle.length;
        return idle;
    }
    retire(hop, entry, sendQuit) {
        const index = hop.idle.indexOf(entry);
        if (index < 0)
            return;
        hop.idle.splice(index, 1);
        clearTimeout(entry.timer);
        entry.session.connection.off("end", entry.onEnd);
        if (sendQuit)
            quit(entry.session.connection);
        hop.slots--;
        hop.waiters.shift()?.();
    }
    hop(key) {
        let hop = this.hops.get(key);
        if (!hop) {
            hop = { slots: 0, idle: [], waiters: [] };
            this.hops.set(key, hop);
        }
        return hop;
    }
}
function socketOf(connection) {
    const socket = connection._socket;
    return socket && typeof socket.unref === "function" ? socket : undefined;
}
/** nodemailer keeps these two flags; a session that has either is of no more use. */
export function isUsable(connection) {
    const state = connection;
    return state._destroyed !== true && state._closing !== true;
}
function quit(connection) {
    if (!isUsable(connection))
        return;
    const fallback = setTimeout(() => connection.close(), 5_000);
    fallback.unref();
    connection.once("end", () => clearTimeout(fallback));
    connection.quit();
}
//# sourceMappingURL=relayPool.js.map