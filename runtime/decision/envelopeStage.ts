// MailStage and RcptStage: the envelope rules of the graph applied, in graph
// order, to one MAIL FROM or RCPT TO address. Pure: graph + session + command in,
// decision out.
import { appliesTo, type MailNode, type Observable, type RcptNode, type RefuseUnqualifiedNode, type RequireAuthNode, type RuleGraph, type RuleOrigin } from "../../graph/graph.js";
import { type EnvelopeAddress, formatEnvelopeAddress, hasNonAscii, isQualified, parseEnvelopeAddress, splitAddress } from "../../formats/envelopeAddress.js";
import { ownAddressOfLogin } from "../../formats/ownAddress.js";
import { heloNameProblem } from "../address/heloName.js";
import { isPostmaster } from "../address/postmaster.js";
import { qualifyAddressText } from "../address/qualifyAddress.js";
import { sourceRouteIn } from "../address/sourceRoute.js";
import type { RecipientParameters } from "../deliver/envelope.js";
import { masqueradeEnvelope } from "../rewrite/masquerade.js";
import { rewriteSenderAddress } from "../rewrite/senderCanonical.js";
import { decideRecipient } from "../rights/recipientRules.js";
import { compileSenderGrants, givenGrants, mayUse, type SenderGrantTable } from "../rights/senderGrants.js";
import { networkHolding } from "../../formats/network.js";
import { Replies, type Reply, replyOf } from "../../graph/replies.js";
import { withTransaction, type SessionState, type Transaction } from "./session.js";
import { canonicalTableOf, recipientRulesOf, senderTableOf, type DecisionTables } from "./tables.js";
import type { Decision, Observation, TraceStep } from "./verdict.js";

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

// Options passed on every command, made once.
const SMTPUTF8 = { smtputf8: true } as const;
const ASCII_ONLY = { smtputf8: false } as const;
const SMTPUTF8_FORMAT = { unicode: true } as const;
const ASCII_FORMAT = { unicode: false } as const;

const PROTOCOL: RuleOrigin = { file: "", line: 0, span: { start: 0, end: 0 }, builtin: "SMTP protocol (RFC 5321)" };

export function protocolOrigin(graph: RuleGraph, what: string): RuleOrigin {
  return { ...PROTOCOL, file: graph.source.file, builtin: what };
}

/** What one event's rules have said so far: the trace and the refusals observe-only rules did not make. */
export interface Steps {
  trace: TraceStep[];
  observations: Observation[];
}

export function newSteps(): Steps {
  return { trace: [], observations: [] };
}

/** The decision for a finished stage, with the observations when there are any. */
export function decided<T>(steps: Steps, decision: Omit<Decision<T>, "trace" | "observations">): Decision<T> {
  // Built field by field: spreading `decision` was the costliest line of a whole decision.
  const made: Decision<T> = { verdict: decision.verdict, state: decision.state, trace: steps.trace };
  if ("result" in decision) made.result = decision.result;
  if (steps.observations.length > 0) made.observations = steps.observations;
  return made;
}

function refuse(state: SessionState, steps: Steps, node: string, origin: RuleOrigin, reply: Reply, detail?: string): Decision<string> {
  steps.trace.push({ node, origin, outcome: "refuse", detail });
  return decided(steps, { verdict: { kind: "refuse", reply, origin }, state });
}

/**
 * A rule that would refuse: the refusal, or, when the rule is written `observe RULE`, null after
 * recording the observation (the caller then goes on as if the rule had passed).
 */
export function refuseOrObserve<T>(
  steps: Steps,
  node: { kind: string } & Observable,
  origin: RuleOrigin,
  reply: Reply,
  detail: string | undefined,
  refusal: (reply: Reply) => Decision<T>,
): Decision<T> | null {
  const said = replyOf(node, reply);
  if (!node.observe) return refusal(said);
  steps.trace.push({ node: node.kind, origin, outcome: "observe", detail });
  steps.observations.push({ origin, reply: said, ...(detail !== undefined ? { detail } : {}) });
  return null;
}

/** The refusal of a node, or null when it is written `observe` (recorded, and the stage goes on). */
function refusedBy(state: SessionState, steps: Steps, node: { kind: string; origin: RuleOrigin } & Observable, reply: Reply, detail?: string): Decision<string> | null {
  return refuseOrObserve(steps, node, node.origin, reply, detail, (said) => refuse(state, steps, node.kind, node.origin, said, detail));
}

