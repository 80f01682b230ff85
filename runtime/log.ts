// The server's event log: one JSON object per line on stdout (pino). Every event
// carries the policy's version; every refusal carries `rule` = FILE:LINE.
import pino, { type Logger } from "pino";
import type { LogLevel, RuleGraph } from "../graph/graph.js";
import { stdoutLogOutput } from "./logOutput.js";

const PINO_LEVEL: Record<LogLevel, string> = { errors: "warn", info: "info", debug: "debug" };

export function createEventLog(graph: RuleGraph, destination: pino.DestinationStream = stdoutLogOutput()): Logger {
  return pino(
    {
      level: PINO_LEVEL[graph.log.level],
      base: { policy: graph.source.sha256.slice(0, 12) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
