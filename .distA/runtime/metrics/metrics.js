// Prometheus metrics of one msa process: a prom-client registry of its own (never the
// global default, so several servers in one process or test do not mix), the metrics the server
// records, and the `metrics listen` HTTP endpoint. Recording is cheap and never throws into SMTP.
import http from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
// The decision core is a pure function over a small graph: microseconds to a few milliseconds.
export const DECISION_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];
// Handing a message to the next hop: a local Postfix answers in milliseconds, a remote relay in seconds.
export const DELIVERY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
export function createMetrics(options = {}) {
    const registry = new Registry();
    if (options.defaultLabels)
        registry.setDefaultLabels(options.defaultLabels);
    const registers = [registry];
    let probe = options.queue ?? null;
    let pending = null;
    // One probe call per scrape feeds both queue gauges.
    const snapshot = () => {
        pending ??= Promise.resolve(probe ? probe() : { messages: 0, oldestAgeSeconds: 0 }).finally(() => {
            pending = null;
        });
        return pending;
    };
    const queueMessages = new Gauge({
        name: "msa_queue_messages",
        help: "Messages waiting in the queue",
        registers,
        async collect() {
            this.set((await snapshot()).messages);
        },
    });
    const queueOldestAge = new Gauge({
        name: "msa_queue_oldest_age_seconds",
        help: "Age of the oldest message in the queue, in seconds",
        registers,
        async collect() {
            this.set((await snapshot()).oldestAgeSeconds);
        },
    });
    const refusalsByRule = new Counter({
        name: "msa_refusals_by_rule_total",
        help: "Refusals by the policy rule (FILE:LINE) that made them",
        labelNames: ["rule"],
        registers,
    });
    const messagesRefused = new Counter({ name: "msa_messages_refused_total", help: "Commands or messages refused, by SMTP stage", labelNames: ["stage"], registers });
    return {
        registry,
        sessionsTotal: new Counter({ name: "msa_sessions_total", help: "SMTP sessions opened", registers }),
        sessionsActive: new Gauge({ name: "msa_sessions_active", help: "SMTP sessions open now", registers }),
        authTotal: new Counter({ name: "msa_auth_total", help: "Authentication attempts by result", labelNames: ["result"], registers }),
        messagesAccepted: new Counter({ name: "msa_messages_accepted_total", help: "Messages accepted (250 after DATA)", registers }),
        messagesRefused,
        refusalsByRule,
        wouldRejectByRule: new Counter({
            name: "msa_would_reject_total",
            help: "Refusals an `observe` rule (FILE:LINE) logged instead of making",
            labelNames: ["rule"],
            registers,
        }),
        messageBytes: new Counter({ name: "msa_message_bytes_total", help: "Bytes of accepted messages", registers }),
        queueMessages,
        queueOldestAge,
        relayAttempts: new Counter({ name: "msa_relay_attempts_total", help: "Attempts to hand a message to the next hop, by result", labelNames: ["result"], registers }),
        decisionDuration: new Histogram({ name: "msa_decision_duration_seconds", help: "Time the policy took to decide one event", buckets: DECISION_BUCKETS, registers }),
        deliveryDuration: new Histogram({ name: "msa_delivery_duration_seconds", help: "Time one delivery attempt to the next hop took", buckets: DELIVERY_BUCKETS, registers }),
        certificateReloads: new Counter({
            name: "msa_certificate_reloads_total",
            help: "Changed certificate files: reloaded, or refused (the certificate in use stays)",
            labelNames: ["result"],
            registers,
        }),
        certificateExpiry: new Gauge({
            name: "msa_certificate_expiry_timestamp_seconds",
            help: "When the certificate served from each file expires (Unix time)",
            labelNames: ["certificate"],
            // cluster workers serve the same files: the earliest expiry is the one to watch, never a sum
            aggregator: "min",
            registers,
        }),
        setQueueProbe(next) {
            probe = next;
        },
        recordRefusal(stage, rule) {
            messagesRefused.inc({ stage });
            if (rule)
                refusalsByRule.inc({ rule: `${rule.file}:${rule.line}` });
        },
        time(histogram) {
            const start = process.hrtime.bigint();
            return () => histogram.observe(Number(process.hrtime.bigint() - start) / 1e9);
        },
    };
}
/** Serves `GET /metrics` (Prometheus text format) on `host:port`; everything else is 404. */
export function startMetricsServer(address, metrics, 
/** The text to serve; default `metrics.registry.metrics()` (a cluster primary aggregates its workers'). */
collect = () => metrics.registry.metrics()) {
    const server = http.createServer((request, response) => {
        const path = (request.url ?? "").split("?")[0];
        if (path !== "/metrics") {
            response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
            return;
        }
        if (request.method !== "GET" && request.method !== "HEAD") {
            response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }).end("method not allowed\n");
            return;
        }
        collect().then((text) => response.writeHead(200, { "content-type": metrics.registry.contentType }).end(request.method === "HEAD" ? undefined : text), (error) => response.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`metrics failed: ${error.message}\n`));
    });
    // a scraper holds no session worth waiting for at shutdown
    server.keepAliveTimeout = 5_000;
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(address.port, address.host, () => {
            server.off("error", reject);
            resolve({
                port: server.address().port,
                stop: () => new Promise((done, fail) => {
                    server.close((error) => (error ? fail(error) : done()));
                    server.closeAllConnections();
                }),
            });
        });
    });
}
//# sourceMappingURL=metrics.js.map