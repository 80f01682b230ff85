// MailStage and RcptStage: the envelope rules of the graph applied, in graph
// order, to one MAIL FROM or RCPT TO address. Pure: graph + session + command in,
// decision out.
import type {
  MailNode, RcptNode, RequireAuthNode, RuleGraph, RuleOrigin, SubmissionRightsNode,
} from "../../compiler/graph.js";
import { formatEnvelopeAddress, isQualified, parseEnvelopeAddress, splitAddress } from "../address/envelopeAddress.js";
import { ownAddressOfLogin, sameAddress } from "../address/ownAddress.js";
import { isPostmaster } from "../address/postmaster.js";
import { qualifyAddressText } from "../address/qualifyAddress.js";
import type { RecipientParameters } from "../deliver/envelope.js";
import { Replies, type Reply } from "./replies.js";
import type { SessionState, Transaction } from "./session.js";
import type { Decision, TraceStep } from "./verdict.js";

/** MAIL FROM parameters msa understands (RFC 1870, 6152, 6531, 3461, 4954). */
const MAIL_PARAMETERS = new Set(["SIZE", "BODY", "SMTPUTF8", "RET", "ENVID", "AUTH"]);
/** RCPT TO parameters msa understands (RFC 3461). */
const RCPT_PARAMETERS = new Set(["NOTIFY", "ORCPT"]);

export interface MailCommand {
  type: "mail";
  /** The address between the angle brackets, as sent. */
  address: string;
  params: Record<string, string | true>;
}

export interface RcptCommand {
  type: "rcpt";
  address: string;
  params: Record<string, string | true>;
}

const PROTOCOL: RuleOrigin = { file: "", line: 0, span: { start: 0, end: 0 }, builtin: "SMTP protocol (RFC 5321)" };

function protocolOrigin(graph: RuleGraph, what: string): RuleOrigin {
  return { ...PROTOCOL, file: graph.source.file, builtin: what };
}

function refuse(state: SessionState, trace: TraceStep[], node: string, origin: RuleOrigin, reply: Reply, detail?: string): Decision<string> {
  trace.push({ node, origin, outcome: "refuse", detail });
  return { verdict: { kind: "refuse", reply, origin }, state, trace };
}

type AddressRole = "sender" | "recipient";

/** Runs the address rules shared by both stages; returns the address to use, or the refusal. */
function checkAddress(
  graph: RuleGraph,
  state: SessionState,
  nodes: readonly (MailNode | RcptNode)[],
  role: AddressRole,
  raw: string,
  smtputf8: boolean,
  trace: TraceStep[],
): { address: string } | { refusal: Decision<string> } {
  let address = raw;
  if (/[^\x00-\x7f]/.test(address) && !smtputf8) {
    return { refusal: refuse(state, trace, "RequireSmtputf8", protocolOrigin(graph, "non-ASCII addresses need SMTPUTF8 (RFC 6531)"), Replies.needsSmtputf8) };
  }
  for (const node of nodes) {
    switch (node.kind) {
      case "QualifyEnvelope": {
        const qualified = qualifyAddressText(address, node.domain);
        trace.push({ node: node.kind, origin: node.origin, outcome: qualified === address ? "pass" : "change", detail: qualified === address ? undefined : `${address} -> ${qualified}` });
        address = qualified;
        break;
      }
      case "EnforceAddressSyntax": {
        const parsed = parseEnvelopeAddress(address, { smtputf8 });
        if (!parsed.ok) {
          return { refusal: refuse(state, trace, node.kind, node.origin, role === "sender" ? Replies.badSenderSyntax : Replies.badRecipientSyntax, parsed.reason) };
        }
        address = formatEnvelopeAddress(parsed.address, { unicode: smtputf8 });
        trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
        break;
      }
      case "RefuseUnqualified": {
        if (!isQualified(splitAddress(address))) {
          return { refusal: refuse(state, trace, node.kind, node.origin, role === "sender" ? Replies.unqualifiedSender : Replies.unqualifiedRecipient, address) };
        }
        trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
        break;
      }
      default:
        break;
    }
  }
  return { address };
}

function unknownParameter(params: Record<string, string | true>, known: Set<string>): string | undefined {
  return Object.keys(params).find((key) => !known.has(key.toUpperCase()));
}

/** RFC 6409 section 6.1: may this login use this MAIL FROM? */
export function senderAllowed(node: SubmissionRightsNode, login: string, address: string): boolean {
  // Own-property lookup: a login called `constructor` must not find Object.prototype's.
  const granted = Object.hasOwn(node.senders, login) ? node.senders[login] : undefined;
  if (granted) return granted.some((allowed) => sameAddress(allowed, address));
  return sameAddress(ownAddressOfLogin(login, node.ownDomain ?? undefined), address);
}

