import { openLoginBackend } from "./auth/loginBackend.js";
import { openTokenChecker } from "./auth/oauthTokens.js";
import { createDelivery } from "./deliver/delivery.js";
import { graphSigner } from "./dkim/dkimSigner.js";
import { ServerLimits } from "./limits/serverLimits.js";
import { LiveTables } from "./rights/liveTables.js";
export class GraphResources {
    graph;
    options;
    /** Session slots, rate rules, AUTH throttling and the error cap (runtime/limits/serverLimits.ts). */
    limits;
    deliver;
    /** Who checks passwords (`auth ...`); null when the policy lets nobody log in. */
    logins = null;
    /** `auth oauth`: who checks bearer tokens. */
    tokens = null;
    signer = null;
    liveTables = null;
    constructor(graph, options) {
        this.graph = graph;
        this.options = options;
        this.deliver = createDelivery(graph.deliver, graph.hostname, options.delivery);
        this.limits = new ServerLimits(graph.limits, { log: options.log, ...(options.limitsStore ? { store: options.limitsStore } : {}) });
    }
    /** Reads every file the graph names now, so that their problems show at start, not at the first message. */
    async load() {
        const { graph, options } = this;
        if (graph.logins)
            this.logins = await openLoginBackend(graph.logins, options.log);
        if (graph.oauth)
            this.tokens = await openTokenChecker(graph.oauth);
        this.liveTables = new LiveTables(graph, options.log);
        // An unreadable key stops the start (or the reload), not a message later.
        this.signer = await graphSigner(graph);
    }
    /** The senders and aliases tables to decide with now (senders files reload when they change). */
    get tables() {
        return this.liveTables?.current;
    }
    async close() {
        await this.limits.close();
        await this.logins?.close();
        this.deliver.close?.();
        this.liveTables?.close();
    }
}
//# sourceMappingURL=graphResources.js.map