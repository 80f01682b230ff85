// `tls certificate` written more than once: the certificates after the first, each chosen when the
// client asks (TLS SNI, RFC 6066 section 3) for a name it holds; any other name gets the first.
import fs from "node:fs";
import tls from "node:tls";
import { certificateHostNames, coversHostName } from "../../formats/certificateNames.js";
/** The SNI callback for the graph's extra certificates (read now, once), or undefined when there are none. */
export function sniCallbackOf(graph, options) {
    if (graph.sniCertificates.length === 0)
        return undefined;
    const choices = graph.sniCertificates.map((files) => {
        const cert = fs.readFileSync(files.certificate);
        return { names: certificateHostNames(cert), context: tls.createSecureContext({ cert, key: fs.readFileSync(files.key), ...options }) };
    });
    // No context: smtp-server answers with the first certificate.
    return (servername, callback) => callback(null, choices.find((choice) => coversHostName(choice.names, servername))?.context);
}
//# sourceMappingURL=sniCertificates.js.map