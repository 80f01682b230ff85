// The server's event log: one JSON object per line on stdout (pino). Every event
// carries the policy's version; every refusal carries `rule` = FILE:LINE.
import pino from "pino";
const PINO_LEVEL = { errors: "warn", info: "info", debug: "debug" };
export function createEventLog(graph, destination = pino.destination({ dest: 1, sync: true })) {
    return pino({
        level: PINO_LEVEL[graph.log.level],
        base: { policy: graph.source.sha256.slice(0, 12) },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
    }, destination);
}
//# sourceMappingURL=log.js.map