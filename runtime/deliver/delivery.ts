// The deliver rule of the graph as one function: hand a finished message on and
// say what became of it. The session answers 250 only for `accepted`.
import type { DeliveryNode } from "../../compiler/graph.js";
import type { DeliveryOutcome, Envelope } from "./envelope.js";
import { relayMessage } from "./relayClient.js";
import type { SpoolMeta } from "./spoolRecord.js";
import { SpoolWriter } from "./spoolWriter.js";
import { notifySpooled } from "../queue/spoolEvents.js";

/**
 * Group commit of the spool's directory fsync is on unless MSA_SPOOL_GROUP_COMMIT=0: a switch
 * for measuring both modes on the disk the spool lives on (bench/spoolWrite.ts --wire).
 */
const GROUP_COMMIT = process.env.MSA_SPOOL_GROUP_COMMIT !== "0";

export type Deliver = (envelope: Envelope, message: Buffer, meta: SpoolMeta) => Promise<DeliveryOutcome>;

export function createDelivery(node: DeliveryNode, hostname: string): Deliver {
  switch (node.kind) {
    case "Relay":
      return (envelope, message) => relayMessage({ url: node.url }, envelope, message, { clientName: hostname });
    case "Spool": {
      // Concurrent sessions share the directory fsync (group commit); each record is still fsync'd itself.
      const writer = new SpoolWriter({ dir: node.dir, groupCommit: GROUP_COMMIT });
      return (envelope, message, meta) => writer.write(envelope, message, meta);
    }
    case "SpoolThenRelay": {
      // Store and forward: accepted = durably spooled, exactly as `deliver spool`; the queue
      // runner (runtime/queue/queueRunner.ts, started beside the server) forwards the record.
      const writer = new SpoolWriter({ dir: node.dir, groupCommit: GROUP_COMMIT });
      return async (envelope, message, meta) => {
        const outcome = await writer.write(envelope, message, meta);
        if (outcome.kind === "accepted") notifySpooled(node.dir);
        return outcome;
      };
    }
  }
}
