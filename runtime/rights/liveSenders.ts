// The server's side of `senders "FILE"`: the decision tables for a graph, with each senders file
// read at first use and reloaded when it changes (watchSendersFile: a version with problems is not
// loaded, the table in use stays). One set per graph, so every session of a server shares it. The
// watch does not keep the process alive; `close` ends it.
import type { Logger } from "pino";
import type { RuleGraph } from "../../graph/graph.js";
import { readNamedFileOrThrow } from "../../formats/namedFile.js";
import { prepareTables, sendersFilesOf, withSendersFile, type DecisionTables } from "../decision/tables.js";
import { watchSendersFile, type SendersWatcher } from "./watchSendersFile.js";

export interface LiveTables {
  /** The tables to decide with now. */
  readonly current: DecisionTables;
  close(): void;
}

const live = new WeakMap<RuleGraph, LiveTables>();

export function liveTables(graph: RuleGraph, log: Pick<Logger, "info" | "warn">): LiveTables {
  const existing = live.get(graph);
  if (existing) return existing;
  const prepared = prepareTables(graph, (p) => readNamedFileOrThrow(p));
  for (const { file, problems } of prepared.problems) {
    log.warn({ event: "senders-file", file, problems }, "senders file not loaded");
  }
  let current = prepared.tables;
  const watchers: SendersWatcher[] = sendersFilesOf(graph).map((file) =>
    watchSendersFile(
      file,
      (table) => {
        current = withSendersFile(current, file, table);
        log.info({ event: "senders-file-reloaded", file }, "senders file reloaded");
      },
      {
        persistent: false,
        onError: (error) =>
          log.warn(
            { event: "senders-file", file, ...("problems" in error ? { problems: error.problems } : { err: error.error.message }) },
            "senders file not reloaded; the table in use stays",
          ),
      },
    ),
  );
  const tables: LiveTables = {
    get current() {
      return current;
    },
    close() {
      for (const w of watchers) w.close();
      live.delete(graph);
    },
  };
  live.set(graph, tables);
  return tables;
}