type AddressRole = "sender" | "recipient";

/** The envelope address as a stage's nodes see it and change it, one node after the other. */
interface AddressInWork {
  role: AddressRole;
  /** The address as the nodes so far have made it (qualified, reformatted). */
  text: string;
  /** EnforceAddressSyntax's parse of `text`, while no later node has changed the text. */
  parsed: EnvelopeAddress | null;
  smtputf8: boolean;
}

type AddressNode = Extract<MailNode | RcptNode, { kind: "QualifyEnvelope" | "EnforceAddressSyntax" }> | RefuseUnqualifiedNode;

/** One of the address nodes both stages share: changes `work`, or returns the refusal. */
function applyAddressNode(node: AddressNode, work: AddressInWork, state: SessionState, steps: Steps): Decision<string> | null {
  const trace = steps.trace;
  switch (node.kind) {
    case "QualifyEnvelope": {
      const qualified = qualifyAddressText(work.text, node.domain);
      const changed = qualified !== work.text;
      trace.push({ node: node.kind, origin: node.origin, outcome: changed ? "change" : "pass", detail: changed ? `${work.text} -> ${qualified}` : undefined });
      if (changed) work.parsed = null;
      work.text = qualified;
      return null;
    }
    case "EnforceAddressSyntax": {
      const result = parseEnvelopeAddress(work.text, work.smtputf8 ? SMTPUTF8 : ASCII_ONLY);
      if (!result.ok) {
        work.parsed = null;
        const reply = work.role === "sender" ? Replies.badSenderSyntax : Replies.badRecipientSyntax;
        return refusedBy(state, steps, node, reply, result.reason);
      }
      work.parsed = result.address;
      work.text = formatEnvelopeAddress(result.address, work.smtputf8 ? SMTPUTF8_FORMAT : ASCII_FORMAT);
      trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
      return null;
    }
    case "RefuseUnqualified": {
      // `text` is `parsed` formatted: splitting it would give the same domain and literal flag.
      if (!isQualified(work.parsed ?? splitAddress(work.text))) {
        return refuse(state, steps, node.kind, node.origin, work.role === "sender" ? Replies.unqualifiedSender : Replies.unqualifiedRecipient, work.text);
      }
      trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
      return null;
    }
  }
}

/**
 * One pass over an envelope stage: the nodes `before`, the fixed unqualified-address refusal, the
 * nodes `after`; the first refusal decides. `work` is null for the null sender, which has no address to judge.
 */
function runEnvelopeStage<N extends MailNode | RcptNode>(
  stage: { before: readonly N[]; refuseUnqualified: RefuseUnqualifiedNode; after: readonly N[] },
  apply: (node: N) => Decision<string> | null,
  work: AddressInWork | null,
  state: SessionState,
  steps: Steps,
): Decision<string> | null {
  for (const node of stage.before) {
    if (!inScope(node, state, steps)) continue;
    const refusal = apply(node);
    if (refusal) return refusal;
  }
  const unqualified = work && applyAddressNode(stage.refuseUnqualified, work, state, steps);
  if (unqualified) return unqualified;
  for (const node of stage.after) {
    if (!inScope(node, state, steps)) continue;
    const refusal = apply(node);
    if (refusal) return refusal;
  }
  return null;
}

/**
 * Whether a node judges this session's listener and login (`on`, `for`); one that does not is
 * traced as skipped, naming the rule that decides instead when there is one.
 */
export function inScope(node: { kind: string; origin: RuleOrigin } & Observable, state: SessionState, steps: Steps): boolean {
  if (appliesTo(node, state)) return true;
  const instead = node.notOn?.[state.listener];
  const detail =
    node.on && !node.on.includes(state.listener)
      ? `on ${node.on.join(", ")}`
      : instead !== undefined
        ? `listener ${state.listener} has a rule of its own, ${node.origin.file}:${instead}`
        : node.for
          ? `for ${node.for.names.join(", ")}`
          : `${state.login} has a rule of its own`;
  steps.trace.push({ node: node.kind, origin: node.origin, outcome: "skip", detail });
  return false;
}

function unknownParameter(params: Record<string, string | true>, known: Set<string>): string | undefined {
  return Object.keys(params).find((key) => !known.has(key.toUpperCase()));
}

