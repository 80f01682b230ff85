// The deliver rule of the graph as one function: hand a finished message on and
// say what became of it. The session answers 250 only for `accepted`.
import type { DeliveryNode } from "../../compiler/graph.js";
import type { DeliveryOutcome, Envelope } from "./envelope.js";
import { relayMessage } from "./relayClient.js";
import type { SpoolMeta } from "./spoolRecord.js";
import { SpoolWriter } from "./spoolWriter.js";

export type Deliver = (envelope: Envelope, message: Buffer, meta: SpoolMeta) => Promise<DeliveryOutcome>;

export function createDelivery(node: DeliveryNode, hostname: string): Deliver {
  switch (node.kind) {
    case "Relay":
      return (envelope, message) => relayMessage({ url: node.url }, envelope, message, { clientName: hostname });
    case "Spool":
    case "SpoolThenRelay": {
      // Concurrent sessions share the directory fsync (group commit); each record is still fsync'd itself.
      const writer = new SpoolWriter({ dir: node.dir, groupCommit: true });
      return (envelope, message, meta) => writer.write(envelope, message, meta);
    }
  }
}
