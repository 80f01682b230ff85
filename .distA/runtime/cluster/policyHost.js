import { SubmissionServer } from "../submissionServer.js";
import { MaildropListener } from "../local/maildropListener.js";
import { ListenerSockets, sameListeners } from "./listenerSockets.js";
/** How long an old server may take to finish its sessions after a reload before they get 421. */
export const RELOAD_DRAIN_MS = 10 * 60_000;
export class PolicyHost {
    graph;
    options;
    current = null;
    sockets = null;
    maildrop = null;
    /** Servers of earlier graphs still finishing their sessions. */
    draining = new Map();
    constructor(graph, options) {
        this.graph = graph;
        this.options = options;
    }
    get ports() {
        return this.sockets?.ports ?? [];
    }
    get activeGraph() {
        return this.graph;
    }
    build(graph) {
        return new SubmissionServer(graph, {
            log: this.options.logFor(graph),
            external: true,
            ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
            ...(this.options.failedAuthDelayMs !== undefined ? { failedAuthDelayMs: this.options.failedAuthDelayMs } : {}),
        });
    }
    async start() {
        const server = this.build(this.graph);
        await server.start();
        this.current = server;
        const log = this.options.logFor(this.graph);
        // the socket handler reads `this.current` per connection: that read is the swap point
        this.sockets = new ListenerSockets(this.graph.listeners, (index, socket, proxied) => this.current.accept(index, socket, proxied), {
            log,
            ...(this.options.portOverride ? { portOverride: this.options.portOverride } : {}),
        });
        await this.sockets.bind();
        for (const [index, port] of this.sockets.ports.entries()) {
            const listener = this.graph.listeners[index];
            log.info({ event: "listening", host: listener.host ?? "*", port, mode: listener.mode, ...(listener.proxy ? { proxy: true } : {}) }, "listening");
        }
        const local = this.graph.localSubmission;
        if (local && this.options.localListener !== false) {
            this.maildrop = new MaildropListener(local.dir, (submission) => this.current.submitLocal(submission), log);
            await this.maildrop.bind();
        }
    }
    /** Serves `graph` from the next connection on; the old graph's sessions finish on it. */
    async swap(graph) {
        if (!sameListeners(this.graph.listeners, graph.listeners)) {
            return { ok: false, reason: "the `listen` lines changed; restart msa to apply them" };
        }
        if (this.graph.localSubmission?.dir !== graph.localSubmission?.dir) {
            return { ok: false, reason: "the `listen local` line changed; restart msa to apply it" };
        }
        const next = this.build(graph);
        try {
            // a certificate file gone bad since the running server read it: that server's copy stays
            await next.start(this.current?.certificates);
        }
        catch (error) {
            return { ok: false, reason: error.message };
        }
        const old = this.current;
        this.current = next;
        this.graph = graph;
        this.draining.set(old, old.stop(this.options.drainMs ?? RELOAD_DRAIN_MS).finally(() => this.draining.delete(old)));
        return { ok: true };
    }
    /** Stops accepting, lets every session (current and draining graphs) finish within `graceMs`. */
    async stop(graceMs) {
        this.sockets?.close();
        this.maildrop?.close();
        await Promise.all([this.current?.stop(graceMs), ...[...this.draining.keys()].map((old) => old.stop(graceMs))]);
    }
}
//# sourceMappingURL=policyHost.js.map