// The server's decision tables for one graph: senders, aliases and sender rewriting files read
// when the server starts, each senders file and the rewriting file reloaded when it changes
// (watchTableFile: a version with problems is not loaded, the table in use stays). The server holds one for its graph, shared by every
// session. The watch does not keep the process alive; `close` ends it.
import type { Logger } from "pino";
import type { RuleGraph } from "../../graph/graph.js";
import { readNamedFileOrThrow } from "../../formats/namedFile.js";
import { canonicalFileOf, prepareTables, sendersFilesOf, withCanonicalFile, withSendersFile, type DecisionTables } from "../decision/tables.js";
import { parseCanonicalTable } from "../rewrite/senderCanonical.js";
import { watchSendersFile, watchTableFile, type SendersWatcher } from "./watchSendersFile.js";

export class LiveTables {
  private tables: DecisionTables;
  private readonly watchers: SendersWatcher[];

  constructor(graph: RuleGraph, log: Pick<Logger, "info" | "warn">) {
    const prepared = prepareTables(graph, (p) => readNamedFileOrThrow(p));
    for (const { file, problems } of prepared.problems) log.warn({ event: "senders-file", file, problems }, "senders file not loaded");
    if (prepared.aliasProblems.length > 0) log.warn({ event: "aliases-file", problems: prepared.aliasProblems }, "aliases file lines skipped");
    this.tables = prepared.tables;
    const sendersWatchers = sendersFilesOf(graph).map((file) =>
      watchSendersFile(
        file,
        (table) => {
          this.tables = withSendersFile(this.tables, file, table);
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
    this.watchers = [...sendersWatchers, ...this.watchCanonicalFile(graph, log)];
  }

  /** Watches the `rewrite senders` file, if the graph has one: a clean new version replaces the table. */
  private watchCanonicalFile(graph: RuleGraph, log: Pick<Logger, "info" | "warn">): SendersWatcher[] {
    const file = canonicalFileOf(graph);
    if (file === undefined) return [];
    const reloaded = (table: Parameters<typeof withCanonicalFile>[2]) => {
      this.tables = withCanonicalFile(this.tables, file, table);
      log.info({ event: "sender-rewriting-file-reloaded", file }, "sender rewriting file reloaded");
    };
    const failed = (error: { problems: readonly unknown[] } | { error: Error }) =>
      log.warn(
        { event: "sender-rewriting-file", file, ...("problems" in error ? { problems: error.problems } : { err: error.error.message }) },
        "sender rewriting file not reloaded; the table in use stays",
      );
    return [watchTableFile(file, parseCanonicalTable, reloaded, { persistent: false, onError: failed })];
  }

  /** The tables to decide with now. */
  get current(): DecisionTables {
    return this.tables;
  }

  close(): void {
    for (const w of this.watchers) w.close();
  }
}