export function decideMail(graph: RuleGraph, state: SessionState, command: MailCommand): Decision<string> {
  const trace: TraceStep[] = [];
  const unknown = unknownParameter(command.params, MAIL_PARAMETERS);
  if (unknown) return refuse(state, trace, "KnownParameters", protocolOrigin(graph, "unknown MAIL parameters are refused"), Replies.unknownParameter, unknown);
  const smtputf8 = command.params.SMTPUTF8 === true;

  for (const node of graph.stages.mail) {
    if (node.kind === "RequireTls") {
      if (!state.tls) return refuse(state, trace, node.kind, node.origin, Replies.tlsRequired);
      trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
    } else if (node.kind === "RequireAuth") {
      // With `allow postmaster` the refusal moves to RCPT, where postmaster is let through.
      if (!state.login && !node.postmaster) return refuse(state, trace, node.kind, node.origin, Replies.authRequired);
      trace.push({ node: node.kind, origin: node.origin, outcome: state.login ? "pass" : "skip", detail: state.login ? undefined : "deferred to RCPT by allow postmaster" });
    }
  }

  let mailFrom = "";
  if (command.address !== "") {
    const checked = checkAddress(graph, state, graph.stages.mail, "sender", command.address, smtputf8, trace);
    if ("refusal" in checked) return checked.refusal;
    mailFrom = checked.address;
  }

  let declaredSize: number | null = null;
  if (typeof command.params.SIZE === "string") declaredSize = Number(command.params.SIZE);
  for (const node of graph.stages.mail) {
    if (node.kind === "SubmissionRights") {
      if (state.login && mailFrom !== "" && !senderAllowed(node, state.login, mailFrom)) {
        return refuse(state, trace, node.kind, node.origin, Replies.senderNotAllowed, `${state.login} may not use ${mailFrom}`);
      }
      trace.push({ node: node.kind, origin: node.origin, outcome: state.login ? "pass" : "skip" });
    } else if (node.kind === "LimitSize") {
      if (declaredSize !== null && declaredSize > node.bytes) {
        return refuse(state, trace, node.kind, node.origin, Replies.messageTooBig, `SIZE=${declaredSize} over ${node.bytes}`);
      }
      trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
    }
  }

  const body = typeof command.params.BODY === "string" ? command.params.BODY.toUpperCase() : undefined;
  const ret = typeof command.params.RET === "string" ? command.params.RET.toUpperCase() : undefined;
  const transaction: Transaction = {
    mailFrom,
    smtputf8,
    bodyType: body === "8BITMIME" || body === "7BIT" ? body : undefined,
    declaredSize,
    dsn: {
      ...(ret === "FULL" || ret === "HDRS" ? { ret } : {}),
      ...(typeof command.params.ENVID === "string" ? { envid: command.params.ENVID } : {}),
    },
    recipients: [],
  };
  return { verdict: { kind: "accept" }, state: { ...state, transaction }, trace, result: mailFrom };
}

function postmasterAdmits(node: RequireAuthNode, address: string): boolean {
  return !!node.postmaster && isPostmaster(address, new Set(node.postmaster.domains));
}

export function decideRcpt(graph: RuleGraph, state: SessionState, command: RcptCommand): Decision<string> {
  const trace: TraceStep[] = [];
  const transaction = state.transaction;
  const unknown = unknownParameter(command.params, RCPT_PARAMETERS);
  if (unknown) return refuse(state, trace, "KnownParameters", protocolOrigin(graph, "unknown RCPT parameters are refused"), Replies.unknownParameter, unknown);
  const smtputf8 = transaction?.smtputf8 ?? false;

  const checked = checkAddress(graph, state, graph.stages.rcpt, "recipient", command.address, smtputf8, trace);
  if ("refusal" in checked) return checked.refusal;
  const address = checked.address;

  for (const node of graph.stages.rcpt) {
    if (node.kind === "RequireAuth") {
      if (!state.login) {
        if (!postmasterAdmits(node, address)) return refuse(state, trace, node.kind, node.origin, Replies.authRequired);
        trace.push({ node: node.kind, origin: node.postmaster!.origin, outcome: "pass", detail: "postmaster needs no authentication" });
      } else {
        trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
      }
    } else if (node.kind === "LimitRecipients") {
      const count = transaction?.recipients.length ?? 0;
      if (count >= node.max) return refuse(state, trace, node.kind, node.origin, Replies.tooManyRecipients, `limit ${node.max}`);
      trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
    }
  }

  const dsn: RecipientParameters = {};
  if (typeof command.params.NOTIFY === "string") dsn.notify = command.params.NOTIFY.toUpperCase().split(",") as RecipientParameters["notify"];
  if (typeof command.params.ORCPT === "string") dsn.orcpt = command.params.ORCPT;
  const next = transaction ? { ...transaction, recipients: [...transaction.recipients, { address, dsn }] } : transaction;
  return { verdict: { kind: "accept" }, state: { ...state, transaction: next }, trace, result: address };
}
