// MessageStage: after DATA, decide whether the message may pass and which header
// edits complete it (RFC 6409 section 8). Pure: the message arrives already read
// and its header section parsed; the edits come back as data for `applyHeaderEdits`.
import type { MessageNode, RuleGraph } from "../../compiler/graph.js";
import { listHeaderAddresses, qualifyAddressHeader } from "../address/addressHeader.js";
import { ownAddressOfLogin, sameAddress } from "../address/ownAddress.js";
import type { HeaderEdit } from "../message/headerEdits.js";
import { parseHeaderSection, type HeaderSection } from "../message/headerSection.js";
import type { BareLineEnding } from "../message/readMessageData.js";
import { receivedFieldValue } from "../message/receivedField.js";
import { formatRfc5322Date } from "../message/rfc5322Date.js";
import { Replies } from "./replies.js";
import type { SessionState } from "./session.js";
import type { Decision, TraceStep } from "./verdict.js";

export interface MessageEvent {
  type: "message";
  bytes: Buffer;
  size: number;
  tooBig: boolean;
  bareLineEnding: BareLineEnding | null;
  /** The clock and the id source, passed in so the decision stays a pure function. */
  now: Date;
  queueId: string;
  messageId: string;
}

export interface MessagePlan {
  header: HeaderSection;
  edits: HeaderEdit[];
}

function qualifyDomainOf(graph: RuleGraph): string | undefined {
  for (const node of graph.stages.message) if (node.kind === "QualifyHeaders") return node.domain;
  return undefined;
}

/** RFC 3848 protocol name for the Received field. */
export function receivedProtocol(state: SessionState): "SMTP" | "ESMTP" | "ESMTPS" | "ESMTPA" | "ESMTPSA" {
  if (!state.extended) return "SMTP";
  return `ESMTP${state.tls ? "S" : ""}${state.login ? "A" : ""}` as "ESMTP" | "ESMTPS" | "ESMTPA" | "ESMTPSA";
}

export function decideMessage(graph: RuleGraph, state: SessionState, event: MessageEvent): Decision<MessagePlan> {
  const trace: TraceStep[] = [];
  const refuse = (node: MessageNode, reply: typeof Replies[keyof typeof Replies], detail?: string): Decision<MessagePlan> => {
    trace.push({ node: node.kind, origin: node.origin, outcome: "refuse", detail });
    return { verdict: { kind: "refuse", reply, origin: node.origin }, state, trace };
  };
  let header: HeaderSection | undefined;
  const edits: HeaderEdit[] = [];

  for (const node of graph.stages.message) {
    switch (node.kind) {
      case "RefuseBareLineEndings":
        if (event.bareLineEnding) return refuse(node, Replies.bareLineEnding, `bare ${event.bareLineEnding.kind} at byte ${event.bareLineEnding.offset}`);
        break;
      case "LimitSize":
        if (event.tooBig || event.size > node.bytes) return refuse(node, Replies.messageTooBig, `${event.size} bytes over ${node.bytes}`);
        break;
      case "CheckHeaderSyntax": {
        const parsed = parseHeaderSection(event.bytes);
        if (!parsed.ok) return refuse(node, Replies.badHeaderSection, parsed.reason);
        header = parsed.header;
        break;
      }
      case "QualifyHeaders": {
        if (!header) break;
        const wanted = new Set(node.fields.map((f) => f.toLowerCase()));
        header.fields.forEach((field, index) => {
          if (!wanted.has(field.name.toLowerCase())) return;
          const qualified = qualifyAddressHeader(field.value, node.domain);
          if (qualified !== field.value) {
            edits.push({ kind: "replace", index, value: qualified });
            trace.push({ node: node.kind, origin: node.origin, outcome: "change", detail: `${field.name}: ${field.value} -> ${qualified}` });
          }
        });
        break;
      }
      case "AddHeader": {
        if (!header) break;
        const added = addedField(graph, state, event, header, node.field);
        if (added) {
          edits.push(added);
          trace.push({ node: `Add${node.field.replace("-", "")}`, origin: node.origin, outcome: "change", detail: `${added.kind === "prepend" || added.kind === "append" ? added.name : ""}` });
        } else {
          trace.push({ node: `Add${node.field.replace("-", "")}`, origin: node.origin, outcome: "skip" });
        }
        break;
      }
    }
    if (node.kind !== "AddHeader" && node.kind !== "QualifyHeaders") trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
  }
  if (!header) {
    const parsed = parseHeaderSection(event.bytes);
    if (!parsed.ok) throw new Error("message stage without a header-syntax node");
    header = parsed.header;
  }
  return { verdict: { kind: "accept" }, state, trace, result: { header, edits } };
}

function hasField(header: HeaderSection, name: string): boolean {
  const lower = name.toLowerCase();
  return header.fields.some((f) => f.name.toLowerCase() === lower);
}

function addedField(graph: RuleGraph, state: SessionState, event: MessageEvent, header: HeaderSection, field: "Date" | "Message-ID" | "Sender" | "Received"): HeaderEdit | undefined {
  switch (field) {
    case "Date":
      // RFC 6409 section 8.3: add Date when missing.
      return hasField(header, "Date") ? undefined : { kind: "append", name: "Date", value: formatRfc5322Date(event.now) };
    case "Message-ID":
      // RFC 6409 section 8.2: add Message-ID when missing.
      return hasField(header, "Message-ID") ? undefined : { kind: "append", name: "Message-ID", value: event.messageId };
    case "Sender": {
      // RFC 6409 section 8.1: name the authenticated sender when From: does not.
      if (!state.login || hasField(header, "Sender")) return undefined;
      const own = ownAddressOfLogin(state.login, qualifyDomainOf(graph));
      const domain = qualifyDomainOf(graph);
      const from = header.fields
        .filter((f) => f.name.toLowerCase() === "from")
        .flatMap((f) => listHeaderAddresses(domain ? qualifyAddressHeader(f.value, domain) : f.value));
      return from.some((address) => sameAddress(address, own)) ? undefined : { kind: "append", name: "Sender", value: own };
    }
    case "Received":
      // RFC 5321 section 4.4 trace field, RFC 3848 protocol names.
      return {
        kind: "prepend",
        name: "Received",
        value: receivedFieldValue({
          heloName: state.heloName ?? "unknown",
          clientAddress: state.clientAddress,
          hostname: graph.hostname,
          protocol: receivedProtocol(state),
          queueId: event.queueId,
          date: event.now,
        }),
      };
  }
}
