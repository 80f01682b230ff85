// `msac dev-certificate DIR`: a self-signed certificate for development and
// loopback testing (what `npm start` uses), written only when none exists yet.
import fs from "node:fs";
import path from "node:path";
import { generate } from "selfsigned";
import { ExitStatus } from "./io.js";
export async function ensureDevCertificate(dir, hostname) {
    const certificate = path.join(dir, "dev.pem");
    const key = path.join(dir, "dev.key");
    if (fs.existsSync(certificate) && fs.existsSync(key))
        return { certificate, key, created: false };
    const pems = await generate([{ name: "commonName", value: hostname }], {
        keyType: "ec",
        curve: "P-256",
        algorithm: "sha256",
        days: 825,
        extensions: [
            { name: "basicConstraints", cA: false },
            { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
            { name: "extKeyUsage", serverAuth: true },
            {
                name: "subjectAltName",
                altNames: [
                    { type: 2, value: hostname },
                    { type: 2, value: "localhost" },
                    { type: 7, ip: "127.0.0.1" },
                    { type: 7, ip: "::1" },
                ],
            },
        ],
    });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(key, pems.private, { mode: 0o600 });
    fs.writeFileSync(certificate, pems.cert);
    return { certificate, key, created: true };
}
export async function runDevCertificate(dir, options, io) {
    const result = await ensureDevCertificate(dir, options.hostname);
    io.stdout.write(`${result.created ? "wrote" : "kept"} ${result.certificate} and ${result.key}\n`);
    return ExitStatus.ok;
}
//# sourceMappingURL=devCertificate.js.map