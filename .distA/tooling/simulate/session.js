// Runs a session script against a compiled rule graph, in process and without a
// network, through the same `decide()` the server calls: this file only plays the
// part of smtp-server (command sequencing, EHLO keywords, reading DATA) and never
// decides anything a policy rule decides. What smtp-server answers by itself
// (503 for commands out of order, 500 for unknown commands) is mirrored here.
// Rate limits and AUTH throttling run through the server's own ServerLimits
// (simulatedLimits.ts), at the points where the server calls them.
import { Readable } from "node:stream";
import { findListener, listenerKey, loginSourceNode, usersFileOf } from "../../graph/graph.js";
import { readNamedFileOrThrow } from "../../formats/namedFile.js";
import { parseUsersFile } from "../../formats/usersFile.js";
import { authMechanisms, ehloKeywords } from "../../runtime/decision/authStage.js";
import { decide } from "../../runtime/decision/decide.js";
import { Replies } from "../../graph/replies.js";
import { newSession } from "../../runtime/decision/session.js";
import { prepareTables } from "../../runtime/decision/tables.js";
import { parseHeaderSection } from "../../runtime/message/headerSection.js";
import { readMessageData } from "../../runtime/message/readMessageData.js";
import { parseAddressCommand } from "../../runtime/smtp/addressCommand.js";
import { SimulatedLimits } from "./simulatedLimits.js";
import { loadSigner, simulateSigning } from "./simulatedSigning.js";
const reply = (r, text = r.text) => ({ code: r.code, enhanced: r.enhanced, lines: [text] });
// smtp-server's own answers for commands out of sequence (RFC 5321 section 4.1.4 / 4.3.2).
const badSequence = (text) => ({ code: 503, enhanced: "5.5.1", lines: [text] });
/** The EHLO keywords a session gets, as smtp-server advertises them for this listener. */
function ehloLines(graph, state, name) {
    const keywords = ehloKeywords(graph, state);
    const lines = [`${graph.hostname} Nice to meet you, ${name}`, "PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "DSN"];
    if (keywords.size !== null)
        lines.push(`SIZE ${keywords.size}`);
    if (keywords.auth)
        lines.push(["AUTH", ...authMechanisms(graph)].join(" "));
    if (keywords.starttls)
        lines.push("STARTTLS");
    // runtime/smtp/msaConnection.ts adds them after smtp-server's own (RFC 3030)
    lines.push("CHUNKING", "BINARYMIME");
    return lines;
}
/** The users file's logins; null when the policy has none or it cannot be read (then any login may exist). */
export function knownLogins(graph) {
    const usersFile = usersFileOf(graph);
    if (!usersFile)
        return null;
    try {
        return new Set(parseUsersFile(readNamedFileOrThrow(usersFile.path)).entries.map((e) => e.login));
    }
    catch {
        return null;
    }
}
/**
 * The TLS a simulated handshake settles: the policy's highest `tls protocols` version with the
 * first cipher suite Node's default list offers for it (an RSA certificate for TLS 1.2).
 */
export function simulatedTls(graph) {
    return graph.tlsProtocols.includes("TLSv1.3") ? { protocol: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384" } : { protocol: "TLSv1.2", cipher: "ECDHE-RSA-AES128-GCM-SHA256" };
}
export async function simulate(graph, steps, options = {}) {
    // A graph always has a listener (the defaults when the policy writes none).
    let listener = options.listener ?? graph.listeners[0];
    // What a handshake with the server would settle: its highest protocol, and the cipher Node prefers for it.
    const negotiatedTls = simulatedTls(graph);
    const connect = (clientAddress) => decide(graph, state, { type: "connect", listenerMode: listener.mode, listener: listenerKey(listener), clientAddress, ...(listener.mode === "tls" ? { negotiatedTls } : {}) })
        .state;
    let state = newSession(listener.mode, "");
    state = connect(options.clientAddress ?? "192.0.2.1");
    let signer;
    const signerOf = () => (signer ??= loadSigner(graph));
    const logins = knownLogins(graph);
    const limits = options.limits ?? new SimulatedLimits(graph, (options.now?.() ?? new Date()).getTime());
    const now = () => new Date(limits.clock.now());
    // One id per simulated connection, as smtp-server gives each session its own.
    let connections = 0;
    let sessionId = `sim-${++connections}`;
    limits.started(sessionId);
    const reconnect = (clientAddress) => {
        limits.release(sessionId);
        sessionId = `sim-${++connections}`;
        limits.started(sessionId);
        state = connect(clientAddress);
        quit = false;
    };
    const messageId = options.messageId ?? ((n) => `<simulated.${n}@${graph.hostname}>`);
    const tables = options.tables ?? prepareTables(graph, readNamedFileOrThrow).tables;
    let messages = 0;
    let quit = false;
    let afterQuit = false;
    const exchanges = [];
    let currentExchange;
    const run = (event) => {
        const decision = decide(graph, state, event, tables);
        state = decision.state;
        currentExchange?.observations.push(...(decision.observations ?? []));
        return decision;
    };
    for (const step of steps) {
        // After QUIT or a 421 the connection is closed; only a new connection goes on.
        if (quit && step.kind !== "from" && step.kind !== "listener") {
            afterQuit = true;
            break;
        }
        const exchange = { step, replies: [], trace: [], observations: [] };
        exchanges.push(exchange);
        currentExchange = exchange;
        const refusal = (decision) => {
            exchange.trace.push(...decision.trace);
            if (decision.verdict.kind !== "refuse")
                return false;
            exchange.replies.push(reply(decision.verdict.reply));
            exchange.refusedBy = decision.verdict.origin;
            return true;
        };
        // A limit check's trace and observations join the step's; a refusal answers it.
        const limitRefusal = (check) => {
            exchange.trace.push(...check.trace);
            exchange.observations.push(...check.observations);
            if (!check.refusal)
                return false;
            exchange.replies.push(reply(check.refusal.reply));
            exchange.refusedBy = check.refusal.origin;
            return true;
        };
        switch (step.kind) {
            case "from":
                // A new connection from that address: nothing of the old session survives (the limits' counters do).
                reconnect(step.address);
                break;
            case "advance":
                limits.clock.advance(step.ms);
                break;
            case "listener": {
                // A new connection on another listener of the policy (its mode decides TLS from the first byte).
                const found = findListener(graph.listeners, step.endpoint);
                if (!found) {
                    exchange.replies.push({ code: 421, enhanced: "4.3.0", lines: [`the policy has no listener ${step.endpoint}`] });
                    break;
                }
                listener = found;
                reconnect(state.clientAddress);
                break;
            }
            case "tls":
                if (state.tls)
                    exchange.replies.push(badSequence("Error: TLS already active"));
                else
                    run({ type: "tls", negotiatedTls });
                break;
            case "auth":
            case "authFail": {
                // Without an `auth` rule the server disables AUTH altogether (smtp-server's disabledCommands).
                const source = graph.logins;
                if (!source) {
                    exchange.replies.push({ code: 502, enhanced: "5.5.1", lines: ["Error: command not recognized"] });
                    break;
                }
                if (state.login) {
                    exchange.replies.push(badSequence("Error: No identity changes permitted"));
                    break;
                }
                if (refusal(run({ type: "authStart" })))
                    break;
                // The password is not simulated: `#auth` stands for the right one, `#auth-fail` for a wrong one,
                // and a login missing from the users file fails as on the wire.
                const known = !logins || logins.has(step.login);
                const auth = await limits.authenticate(sessionId, state.clientAddress, step.login, step.kind === "auth" && known);
                if (auth.outcome === "refused") {
                    limitRefusal(auth);
                    break;
                }
                if (auth.outcome !== "succeeded") {
                    const detail = known ? `wrong password for \`${step.login}\`` : `no login \`${step.login}\` in the users file`;
                    exchange.trace.push({ node: loginSourceNode(source), origin: source.origin, outcome: "refuse", detail });
                    if (limitRefusal(auth)) {
                        // The server closes the connection after this 421 (RFC 5321 section 3.8).
                        quit = true;
                        break;
                    }
                    exchange.replies.push(reply(Replies.authFailed));
                    exchange.refusedBy = source.origin;
                    break;
                }
                exchange.trace.push(...auth.trace);
                exchange.trace.push({ node: loginSourceNode(source), origin: source.origin, outcome: "pass", detail: `${step.login}: password assumed correct` });
                run({ type: "authenticated", login: step.login });
                exchange.replies.push(reply(Replies.authSucceeded));
                break;
            }
            case "data": {
                if (!state.transaction) {
                    exchange.replies.push(badSequence("Error: need MAIL command"));
                    break;
                }
                if (state.transaction.recipients.length === 0) {
                    exchange.replies.push(badSequence("Error: need RCPT command"));
                    break;
                }
                exchange.replies.push({ code: 354, enhanced: "", lines: ["End data with <CR><LF>.<CR><LF>"] });
                // Dot-stuffing undone as smtp-server does (RFC 5321 section 4.5.2); lines end in CRLF on the wire.
                const wire = step.message.map((l) => (l.startsWith("..") ? l.slice(1) : l) + "\r\n").join("");
                const reading = run({ type: "data" }).result;
                const data = await readMessageData(Readable.from([Buffer.from(wire, "utf8")]), { maxBytes: reading.maxBytes });
                messages++;
                const atData = state;
                const queueId = `SIM${messages}`;
                const decision = run({ type: "message", ...data, now: now(), queueId, messageId: messageId(messages) });
                // smtp-server forgets the transaction after DATA, whatever the reply.
                const endTransaction = () => run({ type: "reset" });
                if (refusal(decision)) {
                    endTransaction();
                    break;
                }
                // Counted now, all rate rules or none, as the server counts just before its 250.
                const counted = await limits.consume(sessionId, atData, data.bytes.length);
                if (limitRefusal(counted)) {
                    endTransaction();
                    break;
                }
                const plan = decision.result;
                // Signed with the policy's real keys, as the server signs; delivery itself is not simulated.
                const signed = await simulateSigning(await signerOf(), plan);
                const outcome = signed.outcome ?? { kind: "accepted", id: queueId, detail: "simulated: nothing stored or relayed" };
                const delivered = run({ type: "delivery", plan, queueId, outcome });
                exchange.trace.push(...signed.notes, ...delivered.trace);
                endTransaction();
                if (delivered.verdict.kind === "refuse") {
                    exchange.replies.push(reply(delivered.verdict.reply));
                    exchange.refusedBy = delivered.verdict.origin;
                    await counted.charge?.refund();
                    break;
                }
                const parsed = parseHeaderSection(signed.bytes);
                exchange.delivered = {
                    mailFrom: plan.envelope.mailFrom,
                    recipients: plan.envelope.recipients.map((r) => r.address),
                    bytes: signed.bytes,
                    fields: parsed.ok ? parsed.header.fields : [],
                };
                exchange.replies.push(reply(delivered.result));
                break;
            }
            case "command":
                await runCommand(step.text);
                break;
        }
        async function runCommand(text) {
            const verb = (/^\S+/.exec(text)?.[0] ?? "").toUpperCase();
            switch (verb) {
                case "EHLO":
                case "HELO": {
                    const name = text.slice(verb.length).trim();
                    if (!name) {
                        exchange.replies.push({ code: 501, enhanced: "5.5.4", lines: [`Error: syntax: ${verb} hostname`] });
                        return;
                    }
                    run({ type: "helo", name, extended: verb === "EHLO" });
                    exchange.replies.push(verb === "EHLO"
                        ? { code: 250, enhanced: "", lines: ehloLines(graph, state, name) }
                        : { code: 250, enhanced: "", lines: [`${graph.hostname} Nice to meet you, ${name}`] });
                    return;
                }
                case "STARTTLS":
                    // Disabled where the listener has no STARTTLS; out of sequence once TLS is active (smtp-server).
                    if (state.listenerMode !== "starttls") {
                        exchange.replies.push({ code: 502, enhanced: "5.5.1", lines: ["Error: command not recognized"] });
                        return;
                    }
                    if (state.tls)
                        return void exchange.replies.push(badSequence("Error: TLS already active"));
                    exchange.replies.push({ code: 220, enhanced: "2.0.0", lines: ["Ready to start TLS"] });
                    run({ type: "tls", negotiatedTls });
                    return;
                case "MAIL": {
                    if (!state.heloName)
                        return void exchange.replies.push(badSequence("Error: send HELO/EHLO first"));
                    if (state.transaction)
                        return void exchange.replies.push(badSequence("Error: nested MAIL command"));
                    const parsed = parseAddressCommand("MAIL FROM", text);
                    if (!parsed)
                        return void exchange.replies.push({ code: 501, enhanced: "5.5.4", lines: ["Error: Bad sender address syntax"] });
                    const decision = run({ type: "mail", address: parsed.address, params: parsed.args || {} });
                    if (refusal(decision))
                        return;
                    const mailFrom = decision.result ?? parsed.address;
                    if (limitRefusal(await limits.checkMail(sessionId, decision.state, mailFrom, decision.state.transaction?.declaredSize ?? null))) {
                        state = { ...state, transaction: null };
                        return;
                    }
                    exchange.replies.push(reply(Replies.senderOk, `Accepted <${decision.result ?? parsed.address}>`));
                    return;
                }
                case "RCPT": {
                    if (!state.transaction)
                        return void exchange.replies.push(badSequence("Error: need MAIL command"));
                    const parsed = parseAddressCommand("RCPT TO", text);
                    if (!parsed)
                        return void exchange.replies.push({ code: 501, enhanced: "5.5.4", lines: ["Error: Bad recipient address syntax"] });
                    const before = state;
                    const decision = run({ type: "rcpt", address: parsed.address, params: parsed.args || {} });
                    if (refusal(decision))
                        return;
                    if (limitRefusal(await limits.checkRcpt(sessionId, before))) {
                        state = before;
                        return;
                    }
                    exchange.replies.push(reply(Replies.recipientOk, `Accepted <${decision.result ?? parsed.address}>`));
                    return;
                }
                case "RSET":
                    run({ type: "reset" });
                    exchange.replies.push(reply(Replies.ok, "Flushed"));
                    return;
                case "NOOP":
                    exchange.replies.push(reply(Replies.ok, "OK"));
                    return;
                case "QUIT":
                    quit = true;
                    exchange.replies.push({ code: 221, enhanced: "2.0.0", lines: ["Bye"] });
                    return;
                // As runtime/smtp/msaConnection.ts answers them (RFC 6409 section 3.3; VRFY and EXPN would probe logins).
                case "ETRN":
                case "VRFY":
                case "EXPN":
                    exchange.replies.push(reply(Replies.commandNotAllowed));
                    return;
                default:
                    exchange.replies.push({ code: 500, enhanced: "5.5.2", lines: ["Error: command not recognized"] });
            }
        }
    }
    limits.release(sessionId);
    const greeting = { code: 220, enhanced: "", lines: [`${graph.hostname} ESMTP msa (simulated session)`] };
    return { greeting, exchanges, endedAsScripted: !afterQuit };
}
//# sourceMappingURL=session.js.map