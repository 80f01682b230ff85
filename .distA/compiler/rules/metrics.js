import { located, token } from "../../grammar/cstReader.js";
import { HostPort, keywords } from "../../grammar/lexer.js";
/** The words this rule is written with. */
const K = keywords("metrics", "listen");
export const metricsRule = {
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
                if (endpoint)
                    context.policy.metrics = { value: endpoint, rule: rule.span };
            },
        },
    },
};
export function lowerMetrics(metrics, at) {
    return { ...metrics.value, origin: at.origin(metrics.rule) };
}
export function printMetrics(metrics) {
    return `metrics listen ${metrics.host}:${metrics.port}`;
}
//# sourceMappingURL=metrics.js.map