// One serving process (the only one, or a cluster worker): the listening sockets, and the
// SubmissionServer of the current graph that they hand connections to. A reload builds a server
// on the new graph first (users file, TLS and DKIM keys read now; a failure keeps the old one),
// then swaps it in atomically (certificates are read again too, the running server's kept for a
// file that has gone bad): the next connection goes to the new server, while sessions in
// flight stay on the old server, and so on the old graph and its logger, until they end.
import type { Logger } from "pino";
import type { RuleGraph } from "../../graph/graph.js";
import type { MsaMetrics } from "../metrics/metrics.js";
import { SubmissionServer } from "../submissionServer.js";
import { MaildropListener } from "../local/maildropListener.js";
import { ListenerSockets, sameListeners } from "./listenerSockets.js";

/** How long an old server may take to finish its sessions after a reload before they get 421. */
export const RELOAD_DRAIN_MS = 10 * 60_000;

export interface PolicyHostOptions {
  /** The logger of a graph: every event carries that graph's version (`policy`). */
  logFor: (graph: RuleGraph) => Logger;
  metrics?: MsaMetrics;
  portOverride?: number[];
  failedAuthDelayMs?: number;
  drainMs?: number;
  /** Whether this process serves `listen local` (one process of a cluster does: the socket is one file). */
  localListener?: boolean;
}

export type SwapResult = { ok: true } | { ok: false; reason: string };

export class PolicyHost {
  private current: SubmissionServer | null = null;
  private sockets: ListenerSockets | null = null;
  private maildrop: MaildropListener | null = null;
  /** Servers of earlier graphs still finishing their sessions. */
  private readonly draining = new Map<SubmissionServer, Promise<void>>();

  constructor(
    private graph: RuleGraph,
    private readonly options: PolicyHostOptions,
  ) {}

  get ports(): number[] {
    return this.sockets?.ports ?? [];
  }

  get activeGraph(): RuleGraph {
    return this.graph;
  }

  private build(graph: RuleGraph): SubmissionServer {
    return new SubmissionServer(graph, {
      log: this.options.logFor(graph),
      external: true,
      ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
      ...(this.options.failedAuthDelayMs !== undefined ? { failedAuthDelayMs: this.options.failedAuthDelayMs } : {}),
    });
  }

  async start(): Promise<void> {
    const server = this.build(this.graph);
    await server.start();
    this.current = server;
    const log = this.options.logFor(this.graph);
    // the socket handler reads `this.current` per connection: that read is the swap point
    this.sockets = new ListenerSockets(this.graph.listeners, (index, socket, proxied) => this.current!.accept(index, socket, proxied), {
      log,
      ...(this.options.portOverride ? { portOverride: this.options.portOverride } : {}),
    });
    await this.sockets.bind();
    for (const [index, port] of this.sockets.ports.entries()) {
      const listener = this.graph.listeners[index]!;
      log.info({ event: "listening", host: listener.host ?? "*", port, mode: listener.mode, ...(listener.proxy ? { proxy: true } : {}) }, "listening");
    }
    const local = this.graph.localSubmission;
    if (local && this.options.localListener !== false) {
      this.maildrop = new MaildropListener(local.dir, (submission) => this.current!.submitLocal(submission), log);
      await this.maildrop.bind();
    }
  }

  /** Serves `graph` from the next connection on; the old graph's sessions finish on it. */
  async swap(graph: RuleGraph): Promise<SwapResult> {
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
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    const old = this.current!;
    this.current = next;
    this.graph = graph;
    this.draining.set(
      old,
      old.stop(this.options.drainMs ?? RELOAD_DRAIN_MS).finally(() => this.draining.delete(old)),
    );
    return { ok: true };
  }

  /** Stops accepting, lets every session (current and draining graphs) finish within `graceMs`. */
  async stop(graceMs?: number): Promise<void> {
    this.sockets?.close();
    this.maildrop?.close();
    await Promise.all([this.current?.stop(graceMs), ...[...this.draining.keys()].map((old) => old.stop(graceMs))]);
  }
}
