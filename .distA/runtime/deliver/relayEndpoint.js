// Where and how to reach the next hop: the relay URL parsed (smtp:// or smtps://) and the
// trusted CA read, worked out once per target rather than once per message.
import { readFileSync } from "node:fs";
/** Parses smtp:// and smtps:// URLs; throws TypeError for anything else. */
export function parseRelayUrl(url) {
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        throw new TypeError(`not a URL: ${url}`);
    }
    const secure = parsed.protocol === "smtps:";
    if (!secure && parsed.protocol !== "smtp:")
        throw new TypeError(`relay URL must be smtp:// or smtps://: ${url}`);
    if (parsed.username || parsed.password)
        throw new TypeError("relay credentials go in auth, not in the URL");
    if ((parsed.pathname !== "" && parsed.pathname !== "/") || parsed.search || parsed.hash) {
        throw new TypeError(`relay URL has a path or query: ${url}`);
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
    if (!host)
        throw new TypeError(`relay URL has no host: ${url}`);
    const port = parsed.port ? Number(parsed.port) : secure ? 465 : 25;
    return { secure, host, port };
}
// A target's URL and CA worked out once per target (the server's delivery and the queue runner
// each keep one for their lifetime), not once per message; a failure is not kept, so each
// message reports it.
const preparedTargets = new WeakMap();
/** The target's endpoint and CA; throws TypeError (or a file error) when they cannot be used. */
export function prepareTarget(target) {
    let prepared = preparedTargets.get(target);
    if (!prepared) {
        prepared = { endpoint: parseRelayUrl(target.url), ca: target.ca === undefined ? undefined : loadCa(target.ca) };
        preparedTargets.set(target, prepared);
    }
    return prepared;
}
function loadCa(ca) {
    return ca.includes("-----BEGIN") ? ca : readFileSync(ca, "utf8");
}
//# sourceMappingURL=relayEndpoint.js.map