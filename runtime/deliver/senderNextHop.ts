// The next hop chosen by the envelope sender (`deliver from`, Postfix's
// sender_dependent_relayhost_maps): the sender's own address first, then its domain, else the main
// hop. Compared as addressKey compares: the local part exactly, the domain without regard to case.
import type { RelayOptions, SenderRelay } from "../../graph/graph.js";
import { addressKey, domainKey } from "../../formats/addressKey.js";
import type { Envelope } from "./envelope.js";
import { relayTargetFromGraph, type RelayTarget } from "./relayTarget.js";

/** The main next hop and those of some senders, by sender key (`local@domain` or `@domain`). */
export interface NextHops {
  readonly main: RelayTarget;
  readonly bySender: ReadonlyMap<string, RelayTarget>;
}

/** The key a `deliver from` sender is looked up by: `local@domain` as addressKey writes it, or `@domain`. */
function senderKey(sender: string): string {
  if (!sender.startsWith("@")) return addressKey(sender).key;
  return `@${domainKey(sender.slice(1)) ?? sender.slice(1).toLowerCase()}`;
}

/**
 * The relay targets of a relaying deliver node. Throws RelayConfigurationError, as the main hop
 * does, when a hop's credentials file is missing or malformed.
 */
export function nextHopsFromGraph(node: { url: string; relay: RelayOptions; bySender?: SenderRelay[] }, extra: Partial<RelayTarget> = {}): NextHops {
  return {
    main: relayTargetFromGraph(node.url, node.relay, extra),
    bySender: new Map((node.bySender ?? []).map((hop) => [senderKey(hop.sender), relayTargetFromGraph(hop.url, hop.relay, extra)])),
  };
}

/**
 * The hop for a sender; "" (the null sender) has none of its own. A delivery status notification
 * has the null sender and goes to the sender of the message it reports on: `dsnFor` set, it
 * takes the hop its recipient (that sender) would have picked, the hop the message itself took.
 */
export function nextHopFor(hops: NextHops, envelope: Pick<Envelope, "mailFrom" | "recipients">, dsnFor = false): RelayTarget {
  if (hops.bySender.size === 0) return hops.main;
  const sender = envelope.mailFrom === "" && dsnFor ? (envelope.recipients[0]?.address ?? "") : envelope.mailFrom;
  if (sender === "") return hops.main;
  const key = addressKey(sender);
  return hops.bySender.get(key.key) ?? (key.domain === null ? undefined : hops.bySender.get(`@${key.domain}`)) ?? hops.main;
}
