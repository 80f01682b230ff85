// MailStage and RcptStage: the envelope rules of the graph applied, in graph
// order, to one MAIL FROM or RCPT TO address. Pure: graph + session + command in,
// decision out.
import { appliesTo } from "../../graph/graph.js";
import { formatEnvelopeAddress, hasNonAscii, isQualified, parseEnvelopeAddress, splitAddress } from "../../formats/envelopeAddress.js";
import { ownAddressOfLogin } from "../../formats/ownAddress.js";
import { heloNameProblem } from "../address/heloName.js";
import { isPostmaster } from "../address/postmaster.js";
import { qualifyAddressText } from "../address/qualifyAddress.js";
import { sourceRouteIn } from "../address/sourceRoute.js";
import { masqueradeEnvelope } from "../rewrite/masquerade.js";
import { rewriteSenderAddress } from "../rewrite/senderCanonical.js";
import { decideRecipient } from "../rights/recipientRules.js";
import { compileSenderGrants, givenGrants, mayUse } from "../rights/senderGrants.js";
import { networkHolding } from "../../formats/network.js";
import { Replies, replyOf } from "../../graph/replies.js";
import { withTransaction } from "./session.js";
import { canonicalTableOf, recipientRulesOf, senderTableOf } from "./tables.js";
/** MAIL FROM parameters msa understands (RFC 1870, 6152, 6531, 3461, 4954). */
const MAIL_PARAMETERS = new Set(["SIZE", "BODY", "SMTPUTF8", "RET", "ENVID", "AUTH"]);
/** RCPT TO parameters msa understands (RFC 3461). */
const RCPT_PARAMETERS = new Set(["NOTIFY", "ORCPT"]);
// Options passed on every command, made once.
const SMTPUTF8 = { smtputf8: true };
const ASCII_ONLY = { smtputf8: false };
const SMTPUTF8_FORMAT = { unicode: true };
const ASCII_FORMAT = { unicode: false };
const PROTOCOL = { file: "", line: 0, span: { start: 0, end: 0 }, builtin: "SMTP protocol (RFC 5321)" };
export function protocolOrigin(graph, what) {
    return { ...PROTOCOL, file: graph.source.file, builtin: what };
}
export function newSteps() {
    return { trace: [], observations: [] };
}
/** The decision for a finished stage, with the observations when there are any. */
export function decided(steps, decision) {
    // Built field by field: spreading `decision` was the costliest line of a whole decision.
    const made = { verdict: decision.verdict, state: decision.state, trace: steps.trace };
    if ("result" in decision)
        made.result = decision.result;
    if (steps.observations.length > 0)
        made.observations = steps.observations;
    return made;
}
function refuse(state, steps, node, origin, reply, detail) {
    steps.trace.push({ node, origin, outcome: "refuse", detail });
    return decided(steps, { verdict: { kind: "refuse", reply, origin }, state });
}
/**
 * A rule that would refuse: the refusal, or, when the rule is written `observe RULE`, null after
 * recording the observation (the caller then goes on as if the rule had passed).
 */
