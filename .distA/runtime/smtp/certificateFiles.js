// Reading one `tls certificate "CERT" key "KEY"` pair from disk and judging it before it is served:
// every PEM block complete and parsable (a renewal caught half-written is not), the key the
// certificate's own, and the certificate valid now. The caller decides what a problem costs.
import { createPrivateKey, X509Certificate } from "node:crypto";
import tls from "node:tls";
import { certificateHostNames } from "../../formats/certificateNames.js";
import { readNamedFile } from "../../formats/namedFile.js";
/** Certificates and keys are a few kilobytes; a chain of ten is far below this. */
const MAX_PEM_BYTES = 1024 * 1024;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
/** Reads both files of the pair, or says which one cannot be read. */
export function readPemTexts(files) {
    const certRead = readNamedFile(files.certificate, MAX_PEM_BYTES);
    if (!certRead.ok)
        return { ok: false, problem: { file: files.certificate, reason: `cannot read the certificate: ${certRead.reason}` } };
    const keyRead = readNamedFile(files.key, MAX_PEM_BYTES);
    if (!keyRead.ok)
        return { ok: false, problem: { file: files.key, reason: `cannot read the key: ${keyRead.reason}` } };
    return { ok: true, texts: { cert: certRead.text, key: keyRead.text } };
}
/** Checks texts read from the pair's files and makes their TLS context; validity dates are judged apart (`validityProblem`). */
export function judgeCertificate(files, { cert, key }, options) {
    const fail = (file, reason) => ({ ok: false, problem: { file, reason } });
    const chain = [...cert.matchAll(PEM_BLOCK)].filter((m) => m[1] === "CERTIFICATE").map((m) => m[0]);
    // A block begun and not ended is a file still being written.
    const begun = cert.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
    if (begun !== chain.length)
        return fail(files.certificate, "a PEM certificate in it is incomplete (a file still being written?)");
    if (chain.length === 0)
        return fail(files.certificate, "holds no PEM certificate");
    let leaf;
    try {
        leaf = new X509Certificate(chain[0]);
        for (const other of chain.slice(1))
            new X509Certificate(other);
    }
    catch (error) {
        return fail(files.certificate, `a certificate in it cannot be parsed: ${error.message}`);
    }
    let privateKey;
    try {
        privateKey = createPrivateKey(key);
    }
    catch (error) {
        return fail(files.key, `the private key cannot be parsed: ${error.message}`);
    }
    if (!leaf.checkPrivateKey(privateKey))
        return fail(files.key, `the key does not match the certificate \`${files.certificate}\``);
    let context;
    try {
        context = tls.createSecureContext({ cert, key, ...options });
    }
    catch (error) {
        return fail(files.certificate, `OpenSSL refuses the pair: ${error.message}`);
    }
    return {
        ok: true,
        certificate: {
            files,
            cert,
            key,
            names: certificateHostNames(chain[0]),
            context,
            serialNumber: leaf.serialNumber,
            fingerprint256: leaf.fingerprint256,
            validFrom: new Date(leaf.validFrom),
            validTo: new Date(leaf.validTo),
        },
    };
}
/** Why a certificate is not valid at `now` (expired, or not yet valid), or null when it is. */
export function validityProblem(certificate, now) {
    const file = certificate.files.certificate;
    if (now > certificate.validTo)
        return { file, reason: `the certificate expired on ${certificate.validTo.toISOString()}` };
    if (now < certificate.validFrom)
        return { file, reason: `the certificate is not valid before ${certificate.validFrom.toISOString()}` };
    return null;
}
/** Whether two reads of a pair found the same texts (nothing changed on disk). */
export function sameTexts(a, b) {
    return a.cert === b.cert && a.key === b.key;
}
//# sourceMappingURL=certificateFiles.js.map