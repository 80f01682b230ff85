// `msac dev-certificate DIR`: a self-signed certificate for development and
// loopback testing (what `npm start` uses), written only when none exists yet.
import fs from "node:fs";
import path from "node:path";
import { generate } from "selfsigned";
import { ExitStatus, type CommandIo } from "./io.js";

export async function ensureDevCertificate(dir: string, hostname: string): Promise<{ certificate: string; key: string; created: boolean }> {
  const certificate = path.join(dir, "dev.pem");
  const key = path.join(dir, "dev.key");
  if (fs.existsSync(certificate) && fs.existsSync(key)) return { certificate, key, created: false };
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
  } as Parameters<typeof generate>[1]);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(key, pems.private, { mode: 0o600 });
  fs.writeFileSync(certificate, pems.cert);
  return { certificate, key, created: true };
}

export async function runDevCertificate(dir: string, options: { hostname: string }, io: CommandIo): Promise<number> {
  const result = await ensureDevCertificate(dir, options.hostname);
  io.stdout.write(`${result.created ? "wrote" : "kept"} ${result.certificate} and ${result.key}\n`);
  return ExitStatus.ok;
}
