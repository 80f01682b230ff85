// Checks the bearer tokens of OAUTHBEARER (RFC 7628) and XOAUTH2: a JWT against the issuer's keys
// (jose), or by asking the issuer's introspection endpoint (RFC 7662); either way the token must be
// meant for msa's audience. The login is a claim of the
// token; a client that names a login in its SASL message must name that one.
import { readFile } from "node:fs/promises";
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from "jose";
import { readRelayCredentials } from "../deliver/relayTarget.js";
// How long the issuer may take to answer, and the clock skew a token's times are allowed.
const ISSUER_TIMEOUT_MS = 5_000;
const CLOCK_TOLERANCE_S = 30;
// jose's error codes for a token that is not good, as opposed to keys that could not be had.
const TOKEN_FAULTS = new Set([
    "ERR_JWT_EXPIRED",
    "ERR_JWT_CLAIM_VALIDATION_FAILED",
    "ERR_JWT_INVALID",
    "ERR_JWS_INVALID",
    "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    "ERR_JWKS_NO_MATCHING_KEY",
    "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
    "ERR_JOSE_ALG_NOT_ALLOWED",
    "ERR_JOSE_NOT_SUPPORTED",
]);
/** Reads what the rule names (the JWKS file, the client credentials) now, so a start or reload fails on it rather than a login. */
export async function openTokenChecker(oauth) {
    if (oauth.kind === "introspection") {
        const client = oauth.client ? readRelayCredentials(oauth.client) : undefined;
        return { verify: (token, claimed) => introspect(oauth.url, client, token).then((result) => withLogin(forAudience(result, oauth.audience), oauth.loginClaim, claimed)) };
    }
    const keys = "url" in oauth.keys
        ? createRemoteJWKSet(new URL(oauth.keys.url), { timeoutDuration: ISSUER_TIMEOUT_MS })
        : createLocalJWKSet(JSON.parse(await readFile(oauth.keys.file, "utf8")));
    return {
        async verify(token, claimed) {
            try {
                const { payload } = await jwtVerify(token, keys, { issuer: oauth.issuer, audience: oauth.audience, clockTolerance: CLOCK_TOLERANCE_S });
                return withLogin({ kind: "active", claims: payload }, oauth.loginClaim, claimed);
            }
            catch (error) {
                const { code, message } = error;
                if (code && TOKEN_FAULTS.has(code))
                    return { kind: "rejected", reason: `${code}: ${message}` };
                return { kind: "unavailable", reason: `issuer keys: ${message}` };
            }
        },
    };
}
/** RFC 7662 section 2: POST the token; `active: false` is a bad token, anything but a JSON 200 an issuer that did not answer. */
async function introspect(url, client, token) {
    try {
        const response = await fetch(url, {
            method: "POST",
            headers: {
                "content-type": "application/x-www-form-urlencoded",
                accept: "application/json",
                ...(client ? { authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.user)}:${encodeURIComponent(client.pass)}`).toString("base64")}` } : {}),
            },
            body: new URLSearchParams({ token, token_type_hint: "access_token" }),
            signal: AbortSignal.timeout(ISSUER_TIMEOUT_MS),
        });
        if (response.status !== 200)
            return { kind: "unavailable", reason: `introspection answered HTTP ${response.status}` };
        const claims = (await response.json());
        if (claims.active !== true)
            return { kind: "rejected", reason: "the issuer says the token is not active" };
        return { kind: "active", claims };
    }
    catch (error) {
        return { kind: "unavailable", reason: `introspection: ${error.message}` };
    }
}
/** RFC 7662 section 2.2: `aud` (a string or a list) or `client_id` names whom the token is for; any other application's token is refused. */
function forAudience(answer, audience) {
    if (answer.kind !== "active")
        return answer;
    const { aud, client_id: clientId } = answer.claims;
    const named = [...(Array.isArray(aud) ? aud : [aud]), clientId];
    if (named.includes(audience))
        return answer;
    return { kind: "rejected", reason: `the token is not for audience ${audience}` };
}
/** The token's login, when the claim is there and the client named no other login. */
function withLogin(answer, claim, claimed) {
    if (answer.kind !== "active")
        return answer;
    const login = answer.claims[claim];
    if (typeof login !== "string" || login === "")
        return { kind: "rejected", reason: `the token has no \`${claim}\` claim` };
    if (claimed !== "" && claimed !== login)
        return { kind: "rejected", reason: `the token is for ${login}, the client asked for ${claimed}` };
    return { kind: "accepted", login };
}
//# sourceMappingURL=oauthTokens.js.map