// DKIM key pairs and their DNS records (RFC 6376 section 3.6.1, RFC 8463 section 4): what
// `msac dkim keygen` writes and prints. Pure apart from key generation; writes no files.
import crypto from "node:crypto";
/** A fresh key pair; RSA keys have `bits` bits (1024 to 8192, default 2048: RFC 8301 section 3.2). */
export function generateDkimKey(algorithm, bits = 2048) {
    if (algorithm === "rsa") {
        if (!Number.isInteger(bits) || bits < 1024 || bits > 8192)
            throw new RangeError(`an RSA DKIM key needs 1024 to 8192 bits, not ${bits}`);
        const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: bits });
        return { privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKey: dkimPublicKey(publicKey) };
    }
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
    return { privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKey: dkimPublicKey(publicKey) };
}
/**
 * The p= value of a public key: RSA as DER SubjectPublicKeyInfo (RFC 6376 section 3.6.1),
 * Ed25519 as the bare 32-byte key (RFC 8463 section 4), both base64.
 */
export function dkimPublicKey(publicKey) {
    const spki = publicKey.export({ type: "spki", format: "der" });
    if (publicKey.asymmetricKeyType === "ed25519")
        return spki.subarray(spki.length - 32).toString("base64");
    if (publicKey.asymmetricKeyType === "rsa")
        return spki.toString("base64");
    throw new Error(`a \`${publicKey.asymmetricKeyType}\` key cannot be a DKIM key`);
}
/** The TXT record's text: `v=DKIM1; k=rsa; p=...`. */
export function dkimRecordText(algorithm, publicKey) {
    return `v=DKIM1; k=${algorithm}; p=${publicKey}`;
}
/**
 * A zone-file line: `S._domainkey.D. IN TXT "..." "..."`, the text cut into strings of at most
 * 255 characters (RFC 1035 section 3.3: one character-string holds 255 octets; resolvers join them).
 */
export function dkimDnsRecord(domain, selector, text) {
    const chunks = [];
    for (let i = 0; i < text.length; i += 255)
        chunks.push(`"${text.slice(i, i + 255)}"`);
    return `${selector}._domainkey.${domain.replace(/\.$/, "")}. IN TXT ${chunks.join(" ")}`;
}
//# sourceMappingURL=dkimKeys.js.map