import { authenticated, decideAuthStart, ehloKeywords } from "./authStage.js";
import { decideDelivery } from "./deliveryStage.js";
import { decideMail, decideRcpt } from "./envelopeStage.js";
import { decideMessage } from "./messageStage.js";
import { decideMilterCommand, decideMilterMessage } from "./milterStage.js";
import { newSession, withTransaction } from "./session.js";
const accept = (state) => ({ verdict: { kind: "accept" }, state, trace: [] });
export function decide(graph, state, event, tables) {
    switch (event.type) {
        case "connect": {
            const session = newSession(event.listenerMode, event.clientAddress, event.listener, event.negotiatedTls ?? null);
            return accept(event.localUid === undefined ? session : { ...session, localUid: event.localUid });
        }
        case "helo":
            // RFC 5321 section 4.1.4: EHLO/HELO resets the transaction.
            return accept({ ...state, heloName: event.name, extended: event.extended, transaction: null });
        case "tls":
            // RFC 3207 section 4.2: after the handshake the server discards all knowledge obtained
            // from the client before it: the EHLO name, the transaction and the login.
            return accept({ ...state, tls: true, negotiatedTls: event.negotiatedTls ?? null, heloName: null, extended: false, login: null, transaction: null });
        case "authStart":
            return decideAuthStart(graph, state);
        case "authenticated":
            return accept(authenticated(state, event.login, event.addresses));
        case "mail":
            return decideMail(graph, state, event, tables);
        case "rcpt":
            return decideRcpt(graph, state, event, tables);
        case "data":
            // The message is read up to the size EHLO announced (RFC 1870); the message stage judges it.
            return { verdict: { kind: "accept" }, state, trace: [], result: { maxBytes: ehloKeywords(graph, state).size } };
        case "reset":
            return accept(withTransaction(state, null));
        case "message":
            return decideMessage(graph, state, event, tables);
        case "milter":
            return decideMilterCommand(graph, state, event);
        case "milterMessage":
            return decideMilterMessage(graph, state, event);
        case "delivery":
            return decideDelivery(graph, state, event);
    }
}
//# sourceMappingURL=decide.js.map