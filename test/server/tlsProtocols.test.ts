// `tls protocols`: the TLS versions the server offers, on both the implicit TLS and the STARTTLS
// listener. A client that can speak only a version left out fails its handshake; one that speaks
// a version offered gets the greeting.
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSmtplib } from "../support/smtplib.js";
import { type RunningMsa, startMsa } from "./harness.js";

const LINES = [
  "hostname msa.example.test",
  "{TLS}",
  "tls protocols TLSv1.3",
  "listen 127.0.0.1:2587 starttls",
  "listen 127.0.0.1:2465 tls",
  'auth users "users.passwd"',
  "require tls",
  "require auth",
  'deliver spool "spool"',
];
let msa: RunningMsa;
beforeAll(async () => {
  msa = await startMsa(LINES);
});
afterAll(() => msa.stop());

/** The implicit TLS listener's greeting, or the handshake's error code, for a client limited to `version`. */
function implicitTls(version: tls.SecureVersion): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: "127.0.0.1", port: msa.ports[1]!, servername: "localhost", ca: msa.pki.caCertPem, minVersion: version, maxVersion: version });
    socket.setTimeout(5000, () => socket.destroy(new Error("timeout")));
    socket.once("data", (data) => {
      resolve(data.toString().split(" ")[0]!);
      socket.end();
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

const STARTTLS_AT_MOST_TLS12 = `
import os, smtplib, ssl
ctx = ssl.create_default_context(cafile=os.environ["CA"])
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]))
try:
    s.starttls(context=ctx)
    print("handshake", s.sock.version())
except ssl.SSLError as e:
    print("refused")
`;

describe("tls protocols TLSv1.3", () => {
  it("greets a TLS 1.3 client on the implicit TLS listener and fails the handshake of a TLS 1.2 one", async () => {
    expect(await implicitTls("TLSv1.3")).toBe("220");
    expect(await implicitTls("TLSv1.2")).not.toBe("220");
  });

  it("refuses a STARTTLS handshake at TLS 1.2 (python3 smtplib)", async () => {
    const result = await runSmtplib(STARTTLS_AT_MOST_TLS12, { CA: msa.pki.caPath, PORT: String(msa.ports[0]) });
    expect(result.stdout.trim()).toBe("refused");
  });
});
