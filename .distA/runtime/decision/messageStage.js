import { listHeaderAddresses, malformedMailboxes, qualifyAddressHeader } from "../address/addressHeader.js";
import { ownAddressOfLogin, sameAddress } from "../../formats/ownAddress.js";
import { formatHeaderField } from "../message/headerEdits.js";
import { oversizedHeaderSection } from "../message/headerSectionLimit.js";
import { checkMessageData } from "../message/messageChecks.js";
import { parseHeaderSection } from "../message/headerSection.js";
import { receivedComments, receivedFieldValue } from "../message/receivedField.js";
import { formatRfc5322Date } from "../message/rfc5322Date.js";
import { MASQUERADE_HEADER_FIELDS, masqueradeEnvelope, masqueradeHeaderValue } from "../rewrite/masquerade.js";
import { removeHeaderEdits } from "../rewrite/removeHeaders.js";
import { CANONICAL_SENDER_FIELDS, rewriteSenderAddress, rewriteSenderHeader } from "../rewrite/senderCanonical.js";
import { expandReplacement } from "../../formats/pattern.js";
import { givenGrants, headerSenderViolations } from "../rights/senderGrants.js";
import { decided, inScope, newSteps, protocolOrigin, refuseOrObserve } from "./envelopeStage.js";
import { finishMessage } from "./finishStage.js";
import { Replies } from "../../graph/replies.js";
import { canonicalTableOf, regexOf, senderTableOf } from "./tables.js";
const MASQUERADED_FIELDS = new Set(MASQUERADE_HEADER_FIELDS.map((f) => f.toLowerCase()));
const CANONICAL_FIELDS = new Set(CANONICAL_SENDER_FIELDS.map((f) => f.toLowerCase()));
function qualifyDomainOf(graph) {
    for (const node of graph.stages.message.nodes)
        if (node.kind === "QualifyHeaders")
            return node.domain;
    return undefined;
}
/** The header masquerading rule of the message stage, if the policy masquerades headers. */
function headerMasqueradeOf(graph) {
    for (const node of graph.stages.message.nodes)
        if (node.kind === "Masquerade")
            return { domains: node.domains, exceptions: node.exceptions };
    return undefined;
}
/** The `rewrite senders` table of the message stage, if the policy has one and the caller loaded it. */
function headerCanonicalOf(graph, tables) {
    for (const node of graph.stages.message.nodes)
        if (node.kind === "RewriteSenders")
            return canonicalTableOf(node, tables);
    return undefined;
}
/** The login's own address as the next hop sees a From: or Sender: field: rewritten and masqueraded like every Sender:. */
function senderAddressOf(graph, own, tables) {
    const canonical = headerCanonicalOf(graph, tables);
    const rewritten = (canonical && rewriteSenderAddress(own, canonical)?.address) ?? own;
    const masquerade = headerMasqueradeOf(graph);
    return masquerade ? masqueradeEnvelope(rewritten, masquerade) : rewritten;
}
/** RFC 3848 protocol name for the Received field. */
export function receivedProtocol(state) {
    if (!state.extended)
        return "SMTP";
    return `ESMTP${state.tls ? "S" : ""}${state.login ? "A" : ""}`;
}
/** Every CR or LF that is not part of a CRLF pair becomes CRLF. */
export function crlfLineEndings(bytes) {
    return Buffer.from(bytes.toString("latin1").replace(/\r\n|\r|\n/g, "\r\n"), "latin1");
}
export function decideMessage(graph, state, event, tables) {
    const steps = newSteps();
    const trace = steps.trace;
    // Before any node parses it: a header section of megabytes would hold the event loop for seconds.
    const oversized = oversizedHeaderSection(event.bytes);
    if (oversized !== null) {
        const origin = protocolOrigin(graph, "header section at most 1 MiB");
        trace.push({ node: "LimitHeaderSection", origin, outcome: "refuse", detail: `header section of ${oversized} bytes` });
        return decided(steps, { verdict: { kind: "refuse", reply: Replies.headerSectionTooLarge, origin }, state });
    }
    const refusal = (node, origin, detail) => (reply) => {
        trace.push({ node: node.kind, origin, outcome: "refuse", detail });
        return decided(steps, { verdict: { kind: "refuse", reply, origin }, state });
    };
    let header;
    let parsedOnce = false;
    let bytes = event.bytes;
    const currentHeader = () => {
        if (!parsedOnce) {
            parsedOnce = true;
            const parsed = parseHeaderSection(bytes);
            if (parsed.ok)
                header = parsed.header;
        }
        return header;
    };
    /** index -> the field's value after qualification and masquerading */
    const values = new Map();
    const removedIndexes = new Set();
    const removed = [];
    const added = [];
    let addSender = state.transaction?.addSender;
    let senderAdded = false;
    let fromAdded = false;
    /** The header as the rules so far have rewritten it (values only; offsets are the parsed ones). */
    const rewritten = (h) => ({
        ...h,
        fields: h.fields.map((field, index) => (values.has(index) ? { ...field, value: values.get(index) } : field)),
    });
    const stage = graph.stages.message;
    // The fixed checks first: no node reads a message that next hops could read two ways.
    const bare = stage.refuseBareLineEndings;
    // RFC 3030 section 3: a BINARYMIME body is octets, not lines, and travels only by BDAT, which no
    // line ending can end early; its header section is lines like any other.
    const binary = state.transaction?.bodyType === "BINARYMIME";
    const bareInBinaryBody = binary && event.bareLineEnding !== null && inBody(bytes, event.bareLineEnding.offset);
    if (bareInBinaryBody)
        trace.push({ node: bare.kind, origin: bare.origin, outcome: "pass", detail: "BODY=BINARYMIME: bare line endings are body octets" });
    else if (event.bareLineEnding && bare.normalise) {
        // `allow bare line endings`: every line ends in CRLF, so no next hop can read a smuggled end of data.
        bytes = crlfLineEndings(bytes);
        trace.push({ node: bare.kind, origin: bare.origin, outcome: "change", detail: `bare ${event.bareLineEnding.kind} made CRLF` });
    }
    else if (event.bareLineEnding) {
        trace.push({ node: bare.kind, origin: bare.origin, outcome: "refuse", detail: `bare ${event.bareLineEnding.kind} at byte ${event.bareLineEnding.offset}` });
        return decided(steps, { verdict: { kind: "refuse", reply: Replies.bareLineEnding, origin: bare.origin }, state });
    }
    else
        trace.push({ node: bare.kind, origin: bare.origin, outcome: "pass" });
    // A message over the size limit was not kept: `limit size` refuses it, there is no header to judge.
    if (!event.tooBig) {
        const syntax = stage.checkHeaderSyntax;
        const parsed = parseHeaderSection(bytes);
        parsedOnce = true;
        if (!parsed.ok) {
            trace.push({ node: syntax.kind, origin: syntax.origin, outcome: "refuse", detail: parsed.reason });
            return decided(steps, { verdict: { kind: "refuse", reply: Replies.badHeaderSection, origin: syntax.origin }, state });
        }
        header = parsed.header;
        // A next hop that strips NUL would read "CRLF NUL . CRLF" as the end of data. Outside a BINARYMIME
        // body (RFC 3030) NUL is not message content anywhere (RFC 5322 section 2.3, RFC 6152 section 3).
        const nul = binary ? -1 : bytes.indexOf(0, header.headerEnd);
        if (nul !== -1) {
            trace.push({ node: syntax.kind, origin: syntax.origin, outcome: "refuse", detail: `NUL byte in the body at byte ${nul}` });
            return decided(steps, { verdict: { kind: "refuse", reply: { ...Replies.badHeaderSection, text: "Message contains a NUL byte" }, origin: syntax.origin }, state });
        }
        trace.push({ node: syntax.kind, origin: syntax.origin, outcome: "pass" });
    }
    for (const node of stage.nodes) {
        if (!inScope(node, state, steps))
            continue;
        switch (node.kind) {
            case "LimitSize":
                if (event.tooBig || event.size > node.bytes) {
                    const detail = `${event.size} bytes over ${node.bytes}`;
                    const refused = refuseOrObserve(steps, node, node.origin, Replies.messageTooBig, detail, refusal(node, node.origin, detail));
                    if (refused)
                        return refused;
                }
                else
                    trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
                break;
            case "LimitHops": {
                const h = currentHeader();
                const hops = h?.fields.filter((field) => field.name.toLowerCase() === "received").length ?? 0;
                if (hops > node.max) {
                    const detail = `${hops} Received fields, more than ${node.max}`;
                    const refused = refuseOrObserve(steps, node, node.origin, Replies.tooManyHops, detail, refusal(node, node.origin, detail));
                    if (refused)
                        return refused;
                }
                else
                    trace.push({ node: node.kind, origin: node.origin, outcome: h ? "pass" : "skip" });
                break;
            }
            case "EnforceMessageSyntax": {
                const h = currentHeader();
                const problem = h ? checkMessageData(h, { addsFrom: state.login !== null && addsFrom(graph) }) : null;
                if (problem) {
                    const reply = { ...Replies.messageSyntax, text: `Message refused: ${problem.reason}` };
                    const refused = refuseOrObserve(steps, node, node.origin, reply, problem.reason, refusal(node, node.origin, problem.reason));
                    if (refused)
                        return refused;
                }
                else
                    trace.push({ node: node.kind, origin: node.origin, outcome: h ? "pass" : "skip" });
                break;
            }
            case "RefuseHeader": {
                const h = currentHeader();
                const refused = new Set(node.names.map((n) => n.toLowerCase()));
                // `matching`: only a field whose unfolded value matches (RE2, linear time); the log names the pattern, not the value.
                const regex = node.matching && regexOf(node.matching, tables);
                const found = h?.fields.find((f) => refused.has(f.name.toLowerCase()) && (!regex || regex.test(f.value)));
                if (!found) {
                    trace.push({ node: node.kind, origin: node.origin, outcome: h ? "pass" : "skip" });
                    break;
                }
                const reply = { ...Replies.headerRefused, text: `Message refused: header field ${found.name} ${node.matching ? "value " : ""}not accepted` };
                const detail = node.matching ? `${found.name}: value matches /${node.matching.source}/${node.matching.flags}` : `${found.name}: field refused`;
                const stopped = refuseOrObserve(steps, node, node.origin, reply, detail, refusal(node, node.origin, detail));
                if (stopped)
                    return stopped;
                break;
            }
            case "RefuseBody": {
                // The first `node.bytes` of the body as UTF-8 text with CRLF read as LF, so `$` with `m` ends a line.
                const h = currentHeader();
                if (!h) {
                    trace.push({ node: node.kind, origin: node.origin, outcome: "skip" });
                    break;
                }
                const text = bytes.toString("utf8", h.headerEnd, Math.min(bytes.length, h.headerEnd + node.bytes)).replace(/\r\n/g, "\n");
                if (!regexOf(node.matching, tables).test(text)) {
                    trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
                    break;
                }
                const reply = { ...Replies.headerRefused, text: "Message refused: body content not accepted" };
                const detail = `body matches /${node.matching.source}/${node.matching.flags}`;
                const stopped = refuseOrObserve(steps, node, node.origin, reply, detail, refusal(node, node.origin, detail));
                if (stopped)
                    return stopped;
                break;
            }
            case "QualifyHeaders": {
                const h = currentHeader();
                if (!h)
                    break;
                const wanted = new Set(node.fields.map((f) => f.toLowerCase()));
                h.fields.forEach((field, index) => {
                    if (!wanted.has(field.name.toLowerCase()))
                        return;
                    const before = values.get(index) ?? field.value;
                    const qualified = qualifyAddressHeader(before, node.domain);
                    if (qualified !== before) {
                        values.set(index, qualified);
                        trace.push({ node: node.kind, origin: node.origin, outcome: "change", detail: `${field.name}: ${before} -> ${qualified}` });
                    }
                });
                break;
            }
            case "SubmissionRights": {
                // `enforce senders in headers`: From: and Sender: as qualified, before masquerading.
                const h = currentHeader();
                const check = node.checkHeaders;
                if (!check || !h || !state.login) {
                    trace.push({ node: node.kind, origin: check?.origin ?? node.origin, outcome: "skip" });
                    break;
                }
                const ownDomain = node.ownDomain ?? undefined;
                // Compared as qualified whatever the node order: `qualify headers` may come later in the stage.
                const domain = qualifyDomainOf(graph);
                const view = rewritten(h);
                // Only From: and Sender: are judged, so only they are qualified (a pass over every field would cost
                // as much again as the rest of the stage on a message with a huge header).
                const judged = (f) => /^(from|sender)$/i.test(f.name);
                const qualified = domain === undefined ? view : { ...view, fields: view.fields.map((f) => (judged(f) ? { ...f, value: qualifyAddressHeader(f.value, domain) } : f)) };
                // A mailbox that is not RFC 5322 syntax is not judged at all: readers split it in different ways,
                // so what one shows may not be what was checked (issue 13). It is refused, whoever it names.
                const ambiguous = qualified.fields.filter(judged).flatMap((f) => malformedMailboxes(f.value).map((mailbox) => `${f.name}: ${mailbox}`));
                if (ambiguous.length > 0) {
                    const detail = `not RFC 5322 mailbox syntax, readers may show another address: ${ambiguous.join(", ")}`;
                    const reply = { ...Replies.headerSenderNotAllowed, text: "From/Sender mailbox is not RFC 5322 syntax" };
                    const refused = refuseOrObserve(steps, node, check.origin, reply, detail, refusal(node, check.origin, detail));
                    if (refused)
                        return refused;
                }
                const table = senderTableOf(node, tables);
                const violations = headerSenderViolations(qualified, state.login, table, ownDomain, givenGrants(state.loginAddresses));
                if (violations.length === 0) {
                    trace.push({ node: node.kind, origin: check.origin, outcome: "pass", ...(table.logins.has(state.login) ? { entry: state.login } : {}) });
                    break;
                }
                const detail = `${state.login} may not use ${violations.map((v) => `${v.field}: ${v.address}`).join(", ")}`;
                const own = ownAddressOfLogin(state.login, ownDomain);
                const senderViolated = violations.some((v) => v.field.toLowerCase() === "sender");
                const hasSender = h.fields.some((f) => f.name.toLowerCase() === "sender");
                // With `allow sender mismatch` a foreign From: passes when a Sender: names the login: an
                // allowed one already there, or its own address added. A foreign Sender: cannot be fixed.
                if (node.mismatch === "addSender" && !senderViolated && (hasSender || own.includes("@"))) {
                    if (!hasSender)
                        addSender = { address: own, origin: check.origin };
                    trace.push({
                        node: node.kind,
                        origin: check.origin,
                        outcome: "change",
                        detail: hasSender ? `${detail}; Sender: names the login` : `${detail}; Sender: ${own} will be added`,
                    });
                    break;
                }
                const refused = refuseOrObserve(steps, node, check.origin, Replies.headerSenderNotAllowed, detail, refusal(node, check.origin, detail));
                if (refused)
                    return refused;
                break;
            }
            case "RewriteSenders": {
                const h = currentHeader();
                const table = canonicalTableOf(node, tables);
                if (!h || !table) {
                    trace.push({ node: node.kind, origin: node.origin, outcome: "skip", ...(h ? { detail: "table not loaded" } : {}) });
                    break;
                }
                let changed = false;
                h.fields.forEach((field, index) => {
                    if (!CANONICAL_FIELDS.has(field.name.toLowerCase()))
                        return;
                    const before = values.get(index) ?? field.value;
                    const lines = [];
                    const rewritten = rewriteSenderHeader(before, table, lines);
                    if (rewritten === before)
                        return;
                    values.set(index, rewritten);
                    changed = true;
                    // One step per field, naming the table line (the first, when one field names several addresses).
                    const entry = `${node.file}:${lines[0]}`;
                    trace.push({ node: node.kind, origin: node.origin, outcome: "change", detail: `${field.name}: ${before} -> ${rewritten} (${entry})`, entry });
                });
                if (!changed)
                    trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
                break;
            }
            case "Masquerade": {
                const h = currentHeader();
                if (!h)
                    break;
                const rule = { domains: node.domains, exceptions: node.exceptions };
                const wanted = MASQUERADED_FIELDS;
                let changed = false;
                h.fields.forEach((field, index) => {
                    if (!wanted.has(field.name.toLowerCase()))
                        return;
                    const before = values.get(index) ?? field.value;
                    const masqueraded = masqueradeHeaderValue(before, rule);
                    if (masqueraded !== before) {
                        values.set(index, masqueraded);
                        changed = true;
                        trace.push({ node: node.kind, origin: node.origin, outcome: "change", detail: `${field.name}: ${before} -> ${masqueraded}` });
                    }
                });
                if (!changed)
                    trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
                break;
            }
            case "ReplaceHeader": {
                // Each named field whose value (as the rules before left it) matches gets the rule's value, `$N` filled from the match.
                const h = currentHeader();
                if (!h)
                    break;
                const wanted = new Set(node.names.map((n) => n.toLowerCase()));
                const regex = regexOf(node.matching, tables);
                let changed = false;
                h.fields.forEach((field, index) => {
                    if (!wanted.has(field.name.toLowerCase()) || removedIndexes.has(index))
                        return;
                    const before = values.get(index) ?? field.value;
                    const match = regex.exec(before);
                    if (!match)
                        return;
                    const after = expandReplacement(node.value, match);
                    if (after === before)
                        return;
                    // A value that cannot be written as a field (`$1$1` made a word over 998 octets) leaves the field as it was.
                    if (!writableField(field.name, after)) {
                        trace.push({ node: node.kind, origin: node.origin, outcome: "skip", detail: `${field.name}: the new value cannot be folded into lines of 998 octets` });
                        return;
                    }
                    values.set(index, after);
                    changed = true;
                    trace.push({ node: node.kind, origin: node.origin, outcome: "change", detail: `${field.name}: value replaced` });
                });
                if (!changed)
                    trace.push({ node: node.kind, origin: node.origin, outcome: "pass" });
                break;
            }
            case "RemoveHeaders": {
                const h = currentHeader();
                if (!h)
                    break;
                // `matching`: only the fields whose value (as the rules before left it) matches.
                const regex = node.matching && regexOf(node.matching, tables);
                const { edits } = removeHeaderEdits(regex ? rewritten(h) : h, node.names, regex ? (value) => regex.test(value) : undefined);
                const names = [];
                for (const edit of edits) {
                    if (edit.kind !== "remove" || removedIndexes.has(edit.index))
                        continue;
                    removedIndexes.add(edit.index);
                    values.delete(edit.index);
                    names.push(h.fields[edit.index].name);
                }
                removed.push(...names);
                trace.push({ node: node.kind, origin: node.origin, outcome: names.length > 0 ? "change" : "pass", ...(names.length > 0 ? { detail: `removed ${names.join(", ")}` } : {}) });
                break;
            }
            case "AddField": {
                // `{login}` in the value: an unauthenticated message has no login to name, so the field is left out.
                if (!currentHeader() || (node.value.includes("{login}") && !state.login)) {
                    trace.push({ node: node.kind, origin: node.origin, outcome: "skip" });
                    break;
                }
                const values = { login: state.login ?? "", client: state.clientAddress, queueid: event.queueId };
                // Logins come from the users file, whose lines cannot hold a line break; applyHeaderEdits refuses one anyway.
                const value = node.value.replace(/\{(login|client|queueid)\}/g, (_match, name) => values[name]);
                added.push({ kind: "append", name: node.name, value });
                trace.push({ node: node.kind, origin: node.origin, outcome: "change", detail: `${node.name}: ${value}` });
                break;
            }
            case "AddHeader": {
                const h = currentHeader();
                if (!h)
                    break;
                const name = `Add${node.field.replace("-", "")}`;
                // A From: added with the login's own address leaves nothing for Sender: to say (RFC 6409 section 8.1).
                const needless = node.field === "Sender" && (senderAdded || fromAdded);
                const edit = needless ? undefined : addedField(graph, state, event, h, node, tables);
                if (edit) {
                    added.push(edit);
                    if (node.field === "Sender")
                        senderAdded = true;
                    if (node.field === "From")
                        fromAdded = true;
                    // `add Received with ...`: the trace shows what the session's TLS and login made of it
                    const comments = node.field === "Received" ? receivedComments(receivedDetailsOf(node, state)) : [];
                    const detail = `${edit.kind === "prepend" || edit.kind === "append" ? edit.name : ""}${comments.length > 0 ? ` ${comments.join(" ")}` : ""}`;
                    trace.push({ node: name, origin: node.origin, outcome: "change", detail });
                }
                else {
                    trace.push({ node: name, origin: node.origin, outcome: "skip" });
                }
                break;
            }
        }
    }
    const h = currentHeader();
    // Only a message that was not kept has no header here; a graph whose `limit size` nodes disagree lets one through.
    if (!h)
        return decided(steps, { verdict: { kind: "refuse", reply: Replies.messageTooBig, origin: protocolOrigin(graph, "a message over the SIZE announced is not kept") }, state });
    // `allow sender mismatch`: Sender: with the login's own address, unless one is there (or added).
    if (addSender && !senderAdded) {
        const present = h.fields.some((f, index) => f.name.toLowerCase() === "sender" && !removedIndexes.has(index));
        if (!present) {
            const address = senderAddressOf(graph, addSender.address, tables);
            added.push({ kind: "append", name: "Sender", value: address });
            trace.push({ node: "SenderMismatch", origin: addSender.origin, outcome: "change", detail: `Sender: ${address}` });
        }
        else {
            trace.push({ node: "SenderMismatch", origin: addSender.origin, outcome: "skip", detail: "the message has a Sender: field" });
        }
    }
    const edits = [
        ...[...values].filter(([index]) => !removedIndexes.has(index)).map(([index, value]) => ({ kind: "replace", index, value })),
        ...[...removedIndexes].map((index) => ({ kind: "remove", index })),
        ...added,
    ];
    const transaction = state.transaction;
    // smtp-server asks for MAIL and RCPT before DATA; a message without them is the driver's mistake.
    if (!transaction)
        return decided(steps, { verdict: { kind: "refuse", reply: Replies.localError, origin: protocolOrigin(graph, "DATA after MAIL and RCPT") }, state });
    return finishMessage(graph, state, transaction, { bytes, header: h, edits, removed }, steps, tables);
}
/** Whether `value` can be written as the field's body (no control character, every word within a line). */
function writableField(name, value) {
    try {
        formatHeaderField(name, value);
        return true;
    }
    catch {
        return false;
    }
}
/** What `add Received with tls, login` adds for this session: the TLS it has, the login it has. */
function receivedDetailsOf(node, state) {
    return {
        ...(node.tls && state.tls && state.negotiatedTls ? { tls: state.negotiatedTls } : {}),
        ...(node.login && state.login ? { authenticatedSender: state.login } : {}),
    };
}
/** Whether the policy says `add From`. */
function addsFrom(graph) {
    return graph.stages.message.nodes.some((node) => node.kind === "AddHeader" && node.field === "From");
}
function hasField(header, name) {
    const lower = name.toLowerCase();
    return header.fields.some((f) => f.name.toLowerCase() === lower);
}
function addedField(graph, state, event, header, node, tables) {
    switch (node.field) {
        case "Date":
            // RFC 6409 section 8.3: add Date when missing.
            return hasField(header, "Date") ? undefined : { kind: "append", name: "Date", value: formatRfc5322Date(event.now) };
        case "Message-ID":
            // RFC 6409 section 8.2: add Message-ID when missing.
            return hasField(header, "Message-ID") ? undefined : { kind: "append", name: "Message-ID", value: event.messageId };
        case "From": {
            // The authenticated login's own address, as the next hop sees addresses: qualified, rewritten and masqueraded.
            // Without a login there is no author to name, and an address guessed would be a forgery.
            if (!state.login || hasField(header, "From"))
                return undefined;
            const own = senderAddressOf(graph, ownAddressOfLogin(state.login, qualifyDomainOf(graph)), tables);
            return own.includes("@") ? { kind: "append", name: "From", value: own } : undefined;
        }
        case "Sender": {
            // RFC 6409 section 8.1: name the authenticated sender when From: does not. Compared as the next
            // hop sees both, qualified, rewritten and masqueraded: a Sender: equal to the From: it stands beside says nothing.
            if (!state.login || hasField(header, "Sender"))
                return undefined;
            const domain = qualifyDomainOf(graph);
            const canonical = headerCanonicalOf(graph, tables);
            const masquerade = headerMasqueradeOf(graph);
            const own = senderAddressOf(graph, ownAddressOfLogin(state.login, domain), tables);
            const from = header.fields
                .filter((f) => f.name.toLowerCase() === "from")
                .flatMap((f) => {
                const qualified = domain ? qualifyAddressHeader(f.value, domain) : f.value;
                const rewritten = canonical ? rewriteSenderHeader(qualified, canonical) : qualified;
                return listHeaderAddresses(masquerade ? masqueradeHeaderValue(rewritten, masquerade) : rewritten);
            });
            return from.some((address) => sameAddress(address, own)) ? undefined : { kind: "append", name: "Sender", value: own };
        }
        case "Received":
            // RFC 5321 section 4.4 trace field, RFC 3848 protocol names. `add Received private`
            // leaves the client's IP out for authenticated submissions (RFC 6409 section 8: privacy);
            // it hides where the client is, not who it is: `with login` still names the login.
            return {
                kind: "prepend",
                name: "Received",
                value: receivedFieldValue({
                    heloName: state.heloName ?? "unknown",
                    clientAddress: node.private && state.login ? null : state.clientAddress,
                    hostname: graph.hostname,
                    protocol: receivedProtocol(state),
                    ...(state.localUid !== null ? { localUid: state.localUid } : {}),
                    queueId: event.queueId,
                    ...receivedDetailsOf(node, state),
                    date: event.now,
                }),
            };
    }
}
/** Whether `offset` lies after the blank line that ends the header section. */
function inBody(bytes, offset) {
    const end = bytes.indexOf("\r\n\r\n");
    return end !== -1 && offset >= end + 4;
}
//# sourceMappingURL=messageStage.js.map