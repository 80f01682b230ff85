// Runs the session classes of a space through the server's own decision core: connect (and TLS),
// EHLO, AUTH when the class has a login, MAIL FROM, RCPT TO, each one call of decide() in the order
// the server and `msac simulate` make them. Nothing here judges a rule; it only records what the
// core answered. Decisions classes share (a listener's AUTH, a login's MAIL) are made once.
import { listenerKey, loginSourceNode } from "../../graph/graph.js";
import { Replies } from "../../graph/replies.js";
import { decide } from "../../runtime/decision/decide.js";
import { newSession } from "../../runtime/decision/session.js";
import { listenerOf, loginCanExist, spaceSize } from "./sessionSpace.js";
/** The client a class stands for, as `msac simulate` plays it by default. */
export const CLIENT_ADDRESS = "192.0.2.1";
export const HELO_NAME = "client.invalid";
/**
 * A connection on the listener, TLS when the state says so, then EHLO. The one place a session
 * learns which listener it is on (so the rules of its `on` blocks judge it).
 */
export function sessionOn(graph, state) {
    const listener = listenerOf(graph, state);
    if (!listener)
        return { impossible: `the policy has no listener ${state.endpoint}` };
    if (state.tls && listener.mode === "plain")
        return { impossible: `${state.endpoint} is a plain listener: no TLS` };
    if (!state.tls && listener.mode === "tls")
        return { impossible: `${state.endpoint} is implicit TLS: no session without TLS` };
    const key = listenerKey(listener);
    let session = decide(graph, newSession(listener.mode, "", key), {
        type: "connect",
        listenerMode: listener.mode,
        listener: key,
        clientAddress: state.trusted?.client ?? CLIENT_ADDRESS,
    }).state;
    if (state.tls && listener.mode === "starttls")
        session = decide(graph, session, { type: "tls" }).state;
    return { state: decide(graph, session, { type: "helo", name: HELO_NAME, extended: true }).state };
}
function refusal(stage, decision) {
    if (decision.verdict.kind !== "refuse")
        throw new Error("not a refusal");
    const last = [...decision.trace].reverse().find((s) => s.outcome === "refuse");
    return { kind: "refused", stage, reply: decision.verdict.reply, origin: decision.verdict.origin, node: last?.node ?? "" };
}
/**
 * Calls `visit` with every session of `space` on the context's graph, up to `bound` sessions, in a
 * fixed order: listener, login (none first), sender, recipient.
 */
export function runSessions(context, space, bound, visit) {
    const { graph, tables } = context;
    const total = spaceSize(space);
    let ran = 0;
    const logins = [null, ...space.logins];
    for (const listener of space.listeners) {
        const on = sessionOn(graph, listener);
        const auth = "state" in on && graph.logins ? decide(graph, on.state, { type: "authStart" }, tables) : null;
        for (const login of logins) {
            const loginExists = login === null || loginCanExist(context, login);
            let session = null;
            let before = null;
            const shared = [];
            if ("impossible" in on)
                before = { kind: "impossible", why: on.impossible };
            else if (login === null)
                session = on.state;
            else if (!auth)
                before = { kind: "refused", stage: "auth", reply: { code: 502, enhanced: "5.5.1", text: "AUTH is not offered" }, origin: null, node: "AuthUsers" };
            else if (auth.verdict.kind === "refuse") {
                before = refusal("auth", auth);
                shared.push(auth);
            }
            else if (!loginExists) {
                before = { kind: "refused", stage: "auth", reply: Replies.authFailed, origin: graph.logins.origin, node: loginSourceNode(graph.logins) };
                shared.push(auth);
            }
            else {
                shared.push(auth);
                session = decide(graph, on.state, { type: "authenticated", login: login.login }, tables).state;
            }
            for (const mailFrom of space.senders) {
                const mail = session && decide(graph, session, { type: "mail", address: mailFrom, params: {} }, tables);
                for (const rcpt of space.recipients) {
                    if (ran >= bound)
                        return { ran, total, capped: true };
                    ran++;
                    if (!mail) {
                        visit({ listener, login, mailFrom, rcpt, outcome: before, loginExists, decisions: shared });
                        continue;
                    }
                    if (mail.verdict.kind === "refuse") {
                        visit({ listener, login, mailFrom, rcpt, outcome: refusal("mail", mail), loginExists, decisions: [...shared, mail] });
                        continue;
                    }
                    const decision = decide(graph, mail.state, { type: "rcpt", address: rcpt, params: {} }, tables);
                    const outcome = decision.verdict.kind === "refuse" ? refusal("rcpt", decision) : { kind: "accepted", recipient: decision.result ?? rcpt };
                    visit({ listener, login, mailFrom, rcpt, outcome, loginExists, decisions: [...shared, mail, decision] });
                }
            }
        }
    }
    return { ran, total, capped: false };
}
//# sourceMappingURL=sessionRuns.js.map