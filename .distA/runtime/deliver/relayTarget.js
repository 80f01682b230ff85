// The next hop as the policy describes it (graph RelayOptions) turned into what the relay client
// needs, with the AUTH credentials read from their file once, at start. A missing or malformed
// file is a startup error that names the file and never shows what is in it.
import { readFileSync } from "node:fs";
/** The deliver rule's relay settings are unusable: `msac serve` reports it and does not start. */
export class RelayConfigurationError extends Error {
    name = "RelayConfigurationError";
}
/**
 * `relay URL [require tls] [verify certificate] [auth "FILE"]` as a RelayTarget. Throws
 * RelayConfigurationError when the credentials file cannot be read or is not one `USER:PASSWORD` line.
 */
export function relayTargetFromGraph(url, options, extra = {}) {
    const target = { url, requireTls: options.requireTls, ...(options.require8BitMime ? { require8BitMime: true } : {}) };
    // graph.ts: verify "always for smtps:// and under requireTls", and wherever the policy says
    // `verify certificate`; that is the relay client's default plus the written option. Only
    // opportunistic STARTTLS (neither) goes unverified (RFC 7435).
    if (options.verifyCertificate)
        target.verifyCertificate = true;
    if (options.xforward)
        target.xforward = true;
    if (options.credentials)
        target.auth = readRelayCredentials(options.credentials);
    return { ...target, ...extra };
}
/** RFC 4954 AUTH credentials for the next hop: a file with one `USER:PASSWORD` line (the password may contain `:`). */
export function readRelayCredentials(path) {
    let text;
    try {
        text = readFileSync(path, "utf8");
    }
    catch (error) {
        const code = error.code ?? error.message;
        throw new RelayConfigurationError(`cannot read the relay credentials file ${path} (${code})`);
    }
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
    const line = lines[0] ?? "";
    const colon = line.indexOf(":");
    const user = colon > 0 ? line.slice(0, colon).trim() : "";
    const pass = colon > 0 ? line.slice(colon + 1) : "";
    if (lines.length !== 1 || user === "" || pass === "") {
        // the content is a secret: say what is wrong with its shape, never what it holds
        throw new RelayConfigurationError(`the relay credentials file ${path} must hold exactly one USER:PASSWORD line`);
    }
    return { user, pass };
}
//# sourceMappingURL=relayTarget.js.map