export function refuseOrObserve(steps, node, origin, reply, detail, refusal) {
    const said = replyOf(node, reply);
    if (!node.observe)
        return refusal(said);
    steps.trace.push({ node: node.kind, origin, outcome: "observe", detail });
    steps.observations.push({ origin, reply: said, ...(detail !== undefined ? { detail } : {}) });
    return null;
}
/** The refusal of a node, or null when it is written `observe` (recorded, and the stage goes on). */
function refusedBy(state, steps, node, reply, detail) {
    return refuseOrObserve(steps, node, node.origin, reply, detail, (said) => refuse(state, steps, node.kind, node.origin, said, detail));
}
/** One of the address nodes both stages share: changes `work`, or returns the refusal. */
function applyAddressNode(node, work, state, steps) {
    const trace = steps.trace;
    switch (node.kind) {
        case "QualifyEnvelope": {
            const qualified = qualifyAddressText(work.text, node.domain);
            const changed = qualified !== work.text;
            trace.push({ node: node.kind, origin: node.origin, outcome: changed ? "change" : "pass", detail: changed ? `${work.text} -> ${qualified}` : undefined });
            if (changed)
                work.parsed = null;
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
function runEnvelopeStage(stage, apply, work, state, steps) {
    for (const node of stage.before) {
        if (!inScope(node, state, steps))
            continue;
        const refusal = apply(node);
        if (refusal)
            return refusal;
    }
    const unqualified = work && applyAddressNode(stage.refuseUnqualified, work, state, steps);
    if (unqualified)
        return unqualified;
    for (const node of stage.after) {
        if (!inScope(node, state, steps))
            continue;
        const refusal = apply(node);
        if (refusal)
            return refusal;
    }
    return null;
}
/**
 * Whether a node judges this session's listener and login (`on`, `for`); one that does not is
 * traced as skipped, naming the rule that decides instead when there is one.
 */
export function inScope(node, state, steps) {
    if (appliesTo(node, state))
        return true;
    const instead = node.notOn?.[state.listener];
    const detail = node.on && !node.on.includes(state.listener)
        ? `on ${node.on.join(", ")}`
        : instead !== undefined
            ? `listener ${state.listener} has a rule of its own, ${node.origin.file}:${instead}`
            : node.for
                ? `for ${node.for.names.join(", ")}`
                : `${state.login} has a rule of its own`;
    steps.trace.push({ node: node.kind, origin: node.origin, outcome: "skip", detail });
    return false;
}
function unknownParameter(params, known) {
    return Object.keys(params).find((key) => !known.has(key.toUpperCase()));
}
/** RFC 6531 section 3.5: a non-ASCII address needs SMTPUTF8. A protocol rule, before any node. */
function refuseNonAscii(graph, state, steps, address, smtputf8) {
    if (smtputf8 || !hasNonAscii(address))
        return null;
    return refuse(state, steps, "RequireSmtputf8", protocolOrigin(graph, "non-ASCII addresses need SMTPUTF8 (RFC 6531)"), Replies.needsSmtputf8);
}
/**
 * MailStage: one pass over `graph.stages.mail` in the graph's order (graph/graph.ts STAGE_ORDER) (`before`, the fixed
 * unqualified-address refusal, `after`); the first node that refuses decides. The null sender
 * skips the address nodes.
 */
export function decideMail(graph, state, command, tables) {
    const steps = newSteps();
    const trace = steps.trace;
    const unknown = unknownParameter(command.params, MAIL_PARAMETERS);
    if (unknown)
        return refuse(state, steps, "KnownParameters", protocolOrigin(graph, "unknown MAIL parameters are refused"), Replies.unknownParameter, unknown);
    const smtputf8 = command.params.SMTPUTF8 === true;
    const nonAscii = refuseNonAscii(graph, state, steps, command.address, smtputf8);
    if (nonAscii)
        return nonAscii;
    const work = command.address === "" ? null : { role: "sender", text: command.address, parsed: null, smtputf8 };
    const declaredSize = typeof command.params.SIZE === "string" ? Number(command.params.SIZE) : null;
    // The sender table and masquerading change only what is passed on; the later nodes still judge the address sent.
    let passedOn = null;
    let addSender;
    let trusted;
    const apply = (node) => {
        switch (node.kind) {
            case "RequireTls": {
                // A local submission crossed no network: the kernel carried it from the user's process.
                if (state.tls || state.localUid !== null) {
                    trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
                    break;
                }
                const refusal = refusedBy(state, steps, node, Replies.tlsRequired);
                if (refusal)
                    return refusal;
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
                if (refusal)
                    return refusal;
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
                if (refusal)
                    return refusal;
                break;
            }
            case "QualifyEnvelope":
            case "EnforceAddressSyntax": {
                const refusal = work && applyAddressNode(node, work, state, steps);
                if (refusal)
                    return refusal;
                break;
            }
            case "RewriteSenders": {
                if (!work)
                    break;
                const from = passedOn ?? work.text;
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
                if (!work)
                    break;
                const from = passedOn ?? work.text;
                const masqueraded = masqueradeEnvelope(from, { domains: node.domains, exceptions: node.exceptions });
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
                if (refusal)
                    return refusal;
                break;
            }
            case "LimitSize": {
                if (declaredSize === null || declaredSize <= node.bytes) {
                    trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
                    break;
                }
                const detail = `SIZE=${declaredSize} over ${node.bytes}`;
                const refusal = refusedBy(state, steps, node, Replies.messageTooBig, detail);
                if (refusal)
                    return refusal;
                break;
            }
        }
        return null;
    };
    const refused = runEnvelopeStage(graph.stages.mail, apply, work, state, steps);
    if (refused)
        return refused;
    // A trusted network's senders are judged on the qualified address the client sent, after the
    // stage's nodes, as SubmissionRights judges a login's.
    if (trusted && !mayUse(trustedSenders(trusted), TRUSTED_SENDER, work?.text ?? "")) {
        const node = { kind: "RequireAuth", origin: trusted.origin };
        const detail = `client in trusted network ${trusted.network} may not use ${work?.text || "<>"}`;
        const refusal = refusedBy(state, steps, node, Replies.senderNotAllowed, detail);
        if (refusal)
            return refusal;
    }
    const mailFrom = passedOn ?? work?.text ?? "";
    const body = typeof command.params.BODY === "string" ? command.params.BODY.toUpperCase() : undefined;
    const ret = typeof command.params.RET === "string" ? command.params.RET.toUpperCase() : undefined;
    const transaction = {
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
/** The `allow unauthenticated from` network that holds the client, with its rule's senders. */
function trustedNetworkOf(node, clientAddress) {
    for (const entry of node.trusted ?? []) {
        const network = networkHolding(entry.networks, clientAddress);
        if (network)
            return { network, senders: entry.senders, origin: entry.origin };
    }
    return undefined;
}
// The senders of a trusted network as a one-row grant table, made once per rule.
const TRUSTED_SENDER = "";
const trustedTables = new WeakMap();
function trustedSenders(match) {
    let table = trustedTables.get(match.senders);
    if (!table) {
        table = compileSenderGrants([{ login: TRUSTED_SENDER, grants: match.senders }]);
        trustedTables.set(match.senders, table);
    }
    return table;
}
function postmasterAdmits(node, address) {
    return !!node.postmaster && isPostmaster(address, new Set(node.postmaster.domains.map((d) => d.toLowerCase())));
}
/**
 * RcptStage: one pass over `graph.stages.rcpt` in the same way. RequireAuth comes first there, so
 * an unauthenticated client learns nothing about an address (not even its syntax) but postmaster.
 */
export function decideRcpt(graph, state, command, tables) {
    const steps = newSteps();
    const trace = steps.trace;
    const transaction = state.transaction;
    const unknown = unknownParameter(command.params, RCPT_PARAMETERS);
    if (unknown)
        return refuse(state, steps, "KnownParameters", protocolOrigin(graph, "unknown RCPT parameters are refused"), Replies.unknownParameter, unknown);
    const smtputf8 = transaction?.smtputf8 ?? false;
    const nonAscii = refuseNonAscii(graph, state, steps, command.address, smtputf8);
    if (nonAscii)
        return nonAscii;
    const work = { role: "recipient", text: command.address, parsed: null, smtputf8 };
    const apply = (node) => {
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
                    trace.push({ node: node.kind, origin: node.postmaster.origin, outcome: "pass", detail: "postmaster needs no authentication" });
                    break;
                }
                const refusal = refusedBy(state, steps, node, Replies.authRequired);
                if (refusal)
                    return refusal;
                break;
            }
            case "QualifyEnvelope":
            case "EnforceAddressSyntax": {
                const refusal = applyAddressNode(node, work, state, steps);
                if (refusal)
                    return refusal;
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
                if (refusal)
                    return refusal;
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
                if (refusal)
                    return refusal;
                break;
            }
        }
        return null;
    };
    const refused = runEnvelopeStage(graph.stages.rcpt, apply, work, state, steps);
    if (refused)
        return refused;
    const address = work.text;
    // After the auth and recipient rules, so an unauthenticated client learns nothing new here.
    const route = sourceRouteIn(address);
    if (route !== null) {
        return refuse(state, steps, "RefuseSourceRoute", protocolOrigin(graph, "no routing in recipient local parts (% ! or quoted @)"), Replies.sourceRouted, `\`${route}\` in ${address}`);
    }
    const dsn = {};
    if (typeof command.params.NOTIFY === "string")
        dsn.notify = command.params.NOTIFY.toUpperCase().split(",");
    if (typeof command.params.ORCPT === "string")
        dsn.orcpt = command.params.ORCPT;
    const next = transaction ? { ...transaction, recipients: [...transaction.recipients, { address, dsn }] } : transaction;
    return decided(steps, { verdict: { kind: "accept" }, state: withTransaction(state, next), result: address });
}
//# sourceMappingURL=envelopeStage.js.map