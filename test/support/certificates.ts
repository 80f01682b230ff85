// A throwaway certificate authority and a server certificate for loopback names, so TLS
// tests verify certificates for real (clients trust the CA) instead of turning checks off.
import { generateKeyPair, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import forge from "node-forge";
import { afterAll } from "vitest";

export interface TestPki {
  /** Folder holding ca.pem, server.pem and server.key. */
  dir: string;
  caCertPem: string;
  /** The server certificate (leaf only; clients trust the CA directly). */
  certPath: string;
  keyPath: string;
  caPath: string;
  certPem: string;
  keyPem: string;
}

/** Names the server certificate is valid for. */
export const TEST_PKI_NAMES = { dns: ["localhost", "msa.example.test"], ip: ["127.0.0.1", "::1"] } as const;

interface PkiPem {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

// RSA key generation is the slow part, so it happens once per process (vitest runs each
// test file in its own process); every call still gets its own folder to write into.
let generated: Promise<PkiPem> | undefined;
const createdDirs: string[] = [];

function removeCreatedDirs(): void {
  for (const dir of createdDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// Temporary folders go at the end of the test file; the exit hook is a last resort.
process.once("exit", removeCreatedDirs);
try {
  afterAll(removeCreatedDirs);
} catch {
  // Imported outside a test file's collection: only the exit hook applies.
}

/** Writes the test CA and server certificate into `dir` (created if missing) or a new temporary folder. */
export async function makeTestPki(dir?: string): Promise<TestPki> {
  generated ??= generatePki();
  const pem = await generated;
  let target: string;
  if (dir === undefined) {
    target = await mkdtemp(join(tmpdir(), "msa-pki-"));
    createdDirs.push(target);
  } else {
    await mkdir(dir, { recursive: true });
    target = dir;
  }
  const caPath = join(target, "ca.pem");
  const certPath = join(target, "server.pem");
  const keyPath = join(target, "server.key");
  await writeFile(caPath, pem.caCertPem);
  await writeFile(certPath, pem.certPem);
  await writeFile(keyPath, pem.keyPem, { mode: 0o600 });
  return { dir: target, caCertPem: pem.caCertPem, certPath, keyPath, caPath, certPem: pem.certPem, keyPem: pem.keyPem };
}

// Keys come from node's crypto (native, fast); node-forge only builds and signs the certificates.
async function generatePki(): Promise<PkiPem> {
  const newRsaKey = async (): Promise<forge.pki.rsa.PrivateKey> => {
    const { privateKey } = await promisify(generateKeyPair)("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    return forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  };
  const [caKey, serverKey] = await Promise.all([newRsaKey(), newRsaKey()]);
  const caPublic = forge.pki.setRsaPublicKey(caKey.n, caKey.e);
  const serverPublic = forge.pki.setRsaPublicKey(serverKey.n, serverKey.e);

  const caSubject = [
    { name: "commonName", value: "msa test CA" },
    { name: "organizationName", value: "msa tests" },
  ];
  const ca = newCertificate(caPublic, caSubject, caSubject);
  ca.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  ca.sign(caKey, forge.md.sha256.create());

  const server = newCertificate(serverPublic, [{ name: "commonName", value: "localhost" }], caSubject);
  server.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [...TEST_PKI_NAMES.dns.map((value) => ({ type: 2, value })), ...TEST_PKI_NAMES.ip.map((ip) => ({ type: 7, ip }))],
    },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKey, forge.md.sha256.create());

  return {
    caCertPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(server),
    keyPem: forge.pki.privateKeyToPem(serverKey),
  };
}

function newCertificate(publicKey: forge.pki.PublicKey, subject: forge.pki.CertificateField[], issuer: forge.pki.CertificateField[]): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = publicKey;
  // A positive serial: the top bit of the first byte cleared.
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  certificate.serialNumber = serial.toString("hex");
  const now = Date.now();
  certificate.validity.notBefore = new Date(now - 24 * 60 * 60 * 1000);
  certificate.validity.notAfter = new Date(now + 365 * 24 * 60 * 60 * 1000);
  certificate.setSubject(subject);
  certificate.setIssuer(issuer);
  return certificate;
}

/** Removes the folder of a PKI; temporary folders made by makeTestPki() also go at the end of the test file. */
export function removeTestPki(pki: Pick<TestPki, "dir">): void {
  rmSync(pki.dir, { recursive: true, force: true });
}
