// `metrics listen ADDRESS:PORT`: where the Prometheus metrics are served.
import type { Located, RuleBase } from "../../grammar/ast.js";
import { located, token } from "../../grammar/cstReader.js";
import { HostPort, keywords } from "../../grammar/lexer.js";
import type { Lowering, RuleModule } from "./ruleModule.js";
import type { RuleGraph } from "../../graph/graph.js";
import type { CheckedPolicy } from "../checkedPolicy.js";

// What the rule's check records (compiler/checkedPolicy.ts).
declare module "../checkedPolicy.js" {
  interface CheckedPolicy {
    metrics?: From<{ host: string; port: number }>;
  }
}

/** The words this rule is written with. */
const K = keywords("metrics", "listen");

export interface MetricsRule extends RuleBase {
  kind: "metrics";
  endpoint: Located;
}

export const metricsRule: RuleModule<MetricsRule> = {
  summary: "the address and port of the metrics endpoint",
  grammar: {
    verb: K.metrics,
    keywords: Object.values(K),
    productions: [
      {
        // metrics listen 127.0.0.1:9187
        name: "metricsRule",
        body: ($) => {
          $.CONSUME(K.metrics);
          $.CONSUME(K.listen);
          $.CONSUME(HostPort);
        },
      },
    ],
  },
  build: (c, base) => {
    const endpoint = token(c, "HostPort");
    return endpoint && { kind: "metrics", ...base, endpoint: located(endpoint) };
  },
  kinds: {
    metrics: {
      name: "metrics listen",
      once: true,
      check: (rule, context) => {
        const endpoint = context.hostPort(rule.endpoint);
        if (endpoint) context.policy.metrics = { value: endpoint, rule: rule.span };
      },
    },
  },
};

export function lowerMetrics(metrics: NonNullable<CheckedPolicy["metrics"]>, at: Lowering): NonNullable<RuleGraph["metrics"]> {
  return { ...metrics.value, origin: at.origin(metrics.rule) };
}

export function printMetrics(metrics: NonNullable<RuleGraph["metrics"]>): string {
  return `metrics listen ${metrics.host}:${metrics.port}`;
}
