// Domain-name validity (RFC 1035 section 2.3.1, RFC 5890 for IDN), shared by the
// checker (names in a policy) and the runtime (names on the wire).
import { domainToASCII } from "node:url";
/** The A-label form of a domain, or undefined when it is not a valid host name. */
export function toALabels(domain) {
    if (domain === "" || domain.endsWith(".") || domain.startsWith("."))
        return undefined;
    const ascii = /^[\x00-\x7f]*$/.test(domain) ? domain.toLowerCase() : domainToASCII(domain.normalize("NFC"));
    if (!ascii || ascii.length > 253)
        return undefined;
    for (const label of ascii.split(".")) {
        if (label.length === 0 || label.length > 63)
            return undefined;
        if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(label))
            return undefined;
    }
    return ascii;
}
/** Why `domain` is not a valid domain name, in the diagnostic style, or undefined when it is one. */
export function domainProblem(domain) {
    if (domain.split(".").some((label) => label === ""))
        return `\`${domain}\` has an empty label`;
    if (toALabels(domain) === undefined)
        return `\`${domain}\` is not a valid domain name`;
    return undefined;
}
export function isFullyQualified(domain) {
    return domain.includes(".");
}
//# sourceMappingURL=domainName.js.map