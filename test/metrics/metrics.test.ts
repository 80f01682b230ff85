// Metrics (runtime/metrics): the endpoint scraped over 127.0.0.1 before and after recording
// events, the queue gauges read through their callback, 404s, and registries kept apart.
import http from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMetrics, startMetricsServer, type MetricsServer } from "../../runtime/metrics/metrics.js";

function get(port: number, path: string, method = "GET"): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .request({ host: "127.0.0.1", port, path, method }, (response) => {
        let body = "";
        response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, type: String(response.headers["content-type"]), body }));
      })
      .on("error", reject)
      .end();
  });
}

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(body: string, series: string): number | undefined {
  const line = body.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const running: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

describe("metrics endpoint", () => {
  it("serves Prometheus text whose values follow the recorded events", async () => {
    let queue = { messages: 0, oldestAgeSeconds: 0 };
    const metrics = createMetrics({ queue: () => queue });
    const server = await startMetricsServer({ host: "127.0.0.1", port: 0 }, metrics);
    running.push(server);

    const before = await get(server.port, "/metrics");
    expect(before.status).toBe(200);
    expect(before.type).toBe("text/plain; version=0.0.4; charset=utf-8");
    for (const name of [
      "msa_sessions_total",
      "msa_sessions_active",
      "msa_auth_total",
      "msa_messages_accepted_total",
      "msa_messages_refused_total",
      "msa_refusals_by_rule_total",
      "msa_message_bytes_total",
      "msa_queue_messages",
      "msa_queue_oldest_age_seconds",
      "msa_relay_attempts_total",
      "msa_decision_duration_seconds",
      "msa_delivery_duration_seconds",
    ]) {
      expect(before.body).toContain(`# TYPE ${name} `);
    }
    expect(sample(before.body, "msa_sessions_total")).toBe(0);
    expect(sample(before.body, "msa_queue_messages")).toBe(0);
    expect(sample(before.body, 'msa_auth_total{result="ok"}')).toBeUndefined();
    // the process-wide default metrics (process_cpu_seconds_total and the like) are not in this registry
    expect(before.body).not.toContain("process_cpu");

    metrics.sessionsTotal.inc();
    metrics.sessionsTotal.inc();
    metrics.sessionsActive.inc();
    metrics.authTotal.inc({ result: "ok" });
    metrics.authTotal.inc({ result: "failed" });
    metrics.authTotal.inc({ result: "failed" });
    metrics.messagesAccepted.inc();
    metrics.messageBytes.inc(1234);
    metrics.recordRefusal("rcpt", { file: "policies/submission.msa", line: 17 });
    metrics.recordRefusal("rcpt", { file: "policies/submission.msa", line: 17 });
    metrics.recordRefusal("mail", null);
    metrics.relayAttempts.inc({ result: "delivered" });
    metrics.relayAttempts.inc({ result: "deferred" });
    metrics.decisionDuration.observe(0.0003);
    metrics.deliveryDuration.observe(0.2);
    queue = { messages: 3, oldestAgeSeconds: 42.5 };

    const after = (await get(server.port, "/metrics")).body;
    expect(sample(after, "msa_sessions_total")).toBe(2);
    expect(sample(after, "msa_sessions_active")).toBe(1);
    expect(sample(after, 'msa_auth_total{result="ok"}')).toBe(1);
    expect(sample(after, 'msa_auth_total{result="failed"}')).toBe(2);
    expect(sample(after, "msa_messages_accepted_total")).toBe(1);
    expect(sample(after, "msa_message_bytes_total")).toBe(1234);
    expect(sample(after, 'msa_messages_refused_total{stage="rcpt"}')).toBe(2);
    expect(sample(after, 'msa_messages_refused_total{stage="mail"}')).toBe(1);
    expect(sample(after, 'msa_refusals_by_rule_total{rule="policies/submission.msa:17"}')).toBe(2);
    expect(after.match(/^msa_refusals_by_rule_total\{/gm)).toHaveLength(1);
    expect(sample(after, 'msa_relay_attempts_total{result="delivered"}')).toBe(1);
    expect(sample(after, 'msa_relay_attempts_total{result="deferred"}')).toBe(1);
    expect(sample(after, "msa_queue_messages")).toBe(3);
    expect(sample(after, "msa_queue_oldest_age_seconds")).toBe(42.5);
    expect(sample(after, 'msa_decision_duration_seconds_bucket{le="0.00025"}')).toBe(0);
    expect(sample(after, 'msa_decision_duration_seconds_bucket{le="0.0005"}')).toBe(1);
    expect(sample(after, "msa_decision_duration_seconds_count")).toBe(1);
    expect(sample(after, 'msa_delivery_duration_seconds_bucket{le="0.1"}')).toBe(0);
    expect(sample(after, 'msa_delivery_duration_seconds_bucket{le="0.25"}')).toBe(1);
    expect(sample(after, "msa_delivery_duration_seconds_sum")).toBe(0.2);

    metrics.sessionsActive.dec();
    expect(sample((await get(server.port, "/metrics")).body, "msa_sessions_active")).toBe(0);
  });

  it("times with time(), reads an async queue probe once per scrape, and can drop the probe", async () => {
    let calls = 0;
    const metrics = createMetrics({ defaultLabels: { instance: "msa-1" } });
    metrics.setQueueProbe(async () => {
      calls++;
      return { messages: 7, oldestAgeSeconds: 600 };
    });
    // 20 ms pass on a fake monotonic clock: the bucket is exact whatever the machine's load
    vi.useFakeTimers({ toFake: ["hrtime"] });
    try {
      const stop = metrics.time(metrics.decisionDuration);
      vi.advanceTimersByTime(20);
      stop();
    } finally {
      vi.useRealTimers();
    }
    const server = await startMetricsServer({ host: "127.0.0.1", port: 0 }, metrics);
    running.push(server);
    const body = (await get(server.port, "/metrics")).body;
    expect(calls).toBe(1);
    expect(sample(body, 'msa_queue_messages{instance="msa-1"}')).toBe(7);
    expect(sample(body, 'msa_queue_oldest_age_seconds{instance="msa-1"}')).toBe(600);
    expect(sample(body, 'msa_decision_duration_seconds_bucket{le="0.01",instance="msa-1"}')).toBe(0);
    expect(sample(body, 'msa_decision_duration_seconds_bucket{le="0.025",instance="msa-1"}')).toBe(1);
    metrics.setQueueProbe(null);
    expect(sample((await get(server.port, "/metrics")).body, 'msa_queue_messages{instance="msa-1"}')).toBe(0);
  });

  it("answers 404 elsewhere and 405 to other methods, and keeps registries apart", async () => {
    const one = createMetrics();
    const two = createMetrics();
    const server = await startMetricsServer({ host: "127.0.0.1", port: 0 }, one);
    running.push(server);
    expect((await get(server.port, "/")).status).toBe(404);
    expect((await get(server.port, "/metrics/extra")).status).toBe(404);
    expect((await get(server.port, "/metrics", "POST")).status).toBe(405);
    expect(await get(server.port, "/metrics?x=1", "HEAD")).toMatchObject({ status: 200, body: "" });
    two.sessionsTotal.inc(5);
    expect(sample((await get(server.port, "/metrics")).body, "msa_sessions_total")).toBe(0);
  });

  it("stops listening on stop() and reports a port in use", async () => {
    const metrics = createMetrics();
    const server = await startMetricsServer({ host: "127.0.0.1", port: 0 }, metrics);
    await expect(startMetricsServer({ host: "127.0.0.1", port: server.port }, metrics)).rejects.toThrow(/EADDRINUSE/);
    await server.stop();
    await expect(get(server.port, "/metrics")).rejects.toThrow(/ECONNREFUSED/);
  });
});
