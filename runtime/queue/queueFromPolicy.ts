// The queue runner of a policy: the settings of its `deliver spool "DIR" relay URL` rule (next
// hop, queue lifetime, DKIM re-signing) and the runner `msac serve` starts with them.

import { ruleLocation, type DkimSignatureNode, type RuleGraph } from "../../graph/graph.js";
import type { RelayTarget } from "../deliver/relayTarget.js";
import { nextHopsFromGraph } from "../deliver/senderNextHop.js";
import type { DkimSigner } from "../dkim/dkimSigner.js";
import { DEFAULT_QUEUE_LIFETIME_MS, QueueRunner, type QueueLog, type QueueRunnerOptions } from "./queueRunner.js";

/**
 * The queue settings of a policy's graph, or undefined when its deliver rule has no store and
 * forward: the spool, the next hop with its TLS and AUTH options (the credentials file is read
 * here: RelayConfigurationError when it is missing or malformed) and the queue lifetime.
 */
export function queueRunnerOptionsFromGraph(
  graph: RuleGraph,
  relayExtra: Partial<RelayTarget> = {},
): Pick<QueueRunnerOptions, "dir" | "relay" | "bySender" | "hostname" | "lifetimeMs" | "rule" | "resign"> | undefined {
  const node = graph.deliver;
  if (node.kind !== "SpoolThenRelay") return undefined;
  const resign = resignerFor(graph.dkim ?? []); // a graph assembled by hand may leave dkim out
  return {
    ...(resign ? { resign } : {}),
    dir: node.dir,
    ...nextHopSettings(nextHopsFromGraph(node, relayExtra)),
    hostname: graph.hostname,
    rule: ruleLocation(node.origin),
    lifetimeMs: node.lifetimeMs ?? DEFAULT_QUEUE_LIFETIME_MS, // `limit queue lifetime 5d`
  };
}

/** The main hop as `relay`, the `deliver from` hops as `bySender` when there are some. */
function nextHopSettings(hops: ReturnType<typeof nextHopsFromGraph>): Pick<QueueRunnerOptions, "relay" | "bySender"> {
  return { relay: hops.main, ...(hops.bySender.size > 0 ? { bySender: hops.bySender } : {}) };
}

/**
 * The `sign dkim` rules' signer for records converted to 7-bit, or undefined without such rules.
 * The keys are read at the first conversion: the server has read them at start already, and
 * refuses to start when one cannot be read.
 */
function resignerFor(rules: DkimSignatureNode[]): QueueRunnerOptions["resign"] {
  if (rules.length === 0) return undefined;
  let signer: Promise<DkimSigner> | undefined;
  return async (converted) => {
    signer ??= import("../dkim/dkimSigner.js").then(({ createDkimSigner, signatureOfRule }) => createDkimSigner(rules.map(signatureOfRule)));
    return (await signer).resign(converted);
  };
}

export type QueueRunnerOverrides = Partial<Omit<QueueRunnerOptions, "relay">> & {
  /** added to the policy's relay target (tests: `ca`, a trusted test CA) */
  relay?: Partial<RelayTarget>;
};

/**
 * For `msac serve`: starts the runner of a `deliver spool "DIR" relay URL` policy (a no-op for
 * the other deliver forms), with the lifetime and next hop options of the policy. Throws
 * RelayConfigurationError at once when the relay credentials file is missing or malformed.
 */
export function startQueueRunner(
  graph: RuleGraph,
  log: QueueLog,
  overrides: QueueRunnerOverrides = {},
): { runner: QueueRunner | undefined; started: Promise<void>; stop(): Promise<void> } {
  const { relay: relayExtra, ...rest } = overrides;
  const settings = queueRunnerOptionsFromGraph(graph, relayExtra);
  if (!settings) return { runner: undefined, started: Promise.resolve(), stop: async () => {} };
  const runner = new QueueRunner({ ...settings, log, ...rest });
  const started = runner.start().catch((error: unknown) => {
    log.error({ event: "queue-start-failed", err: (error as Error).message }, "queue runner did not start");
  });
  // never the credentials: only whether there are some
  log.info(
    {
      event: "queue-started",
      dir: runner.dir,
      relay: settings.relay.url,
      ...(settings.bySender ? { relayBySender: Object.fromEntries([...settings.bySender].map(([sender, target]) => [sender, target.url])) } : {}),
      requireTls: settings.relay.requireTls === true,
      auth: settings.relay.auth !== undefined,
      lifetimeMs: runner.lifetimeMs,
    },
    "queue runner started",
  );
  return {
    runner,
    started,
    async stop() {
      await started;
      await runner.stop();
    },
  };
}
