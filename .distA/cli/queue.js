// `msac queue list|show ID|retry [ID]|delete ID|bounce ID|run`: the store-and-forward queue of a
// policy (--policy FILE, --compiled OUT.json) or of a spool folder (--spool DIR), safe while the
// server runs: records are replaced by atomic renames, and every change takes the record's lock.
import { hostname as osHostname } from "node:os";
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SPOOL_NEW_FOLDER, SPOOL_RECORD_SUFFIX } from "../runtime/deliver/spoolRecord.js";
import { readSpoolRecord, removeSpoolRecord, rewriteSpoolRecord, spoolRecordPath } from "../runtime/deliver/spoolWriter.js";
import { originalHeaderSection } from "../runtime/queue/dsn.js";
import { QueueRunner } from "../runtime/queue/queueRunner.js";
import { bounceQueuedRecord } from "../runtime/queue/bounceRecord.js";
import { initialQueueState } from "../runtime/queue/queueState.js";
import { queueRunnerOptionsFromGraph } from "../runtime/queue/queueFromPolicy.js";
import { withLockedRecord } from "../runtime/queue/recordLock.js";
import { createEventLog } from "../runtime/log.js";
import { ExitStatus } from "./io.js";
import { loadServeGraph } from "./serve.js";
const ACTIONS = ["list", "show", "retry", "delete", "bounce", "run"];
export async function runQueue(action, id, options, io) {
    if (!ACTIONS.includes(action)) {
        io.stderr.write(`msac queue: unknown action \`${action}\` (use ${ACTIONS.join(", ")})\n`);
        return ExitStatus.usage;
    }
    const needsId = action === "show" || action === "delete" || action === "bounce";
    if (needsId && !id) {
        io.stderr.write(`msac queue ${action}: give a queue ID\n`);
        return ExitStatus.usage;
    }
    if (id !== undefined && !/^[0-9A-Za-z-]+$/.test(id)) {
        io.stderr.write(`msac queue: \`${id}\` is not a queue ID\n`);
        return ExitStatus.usage;
    }
    const target = resolveTarget(options, io);
    if (typeof target === "number")
        return target;
    try {
        return await ACTION_HANDLERS[action](target, id, options, io);
    }
    catch (error) {
        io.stderr.write(`msac queue ${action}: ${error.message}\n`);
        return ExitStatus.errors;
    }
}
function resolveTarget(options, io) {
    if (options.spool) {
        if (options.policy || options.compiled) {
            io.stderr.write("msac queue: give --spool or a policy, not both\n");
            return ExitStatus.usage;
        }
        return { dir: resolve(options.spool), hostname: options.hostname ?? osHostname() };
    }
    if (!options.policy && !options.compiled) {
        io.stderr.write("msac queue: give --policy FILE, --compiled OUT.json or --spool DIR\n");
        return ExitStatus.usage;
    }
    const graph = loadServeGraph(options.policy, options.compiled, io);
    if (typeof graph === "number")
        return graph;
    if (graph.deliver.kind === "Relay") {
        io.stderr.write("msac queue: the policy relays in line (`deliver relay`): it has no queue\n");
        return ExitStatus.errors;
    }
    return { dir: graph.deliver.dir, graph, hostname: options.hostname ?? graph.hostname };
}
const ACTION_HANDLERS = {
    async list(target, _id, options, io) {
        const records = await readAll(target.dir, io);
        const now = Date.now();
        if (options.json) {
            for (const record of records)
                io.stdout.write(JSON.stringify(summary(record, now)) + "\n");
            return ExitStatus.ok;
        }
        io.stdout.write(["ID", "AGE", "SENDER", "RECIPIENTS", "ATTEMPTS", "NEXT", "LAST ERROR"].join("\t") + "\n");
        for (const record of records) {
            const s = summary(record, now);
            io.stdout.write([s.id, formatAge(s.ageSeconds), s.sender || "<>", s.pending.join(","), String(s.attempts), s.nextAttemptAt, s.lastError ?? "-"].join("\t") + "\n");
        }
        io.stdout.write(`${records.length} record(s) in ${target.dir}\n`);
        return ExitStatus.ok;
    },
    async show(target, id, _options, io) {
        const record = await readOne(target.dir, id, io);
        if (!record)
            return ExitStatus.errors;
        const { message, ...header } = record;
        io.stdout.write(JSON.stringify(header, null, 2) + "\n\n");
        io.stdout.write(originalHeaderSection(message).toString("utf8"));
        io.stdout.write(`\n(${message.length} bytes in all)\n`);
        return ExitStatus.ok;
    },
    async retry(target, id, _options, io) {
        const ids = id ? [id] : (await listNames(target.dir)).map((name) => name.slice(0, -SPOOL_RECORD_SUFFIX.length));
        let status = ExitStatus.ok;
        for (const each of ids) {
            const result = await withLockedRecord(target.dir, each, async (record) => {
                const state = record.queue ?? initialQueueState(record);
                state.nextAttemptAt = new Date().toISOString();
                await rewriteSpoolRecord(target.dir, { ...record, queue: state });
                return "done";
            });
            if (result !== "done" && (id || result === "busy"))
                status = reportProblem(io, each, result);
            else if (result === "done")
                io.stdout.write(`${each}: due now\n`);
        }
        return status;
    },
    async delete(target, id, _options, io) {
        const result = await withLockedRecord(target.dir, id, async () => {
            await removeSpoolRecord(target.dir, id);
            return "done";
        });
        if (result !== "done")
            return reportProblem(io, id, result);
        io.stdout.write(`${id}: deleted\n`);
        return ExitStatus.ok;
    },
    async bounce(target, id, _options, io) {
        const result = await bounceQueuedRecord(target.dir, id, target.hostname);
        if (result !== "bounced")
            return reportProblem(io, id, result);
        io.stdout.write(`${id}: returned to the sender\n`);
        return ExitStatus.ok;
    },
    async run(target, _id, options, io) {
        const fromGraph = target.graph && queueRunnerOptionsFromGraph(target.graph);
        const relay = options.relay ?? fromGraph?.relay.url;
        if (!relay) {
            io.stderr.write('msac queue run: the policy has no `deliver spool "DIR" relay URL`; with --spool give --relay URL\n');
            return ExitStatus.usage;
        }
        const log = target.graph ? createEventLog(target.graph) : createEventLog({ log: { level: "info" }, source: { sha256: "spool-only" } });
        // From a policy the runner takes its relay options (TLS, verification, AUTH) and lifetime from the graph.
        const runner = new QueueRunner(fromGraph && !options.relay ? { ...fromGraph, dir: target.dir, hostname: target.hostname, log } : { dir: target.dir, relay: { url: relay }, hostname: target.hostname, log });
        await runner.start();
        log.info({ event: "queue-started", dir: runner.dir, relay }, "queue runner started");
        // the runner's timers do not keep a process alive (in serve the listeners do): this does
        const keepAlive = setInterval(() => { }, 1 << 30);
        await new Promise((done) => {
            const stop = () => {
                process.off("SIGTERM", stop);
                process.off("SIGINT", stop);
                clearInterval(keepAlive);
                done();
            };
            process.on("SIGTERM", stop);
            process.on("SIGINT", stop);
        });
        await runner.stop();
        return ExitStatus.ok;
    },
};
function reportProblem(io, id, result) {
    io.stderr.write(result === "busy" ? `msac queue: ${id} is being delivered or changed right now; try again\n` : `msac queue: no record ${id}\n`);
    return ExitStatus.errors;
}
async function listNames(dir) {
    try {
        return (await readdir(join(dir, SPOOL_NEW_FOLDER))).filter((name) => name.endsWith(SPOOL_RECORD_SUFFIX)).sort();
    }
    catch (error) {
        if (error.code === "ENOENT")
            return [];
        throw error;
    }
}
async function readAll(dir, io) {
    const records = [];
    for (const name of await listNames(dir)) {
        try {
            records.push(await readSpoolRecord(join(dir, SPOOL_NEW_FOLDER, name)));
        }
        catch (error) {
            // delivered between readdir and read, or unreadable (the runner moves those to bad/)
            if (error.code !== "ENOENT")
                io.stderr.write(`msac queue: ${name}: ${error.message}\n`);
        }
    }
    return records;
}
async function readOne(dir, id, io) {
    try {
        return await readSpoolRecord(spoolRecordPath(dir, id));
    }
    catch (error) {
        io.stderr.write(error.code === "ENOENT" ? `msac queue: no record ${id}\n` : `msac queue: ${id}: ${error.message}\n`);
        return undefined;
    }
}
function summary(record, now) {
    const state = record.queue ?? initialQueueState(record);
    return {
        id: record.id,
        receivedAt: record.receivedAt,
        ageSeconds: Math.max(0, Math.round((now - Date.parse(record.receivedAt)) / 1000)),
        sender: record.envelope.mailFrom,
        recipients: record.envelope.recipients.map((r) => r.address),
        pending: state.recipients.filter((r) => r.state === "pending").map((r) => r.address),
        attempts: state.attempts.length,
        nextAttemptAt: state.nextAttemptAt,
        lastError: state.lastError,
        size: record.size,
    };
}
function formatAge(seconds) {
    if (seconds < 120)
        return `${seconds}s`;
    if (seconds < 7200)
        return `${Math.round(seconds / 60)}m`;
    if (seconds < 172_800)
        return `${Math.round(seconds / 3600)}h`;
    return `${Math.round(seconds / 86_400)}d`;
}
//# sourceMappingURL=queue.js.map