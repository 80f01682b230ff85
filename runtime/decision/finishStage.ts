// FinishStage: an accepted message made into a delivery plan, after the message stage's checks
// and edits. Its steps have a fixed order that no policy can change: recipients deduplicated,
// expanded through `aliases` (RFC 6409 section 8.7), the `copy to` addresses added, the header edits applied, and the `sign dkim`
// signatures chosen last, since signing must see the final message (RFC 6409 section 8.5).
// Pure: the plan says what to sign with; the caller signs and hands the result to `decide`.
import type { DkimSignatureNode, RuleGraph } from "../../graph/graph.js";
import { expandEnvelopeRecipients } from "../aliases/aliasRecipients.js";
import type { RecipientExpansion } from "../aliases/expandAliases.js";
import type { Envelope } from "../deliver/envelope.js";
import { dedupeRecipients } from "../deliver/dedupeRecipients.js";
import { domainCovers } from "../dkim/domainCovers.js";
import { messageFromDomain } from "../dkim/fromDomain.js";
import { applyHeaderEdits } from "../message/headerEdits.js";
import { decided, protocolOrigin, type Steps } from "./envelopeStage.js";
import type { MessagePlan } from "./messageStage.js";
import { Replies } from "../../graph/replies.js";
import type { SessionState, Transaction } from "./session.js";
import type { DecisionTables } from "./tables.js";
import type { Decision } from "./verdict.js";

/** What is handed on, and how, once the message is accepted. */
export interface DeliveryPlan extends MessagePlan {
  envelope: Envelope;
  /** The message with the header edits applied, not yet signed. */
  message: Buffer;
  /** The From domain the message is signed for, or null (RFC 6376 section 1.2). */
  fromDomain: string | null;
  /** The `sign dkim` rules whose domain covers `fromDomain`, in signing order. */
  signatures: DkimSignatureNode[];
  /** Recipients that `aliases` changed, for the log. */
  expansions: RecipientExpansion[];
}

export function finishMessage(graph: RuleGraph, state: SessionState, transaction: Transaction, plan: MessagePlan, steps: Steps, tables?: DecisionTables): Decision<DeliveryPlan> {
  const trace = steps.trace;
  let recipients = dedupeRecipients(transaction.recipients);
  if (recipients.length < transaction.recipients.length) {
    const origin = protocolOrigin(graph, "each mailbox gets one copy");
    trace.push({ node: "DedupeRecipients", origin, outcome: "change", detail: `${transaction.recipients.length - recipients.length} repeated recipient(s) dropped` });
  }
  let expansions: RecipientExpansion[] = [];
  if (graph.aliases) {
    const origin = graph.aliases.origin;
    // A file that could not be read expands nothing (its problems were logged when it was loaded).
    const expanded = tables?.aliases ? expandEnvelopeRecipients(tables.aliases, recipients, graph.localDomains) : null;
    if (expanded) {
      expansions = expanded.expansions;
      for (const e of expanded.expansions) trace.push({ node: "Aliases", origin, outcome: "change", detail: `${e.recipient} -> ${e.expandedTo.join(", ") || "(nowhere)"}` });
      if (expanded.recipients.length === 0) {
        const detail = `no recipient left: ${expanded.nowhere.join(", ")}`;
        trace.push({ node: "Aliases", origin, outcome: "refuse", detail });
        return decided(steps, { verdict: { kind: "refuse", reply: Replies.aliasLoop, origin }, state });
      }
      recipients = expanded.recipients;
    }
  }
  // `copy to`: after aliases (the archive address is taken as written), each address once.
  if (graph.copyTo) {
    // Compared as mailboxes are everywhere (exact local parts): a recipient the client named keeps its own DSN.
    const before = recipients.length;
    recipients = dedupeRecipients([...recipients, ...graph.copyTo.addresses.map((address) => ({ address, dsn: { notify: ["NEVER" as const] } }))]);
    const added = recipients.slice(before).map((r) => r.address);
    trace.push({
      node: "CopyTo",
      origin: graph.copyTo.origin,
      outcome: added.length > 0 ? "change" : "skip",
      detail: added.length > 0 ? `+ ${added.join(", ")}` : "already a recipient",
    });
  }
  const message = applyHeaderEdits(plan.bytes, plan.header, plan.edits);
  const fromDomain = graph.dkim.length > 0 ? messageFromDomain(message) : null;
  const signatures = fromDomain === null ? [] : graph.dkim.filter((signature) => domainCovers(signature.domain, fromDomain));
  for (const signature of graph.dkim) {
    const signs = signatures.includes(signature);
    trace.push({
      node: "SignDkim",
      origin: signature.origin,
      outcome: signs ? "change" : "skip",
      detail: signs ? `signed by ${signature.selector}._domainkey.${signature.domain}` : `From domain ${fromDomain ?? "(none)"} is not ${signature.domain} or below it`,
    });
  }
  const envelope: Envelope = {
    mailFrom: transaction.mailFrom,
    recipients,
    dsn: transaction.dsn,
    smtputf8: transaction.smtputf8,
    ...(transaction.bodyType ? { bodyType: transaction.bodyType } : {}),
  };
  return decided(steps, { verdict: { kind: "accept" }, state, result: { ...plan, envelope, message, fromDomain, signatures, expansions } });
}