/** RFC 6531 section 3.5: a non-ASCII address needs SMTPUTF8. A protocol rule, before any node. */
function refuseNonAscii(graph: RuleGraph, state: SessionState, steps: Steps, address: string, smtputf8: boolean): Decision<string> | null {
  if (smtputf8 || !hasNonAscii(address)) return null;
  return refuse(state, steps, "RequireSmtputf8", protocolOrigin(graph, "non-ASCII addresses need SMTPUTF8 (RFC 6531)"), Replies.needsSmtputf8);
}

/**
 * MailStage: one pass over `graph.stages.mail` in the graph's order (graph/graph.ts STAGE_ORDER) (`before`, the fixed
 * unqualified-address refusal, `after`); the first node that refuses decides. The null sender
 * skips the address nodes.
 */
export function decideMail(graph: RuleGraph, state: SessionState, command: MailCommand, tables?: DecisionTables): Decision<string> {
  const steps = newSteps();
  const trace = steps.trace;
  const unknown = unknownParameter(command.params, MAIL_PARAMETERS);
  if (unknown) return refuse(state, steps, "KnownParameters", protocolOrigin(graph, "unknown MAIL parameters are refused"), Replies.unknownParameter, unknown);
  const smtputf8 = command.params.SMTPUTF8 === true;
  const nonAscii = refuseNonAscii(graph, state, steps, command.address, smtputf8);
  if (nonAscii) return nonAscii;

  const work: AddressInWork | null = command.address === "" ? null : { role: "sender", text: command.address, parsed: null, smtputf8 };
  const declaredSize = typeof command.params.SIZE === "string" ? Number(command.params.SIZE) : null;
  // The sender table and masquerading change only what is passed on; the later nodes still judge the address sent.
  let passedOn: string | null = null;
  let addSender: Transaction["addSender"];
  let trusted: TrustedNetworkMatch | undefined;
  const apply = (node: MailNode): Decision<string> | null => {
    switch (node.kind) {
      case "RequireTls": {
        // A local submission crossed no network: the kernel carried it from the user's process.
        if (state.tls || state.localUid !== null) {
          trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
          break;
        }
        const refusal = refusedBy(state, steps, node, Replies.tlsRequired);
        if (refusal) return refusal;
        break;
      }
      case "RequireHelo": {
        // A local submission has no greeting: the kernel, not a client's name, says who it is.
        const problem = state.localUid !== null ? null : heloNameProblem(state.heloName, state.clientAddress, node.ours);
        if (problem === null) {
          trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
          break;
        }
        const refusal = refusedBy(state, steps, node, Replies.heloRefused, problem);
        if (refusal) return refusal;
        break;
      }
      case "RequireAuth": {
        const network = !state.login ? trustedNetworkOf(node, state.clientAddress) : undefined;
        if (network) {
          trusted = network;
          trace.push({ node: node.kind, origin: network.origin, outcome: "pass", detail: `client ${state.clientAddress} is in trusted network ${network.network}` });
          break;
        }
        // With `allow postmaster` the refusal moves to RCPT, where postmaster is let through.
        if (state.login || node.postmaster) {
          trace.push({ node: node.kind, origin: node.origin, outcome: state.login ? "pass" : "skip", detail: state.login ? undefined : "deferred to RCPT by allow postmaster" });
          break;
        }
        const refusal = refusedBy(state, steps, node, Replies.authRequired);
        if (refusal) return refusal;
        break;
      }
      case "QualifyEnvelope":
      case "EnforceAddressSyntax": {
        const refusal = work && applyAddressNode(node, work, state, steps);
        if (refusal) return refusal;
        break;
      }
      case "RewriteSenders": {
        if (!work) break;
        const from: string = passedOn ?? work.text;
        const table = canonicalTableOf(node, tables);
        const rewritten = table && rewriteSenderAddress(from, table);
        if (!rewritten) {
          trace.push({ node: node.kind, origin: node.origin, outcome: table ? "pass" : "skip", ...(table ? {} : { detail: "table not loaded" }) });
          break;
        }
        // `entry` names the table line, so the log and coverage can say which line rewrote.
        const entry = `${node.file}:${rewritten.line}`;
        trace.push({ node: node.kind, origin: node.origin, outcome: "change", detail: `${from} -> ${rewritten.address} (${entry})`, entry });
        passedOn = rewritten.address;
        break;
      }
      case "Masquerade": {
        if (!work) break;
        const from: string = passedOn ?? work.text;
        const masqueraded: string = masqueradeEnvelope(from, { domains: node.domains, exceptions: node.exceptions });
        trace.push({
          node: node.kind,
          origin: node.origin,
          outcome: masqueraded === from ? "pass" : "change",
          detail: masqueraded === from ? undefined : `${from} -> ${masqueraded}`,
        });
        passedOn = masqueraded;
        break;
      }
      case "SubmissionRights": {
        const login = state.login;
        if (!login || !work) {
          trace.push({ node: node.kind, origin: node.origin, outcome: "skip" });
          break;
        }
        const ownDomain = node.ownDomain ?? undefined;
        const table = senderTableOf(node, tables);
        if (mayUse(table, login, work.text, ownDomain, givenGrants(state.loginAddresses))) {
          trace.push({ node: node.kind, origin: node.origin, outcome: "pass", ...(table.logins.has(login) ? { entry: login } : {}) });
          break;
        }
        const own = ownAddressOfLogin(login, ownDomain);
        // `allow sender mismatch`: accept, and name the login in Sender: (RFC 5322 section 3.6.2).
        // A login without an own address (no `@`, no qualify domain) cannot be named: refused.
        if (node.mismatch === "addSender" && own.includes("@")) {
          addSender = { address: own, origin: node.origin };
          trace.push({ node: node.kind, origin: node.origin, outcome: "change", detail: `${login} may not use ${work.text}: Sender: ${own} will be added` });
          break;
        }
        const detail = `${login} may not use ${work.text}`;
        const refusal = refusedBy(state, steps, node, Replies.senderNotAllowed, detail);
        if (refusal) return refusal;
        break;
      }
      case "LimitSize": {
        if (declaredSize === null || declaredSize <= node.bytes) {
          trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
          break;
        }
        const detail = `SIZE=${declaredSize} over ${node.bytes}`;
        const refusal = refusedBy(state, steps, node, Replies.messageTooBig, detail);
        if (refusal) return refusal;
        break;
      }
    }
    return null;
  };
  const refused = runEnvelopeStage(graph.stages.mail, apply, work, state, steps);
  if (refused) return refused;
  // A trusted network's senders are judged on the qualified address the client sent, after the
  // stage's nodes, as SubmissionRights judges a login's.
  if (trusted && !mayUse(trustedSenders(trusted), TRUSTED_SENDER, work?.text ?? "")) {
    const node = { kind: "RequireAuth", origin: trusted.origin };
    const detail = `client in trusted network ${trusted.network} may not use ${work?.text || "<>"}`;
    const refusal = refusedBy(state, steps, node, Replies.senderNotAllowed, detail);
    if (refusal) return refusal;
  }

  const mailFrom = passedOn ?? work?.text ?? "";
  const body = typeof command.params.BODY === "string" ? command.params.BODY.toUpperCase() : undefined;
  const ret = typeof command.params.RET === "string" ? command.params.RET.toUpperCase() : undefined;
  const transaction: Transaction = {
    mailFrom,
    smtputf8,
    bodyType: body === "8BITMIME" || body === "7BIT" || body === "BINARYMIME" ? body : undefined,
    declaredSize,
    dsn: {
      ...(ret === "FULL" || ret === "HDRS" ? { ret } : {}),
      ...(typeof command.params.ENVID === "string" ? { envid: command.params.ENVID } : {}),
    },
    recipients: [],
    ...(addSender ? { addSender } : {}),
    ...(trusted ? { trustedNetwork: { network: trusted.network, origin: trusted.origin } } : {}),
  };
  return decided(steps, { verdict: { kind: "accept" }, state: withTransaction(state, transaction), result: mailFrom });
}

