// Several `tls certificate` rules: a client that asks (TLS SNI) for a name a later certificate holds
// gets that one, checked by real STARTTLS handshakes that verify the chain against it; any other
// name gets the first certificate. `msac check` refuses a later certificate that names no host.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import { rawSmtp } from "../support/smtplib.js";
import { temporaryFolder } from "../support/temporaryFolder.js";
import { type RunningMsa, SUBMISSION_POLICY, startMsa } from "./harness.js";

async function selfSigned(dir: string, name: string, altNames: { type: number; value: string }[]): Promise<{ cert: string; pem: string; key: string }> {
  const pems = await generate([{ name: "commonName", value: name }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames }],
  } as Parameters<typeof generate>[1]);
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  await writeFile(cert, pems.cert);
  await writeFile(key, pems.private);
  return { cert, pem: pems.cert, key };
}

/** The replies of a STARTTLS session that trusts only `ca` and asks for `servername`, or the handshake's error. */
async function handshake(msa: RunningMsa, ca: string, servername: string): Promise<string> {
  try {
    const replies = await rawSmtp(msa.port, ["EHLO client.example", "STARTTLS", "EHLO client.example", "QUIT"], { ca, servername });
    return replies.at(-2)!.split("\n")[0]!;
  } catch (error) {
    return (error as Error).message;
  }
}

describe("certificates chosen by SNI", () => {
  let msa: RunningMsa;
  let other: { cert: string; pem: string; key: string };
  beforeAll(async () => {
    const dir = temporaryFolder("msa-sni-");
    other = await selfSigned(dir, "mail.example.org", [
      { type: 2, value: "mail.example.org" },
      { type: 2, value: "*.example.net" },
    ]);
    msa = await startMsa([...SUBMISSION_POLICY, `tls certificate "${other.cert}" key "${other.key}"`, 'deliver spool "spool"']);
  });
  afterAll(() => msa.stop());

  it("presents the certificate that holds the name asked for, a wildcard covering one label", async () => {
    expect(await handshake(msa, other.pem, "mail.example.org")).toMatch(/^250-msa\.example\.test/);
    expect(await handshake(msa, other.pem, "smtp.example.net")).toMatch(/^250-msa\.example\.test/);
  });

  it("presents the first certificate for any other name", async () => {
    expect(await handshake(msa, msa.pki.caCertPem, "localhost")).toMatch(/^250-msa\.example\.test/);
    expect(await handshake(msa, other.pem, "a.b.example.net")).not.toMatch(/^250/);
  });

  it("msac check refuses a later certificate that names no host", async () => {
    const dir = temporaryFolder("msa-sni-");
    const nameless = await selfSigned(dir, "nameless", []);
    const text = [
      ...SUBMISSION_POLICY.filter((l) => l !== "{TLS}"),
      `tls certificate "${other.cert}" key "${other.key}"`,
      `tls certificate "${nameless.cert}" key "${nameless.key}"`,
    ].join("\n");
    const messages = compilePolicy(join(dir, "p.msa"), `${text}\n`).diagnostics.map((d) => d.message);
    expect(messages).toContain(`\`${nameless.cert}\` names no host (no DNS subjectAltName), so no client can ask for it`);
  });
});
