// Everything the runtime holds for one graph besides the graph itself: the login source, the
// decision tables (senders and aliases files), the DKIM signer, the delivery and the limits'
// counters. Made from the graph when a server starts (or reloads) and closed with it, so no
// module keeps state of its own about a graph.
import type { Logger } from "pino";
import type { RuleGraph } from "../graph/graph.js";
import { type LoginBackend, openLoginBackend } from "./auth/loginBackend.js";
import type { TokenChecker } from "./auth/oauthTokens.js";
import { createDelivery, type Deliver, type DeliveryContext } from "./deliver/delivery.js";
import { graphSigner, type DkimSigner } from "./dkim/dkimSigner.js";
import type { CounterStore } from "./limits/counterStore.js";
import { ServerLimits } from "./limits/serverLimits.js";
import { LiveTables } from "./rights/liveTables.js";

export interface GraphResourceOptions {
  log: Logger;
  delivery?: DeliveryContext;
  /** Replaces the counter store the policy names (tests). */
  limitsStore?: CounterStore;
}

export class GraphResources {
  /** Session slots, rate rules, AUTH throttling and the error cap (runtime/limits/serverLimits.ts). */
  readonly limits: ServerLimits;
  readonly deliver: Deliver;
  /** Who checks passwords (`auth ...`); null when the policy lets nobody log in. */
  logins: LoginBackend | null = null;
  /** `auth oauth`: who checks bearer tokens. */
  tokens: TokenChecker | null = null;
  signer: DkimSigner | null = null;
  private liveTables: LiveTables | null = null;

  constructor(
    private readonly graph: RuleGraph,
    private readonly options: GraphResourceOptions,
  ) {
    this.deliver = createDelivery(graph.deliver, graph.hostname, options.delivery);
    this.limits = new ServerLimits(graph.limits, { log: options.log, ...(options.limitsStore ? { store: options.limitsStore } : {}) });
  }

  /** Reads every file the graph names now, so that their problems show at start, not at the first message. */
  async load(): Promise<void> {
    const { graph, options } = this;
    if (graph.logins) this.logins = await openLoginBackend(graph.logins, options.log);
    if (graph.oauth) this.tokens = await (await import("./auth/oauthTokens.js")).openTokenChecker(graph.oauth);
    this.liveTables = new LiveTables(graph, options.log);
    // An unreadable key stops the start (or the reload), not a message later.
    this.signer = await graphSigner(graph);
  }

  /** The senders and aliases tables to decide with now (senders files reload when they change). */
  get tables() {
    return this.liveTables?.current;
  }

  async close(): Promise<void> {
    await this.limits.close();
    await this.logins?.close();
    this.deliver.close?.();
    this.liveTables?.close();
  }
}
