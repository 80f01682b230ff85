import { relayMessage } from "./relayClient.js";
import { parseRelayUrl } from "./relayEndpoint.js";
import { reportRefusedRecipients } from "./refusalReport.js";
import { RelayPool } from "./relayPool.js";
import { readRelayCredentials } from "./relayTarget.js";
import { nextHopFor, nextHopsFromGraph } from "./senderNextHop.js";
import { SpoolWriter } from "./spoolWriter.js";
import { clientFactsOf } from "./xforward.js";
import { notifySpooled } from "../queue/spoolEvents.js";
/**
 * Group commit of the spool's directory fsync is on unless MSA_SPOOL_GROUP_COMMIT=0: a switch
 * for measuring both modes on the disk the spool lives on (bench/spoolWrite.ts --wire).
 */
const GROUP_COMMIT = process.env.MSA_SPOOL_GROUP_COMMIT !== "0";
/**
 * Throws RelayConfigurationError (at start, from the server's constructor) when the relay's
 * credentials file is missing or malformed.
 */
export function createDelivery(node, hostname, context = {}) {
    switch (node.kind) {
        case "Relay": {
            // The main next hop, and those `deliver from` picks by the envelope sender.
            const hops = nextHopsFromGraph(node, context.relay);
            // sessions with the next hop are reused across client sessions (RSET between messages)
            const pool = context.pool === false ? undefined : new RelayPool(context.pool);
            const options = { clientName: hostname, ...(pool ? { pool } : {}) };
            const deliver = async (envelope, message, meta, { resign } = {}) => {
                const target = nextHopFor(hops, envelope);
                const remoteMta = nextHopHost(target);
                const client = clientFactsOf(meta);
                const outcome = await relayMessage(target, envelope, message, { ...options, ...(resign ? { resign } : {}), ...(client ? { client } : {}) });
                const refused = outcome.kind === "accepted" ? refusedRecipients(outcome) : [];
                if (outcome.kind !== "accepted" || refused.length === 0)
                    return outcome;
                // the next hop took the message for some recipients only: the others hear it from a DSN
                const refusalReport = await reportRefusedRecipients({ hostname, ...(remoteMta ? { remoteMta } : {}), queueId: meta.queueId ?? outcome.id, envelope, message, refused, now: new Date() }, (dsnEnvelope, dsnMessage) => relayMessage(target, dsnEnvelope, dsnMessage, options));
                return { ...outcome, refused, refusalReport };
            };
            deliver.close = () => pool?.close();
            return deliver;
        }
        case "Spool": {
            // Concurrent sessions share the directory fsync (group commit); each record is still fsync'd itself.
            const writer = new SpoolWriter({ dir: node.dir, groupCommit: GROUP_COMMIT });
            return (envelope, message, meta) => writer.write(envelope, message, meta, meta.queueId);
        }
        case "SpoolThenRelay": {
            // Store and forward: accepted = durably spooled, exactly as `deliver spool`; the queue
            // runner (runtime/queue/queueRunner.ts, started beside the server) forwards the record.
            // Its credentials files are checked here too, so a bad one stops the server at start.
            for (const relay of [node.relay, ...(node.bySender ?? []).map((hop) => hop.relay)])
                if (relay?.credentials)
                    readRelayCredentials(relay.credentials);
            // Each durable record is handed to the runner at once (runtime/queue/spoolEvents.ts).
            const writer = new SpoolWriter({ dir: node.dir, groupCommit: GROUP_COMMIT, onStored: (stored) => notifySpooled(node.dir, stored) });
            return (envelope, message, meta) => writer.write(envelope, message, meta, meta.queueId);
        }
    }
}
/** The recipients of an accepted relay that the next hop refused at RCPT (5xx). */
function refusedRecipients(outcome) {
    const refused = [];
    for (const result of outcome.perRecipient ?? []) {
        if (result.status !== "accepted")
            refused.push({ address: result.address, code: result.code, enhanced: result.enhanced, text: result.text });
    }
    return refused;
}
function nextHopHost(target) {
    try {
        return parseRelayUrl(target.url).host;
    }
    catch {
        return undefined; // relayMessage reports the bad URL for each message
    }
}
//# sourceMappingURL=delivery.js.map