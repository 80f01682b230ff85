import { readNamedFileOrThrow } from "../../formats/namedFile.js";
import { canonicalFileOf, prepareTables, sendersFilesOf, withCanonicalFile, withSendersFile } from "../decision/tables.js";
import { parseCanonicalTable } from "../rewrite/senderCanonical.js";
import { watchSendersFile, watchTableFile } from "./watchSendersFile.js";
export class LiveTables {
    tables;
    watchers;
    constructor(graph, log) {
        const prepared = prepareTables(graph, (p) => readNamedFileOrThrow(p));
        for (const { file, problems } of prepared.problems)
            log.warn({ event: "senders-file", file, problems }, "senders file not loaded");
        if (prepared.aliasProblems.length > 0)
            log.warn({ event: "aliases-file", problems: prepared.aliasProblems }, "aliases file lines skipped");
        this.tables = prepared.tables;
        const sendersWatchers = sendersFilesOf(graph).map((file) => watchSendersFile(file, (table) => {
            this.tables = withSendersFile(this.tables, file, table);
            log.info({ event: "senders-file-reloaded", file }, "senders file reloaded");
        }, {
            persistent: false,
            onError: (error) => log.warn({ event: "senders-file", file, ...("problems" in error ? { problems: error.problems } : { err: error.error.message }) }, "senders file not reloaded; the table in use stays"),
        }));
        this.watchers = [...sendersWatchers, ...this.watchCanonicalFile(graph, log)];
    }
    /** Watches the `rewrite senders` file, if the graph has one: a clean new version replaces the table. */
    watchCanonicalFile(graph, log) {
        const file = canonicalFileOf(graph);
        if (file === undefined)
            return [];
        const reloaded = (table) => {
            this.tables = withCanonicalFile(this.tables, file, table);
            log.info({ event: "sender-rewriting-file-reloaded", file }, "sender rewriting file reloaded");
        };
        const failed = (error) => log.warn({ event: "sender-rewriting-file", file, ...("problems" in error ? { problems: error.problems } : { err: error.error.message }) }, "sender rewriting file not reloaded; the table in use stays");
        return [watchTableFile(file, parseCanonicalTable, reloaded, { persistent: false, onError: failed })];
    }
    /** The tables to decide with now. */
    get current() {
        return this.tables;
    }
    close() {
        for (const w of this.watchers)
            w.close();
    }
}
//# sourceMappingURL=liveTables.js.map