import { Replies } from "../../graph/replies.js";
import { replyText } from "./replyError.js";
/**
 * RFC 7628 section 3.1: `gs2-header kvsep *(key=value kvsep) kvsep`, where the gs2 header is
 * `n,a=LOGIN,` (RFC 5801, `=2C` and `=3D` escape `,` and `=`) and kvsep is %x01. Null when the
 * message is not of that form or has no `auth=Bearer TOKEN`.
 */
export function parseOauthBearer(message) {
    const parts = message.split("\x01");
    // The header, the pairs, and the two empty strings of the closing kvsep pair.
    if (parts.length < 3 || parts.at(-1) !== "" || parts.at(-2) !== "")
        return null;
    const header = /^[ny],(?:a=((?:[^,=]|=2C|=3D)*))?,$/.exec(parts[0]);
    // A client that wants channel binding ("p=") cannot have it here.
    if (!header)
        return null;
    const authzid = (header[1] ?? "").replace(/=2C/g, ",").replace(/=3D/g, "=");
    let token;
    for (const pair of parts.slice(1, -2)) {
        const eq = pair.indexOf("=");
        if (eq <= 0)
            return null;
        if (pair.slice(0, eq) === "auth")
            token = /^Bearer +([-A-Za-z0-9._~+/]+=*)$/i.exec(pair.slice(eq + 1))?.[1];
    }
    // A login with a control character could split a reply or a log line.
    if (!token || /[\x00-\x1f\x7f]/.test(authzid))
        return null;
    return { authzid, token };
}
/** `AUTH OAUTHBEARER [initial-response]`: takes the message now or after an empty challenge. */
export function startOauthBearer(connection, args, callback) {
    if (args.length > 1) {
        connection.send(501, "5.5.4 Syntax: AUTH OAUTHBEARER [initial-response]");
        return callback();
    }
    if (args.length === 1)
        return answer(connection, false, args[0], callback);
    connection._nextHandler = (line, next) => answer(connection, true, line.toString(), next);
    connection.send(334, "");
    callback();
}
function answer(connection, canAbort, line, callback) {
    const text = line.trim();
    if (canAbort && text === "*") {
        connection.send(501, "5.7.0 Authentication aborted");
        return callback();
    }
    const message = parseOauthBearer(Buffer.from(text, "base64").toString("utf8"));
    if (!message) {
        connection.send(501, "5.5.2 Invalid OAUTHBEARER message");
        return callback();
    }
    connection._server.onAuth({ method: "OAUTHBEARER", username: message.authzid, accessToken: message.token, validatePassword: () => false }, connection.session, (error, response) => {
        if (error) {
            connection.send(error.responseCode ?? 535, error.message);
            return callback();
        }
        if (!response?.user) {
            // RFC 7628 section 3.2.2: the error goes out as a challenge; whatever the client answers (%x01), 535.
            connection._nextHandler = (_line, next) => {
                connection.send(Replies.authFailed.code, replyText(Replies.authFailed));
                next();
            };
            connection.send(334, Buffer.from(JSON.stringify(response?.data ?? { status: "invalid_token" })).toString("base64"));
            return callback();
        }
        connection.session.user = response.user;
        connection.session.transmissionType = connection._transmissionType();
        connection.send(Replies.authSucceeded.code, replyText(Replies.authSucceeded));
        callback();
    });
}
//# sourceMappingURL=oauthBearer.js.map