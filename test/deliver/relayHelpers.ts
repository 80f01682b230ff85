// Set-up for the relay option, 7-bit conversion and connection reuse tests: a next hop that can
// require AUTH (with STARTTLS from the test PKI), hide 8BITMIME and drop its idle sessions, and
// rule graphs compiled from a small policy with the `deliver` line under test.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { afterEach } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import type { RuleGraph } from "../../graph/graph.js";
import { makeTestPki, type TestPki } from "../support/certificates.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

export async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "msa-relay-test-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface AuthHopOptions {
  /** offer STARTTLS with the test PKI's certificate */
  starttls?: boolean;
  /** refuse MAIL until AUTH succeeded with this user and password (530 5.7.0) */
  credentials?: { user: string; pass: string };
  /** advertise 8BITMIME (default true) */
  eightBitMime?: boolean;
}

export interface ReceivedByHop {
  raw: Buffer;
  mailParams: Record<string, string | true>;
  secure: boolean;
  user: string | undefined;
}

export interface AuthHop {
  url: string;
  pki: TestPki;
  received: ReceivedByHop[];
  /** connections accepted so far */
  readonly connections: number;
  /** closes every open client connection, as a server does at its idle timeout */
  dropAll(): void;
}

export async function startAuthHop(options: AuthHopOptions = {}): Promise<AuthHop> {
  const pki = await makeTestPki();
  const received: ReceivedByHop[] = [];
  let connections = 0;
  const server = new SMTPServer({
    logger: false,
    name: "auth-hop.test",
    disableReverseLookup: true,
    ...(options.starttls ? { key: pki.keyPem, cert: pki.certPem } : {}),
    disabledCommands: [...(options.starttls ? [] : ["STARTTLS"]), ...(options.credentials ? [] : ["AUTH"])],
    authOptional: !options.credentials,
    allowInsecureAuth: !options.starttls,
    hide8BITMIME: options.eightBitMime === false,
    hideENHANCEDSTATUSCODES: true,
    maxAllowedUnauthenticatedCommands: false,
    closeTimeout: 200,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      const expected = options.credentials;
      if (expected && auth.username === expected.user && auth.password === expected.pass) return callback(null, { user: auth.username });
      callback(Object.assign(new Error("5.7.8 bad credentials"), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const mailFrom = session.envelope.mailFrom;
        received.push({
          raw: Buffer.concat(chunks),
          mailParams: { ...((mailFrom && mailFrom.args) || {}) },
          secure: session.secure,
          user: typeof session.user === "string" ? session.user : undefined,
        });
        callback(null, "2.0.0 queued");
      });
    },
  });
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    pki,
    received,
    get connections() {
      return connections;
    },
    dropAll() {
      for (const connection of server.connections) connection._socket.destroy();
    },
  };
}

/** A graph from a small policy whose deliver rule is `deliverLine` (paths relative to `dir`). */
export function graphWith(dir: string, deliverLine: string, extra: string[] = []): RuleGraph {
  const text = ["hostname msa.example.test", "listen 127.0.0.1:2525 plain", deliverLine, ...extra].join("\n") + "\n";
  const result = compilePolicy(join(dir, "policy.msa"), text);
  if (!result.graph) throw new Error(`policy does not compile:\n${result.diagnostics.map((d) => d.message).join("\n")}`);
  return result.graph;
}

export async function writeCredentials(dir: string, content: string): Promise<string> {
  const path = join(dir, "relay.secret");
  await writeFile(path, content, { mode: 0o600 });
  return path;
}
