// The host names a certificate is for (its DNS subjectAltNames) and whether a name the client asked
// for (TLS SNI) is one of them, a wildcard covering one label as RFC 6125 section 6.4.3 allows.
import { X509Certificate } from "node:crypto";
/** The DNS names of a PEM certificate, lowercase; empty when it names none. */
export function certificateHostNames(pem) {
    const alt = new X509Certificate(pem).subjectAltName ?? "";
    return alt
        .split(/,\s*/)
        .filter((entry) => entry.startsWith("DNS:"))
        .map((entry) => entry.slice(4).toLowerCase());
}
/** Whether `servername` is one of `names` (`*.example.org` covers `mail.example.org`, not `a.b.example.org` nor `example.org`). */
export function coversHostName(names, servername) {
    const name = servername.toLowerCase().replace(/\.$/, "");
    const dot = name.indexOf(".");
    return names.some((n) => n === name || (n.startsWith("*.") && dot > 0 && n.slice(1) === name.slice(dot)));
}
//# sourceMappingURL=certificateNames.js.map