interface TrustedNetworkMatch {
  network: string;
  senders: readonly string[];
  origin: RuleOrigin;
}

/** The `allow unauthenticated from` network that holds the client, with its rule's senders. */
function trustedNetworkOf(node: RequireAuthNode, clientAddress: string): TrustedNetworkMatch | undefined {
  for (const entry of node.trusted ?? []) {
    const network = networkHolding(entry.networks, clientAddress);
    if (network) return { network, senders: entry.senders, origin: entry.origin };
  }
  return undefined;
}

// The senders of a trusted network as a one-row grant table, made once per rule.
const TRUSTED_SENDER = "";
const trustedTables = new WeakMap<readonly string[], SenderGrantTable>();
function trustedSenders(match: TrustedNetworkMatch): SenderGrantTable {
  let table = trustedTables.get(match.senders);
  if (!table) {
    table = compileSenderGrants([{ login: TRUSTED_SENDER, grants: match.senders }]);
    trustedTables.set(match.senders, table);
  }
  return table;
}

function postmasterAdmits(node: RequireAuthNode, address: string): boolean {
  return !!node.postmaster && isPostmaster(address, new Set(node.postmaster.domains.map((d) => d.toLowerCase())));
}

/**
 * RcptStage: one pass over `graph.stages.rcpt` in the same way. RequireAuth comes first there, so
 * an unauthenticated client learns nothing about an address (not even its syntax) but postmaster.
 */
