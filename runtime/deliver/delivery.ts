// The deliver rule of the graph as one function: hand a finished message on and
// say what became of it. The session answers 250 only for `accepted`.
import type { DeliveryNode } from "../../graph/graph.js";
import type { DeliveryOutcome, Envelope, RefusedRecipient } from "./envelope.js";
import { relayMessage } from "./relayClient.js";
import { parseRelayUrl } from "./relayEndpoint.js";
import type { RelayOutcome } from "./relayOutcome.js";
import type { RelayTarget } from "./relayTarget.js";
import { reportRefusedRecipients } from "./refusalReport.js";
import { RelayPool, type RelayPoolOptions } from "./relayPool.js";
import { readRelayCredentials } from "./relayTarget.js";
import { nextHopFor, nextHopsFromGraph } from "./senderNextHop.js";
import type { SpoolMeta } from "./spoolRecord.js";
import { SpoolWriter } from "./spoolWriter.js";
import { clientFactsOf } from "./xforward.js";
import { notifySpooled, spoolRoomOf } from "../queue/spoolEvents.js";

/**
 * Group commit of the spool's directory fsync is on unless MSA_SPOOL_GROUP_COMMIT=0: a switch
 * for measuring both modes on the disk the spool lives on (bench/spoolWrite.ts --wire).
 */
const GROUP_COMMIT = process.env.MSA_SPOOL_GROUP_COMMIT !== "0";

/** What the session lends a delivery for one message. */
export interface DeliverOptions {
  /** The DKIM signer's `resign`, for a message the in-line relay converts to 7-bit (relayClient.ts). */
  resign?: (converted: Buffer) => Promise<Buffer>;
}

export type Deliver = ((envelope: Envelope, message: Buffer, meta: SpoolMeta, options?: DeliverOptions) => Promise<DeliveryOutcome>) & {
  /** Closes what the delivery keeps open (the in-line relay's idle sessions); safe to call twice. */
  close?: () => void;
  /** Store and forward, in-flow control: undefined when the queue runner has room for another message, else resolves when it has. */
  room?: () => Promise<void> | undefined;
};

export interface DeliveryContext {
  /** Added to the relay target of the policy (tests: `ca`, a trusted test CA; timeouts). */
  relay?: Partial<RelayTarget>;
  /** Sessions kept per next hop for the in-line relay; default RelayPool's; false: a connection per message. */
  pool?: RelayPoolOptions | false;
}

/**
 * Throws RelayConfigurationError (at start, from the server's constructor) when the relay's
 * credentials file is missing or malformed.
 */
export function createDelivery(node: DeliveryNode, hostname: string, context: DeliveryContext = {}): Deliver {
  switch (node.kind) {
    case "Relay": {
      // The main next hop, and those `deliver from` picks by the envelope sender.
      const hops = nextHopsFromGraph(node, context.relay);
      // sessions with the next hop are reused across client sessions (RSET between messages)
      const pool = context.pool === false ? undefined : new RelayPool(context.pool);
      const options = { clientName: hostname, ...(pool ? { pool } : {}) };
      const deliver: Deliver = async (envelope, message, meta, { resign } = {}) => {
        const target = nextHopFor(hops, envelope);
        const remoteMta = nextHopHost(target);
        const client = clientFactsOf(meta);
        const outcome = await relayMessage(target, envelope, message, { ...options, ...(resign ? { resign } : {}), ...(client ? { client } : {}) });
        const refused = outcome.kind === "accepted" ? refusedRecipients(outcome) : [];
        if (outcome.kind !== "accepted" || refused.length === 0) return outcome;
        // the next hop took the message for some recipients only: the others hear it from a DSN
        const refusalReport = await reportRefusedRecipients(
          { hostname, ...(remoteMta ? { remoteMta } : {}), queueId: meta.queueId ?? outcome.id, envelope, message, refused, now: new Date() },
          (dsnEnvelope, dsnMessage) => relayMessage(target, dsnEnvelope, dsnMessage, options),
        );
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
      for (const relay of [node.relay, ...(node.bySender ?? []).map((hop) => hop.relay)]) if (relay?.credentials) readRelayCredentials(relay.credentials);
      // Each durable record is handed to the runner at once (runtime/queue/spoolEvents.ts).
      const writer = new SpoolWriter({ dir: node.dir, groupCommit: GROUP_COMMIT, onStored: (stored) => notifySpooled(node.dir, stored) });
      const deliver: Deliver = (envelope, message, meta) => writer.write(envelope, message, meta, meta.queueId);
      deliver.room = spoolRoomOf(node.dir);
      return deliver;
    }
  }
}

/** The recipients of an accepted relay that the next hop refused at RCPT (5xx). */
function refusedRecipients(outcome: RelayOutcome): RefusedRecipient[] {
  const refused: RefusedRecipient[] = [];
  for (const result of outcome.perRecipient ?? []) {
    if (result.status !== "accepted") refused.push({ address: result.address, code: result.code, enhanced: result.enhanced, text: result.text });
  }
  return refused;
}

function nextHopHost(target: RelayTarget): string | undefined {
  try {
    return parseRelayUrl(target.url).host;
  } catch {
    return undefined; // relayMessage reports the bad URL for each message
  }
}