export function decideRcpt(graph: RuleGraph, state: SessionState, command: RcptCommand, tables?: DecisionTables): Decision<string> {
  const steps = newSteps();
  const trace = steps.trace;
  const transaction = state.transaction;
  const unknown = unknownParameter(command.params, RCPT_PARAMETERS);
  if (unknown) return refuse(state, steps, "KnownParameters", protocolOrigin(graph, "unknown RCPT parameters are refused"), Replies.unknownParameter, unknown);
  const smtputf8 = transaction?.smtputf8 ?? false;
  const nonAscii = refuseNonAscii(graph, state, steps, command.address, smtputf8);
  if (nonAscii) return nonAscii;

  const work: AddressInWork = { role: "recipient", text: command.address, parsed: null, smtputf8 };
  const apply = (node: RcptNode): Decision<string> | null => {
    switch (node.kind) {
      case "RequireAuth": {
        if (state.login) {
          trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
          break;
        }
        const network = trustedNetworkOf(node, state.clientAddress);
        if (network) {
          trace.push({ node: node.kind, origin: network.origin, outcome: "pass", detail: `client ${state.clientAddress} is in trusted network ${network.network}` });
          break;
        }
        if (postmasterAdmits(node, work.text)) {
          trace.push({ node: node.kind, origin: node.postmaster!.origin, outcome: "pass", detail: "postmaster needs no authentication" });
          break;
        }
        const refusal = refusedBy(state, steps, node, Replies.authRequired);
        if (refusal) return refusal;
        break;
      }
      case "QualifyEnvelope":
      case "EnforceAddressSyntax": {
        const refusal = applyAddressNode(node, work, state, steps);
        if (refusal) return refusal;
        break;
      }
      case "RecipientsTo": {
        const applies = node.logins === null || (state.login !== null && node.logins.includes(state.login));
        if (!applies) {
          trace.push({ node: node.kind, origin: node.origin, outcome: "skip" });
          break;
        }
        if (decideRecipient(recipientRulesOf(node, tables), state.login, work.text).allowed) {
          trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
          break;
        }
        const detail = `${state.login ?? "an unauthenticated session"} may not send to ${work.text}`;
        const refusal = refusedBy(state, steps, node, Replies.recipientNotAllowed, detail);
        if (refusal) return refusal;
        break;
      }
      case "LimitRecipients": {
        const count = transaction?.recipients.length ?? 0;
        if (count < node.max) {
          trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
          break;
        }
        const detail = `limit ${node.max}`;
        const refusal = refusedBy(state, steps, node, Replies.tooManyRecipients, detail);
        if (refusal) return refusal;
        break;
      }
    }
    return null;
  };
  const refused = runEnvelopeStage(graph.stages.rcpt, apply, work, state, steps);
  if (refused) return refused;
  const address = work.text;

  // After the auth and recipient rules, so an unauthenticated client learns nothing new here.
  const route = sourceRouteIn(address);
  if (route !== null) {
    return refuse(
      state,
      steps,
      "RefuseSourceRoute",
      protocolOrigin(graph, "no routing in recipient local parts (% ! or quoted @)"),
      Replies.sourceRouted,
      `\`${route}\` in ${address}`,
    );
  }

  const dsn: RecipientParameters = {};
  if (typeof command.params.NOTIFY === "string") dsn.notify = command.params.NOTIFY.toUpperCase().split(",") as RecipientParameters["notify"];
  if (typeof command.params.ORCPT === "string") dsn.orcpt = command.params.ORCPT;
  const next = transaction ? { ...transaction, recipients: [...transaction.recipients, { address, dsn }] } : transaction;
  return decided(steps, { verdict: { kind: "accept" }, state: withTransaction(state, next), result: address });
}
