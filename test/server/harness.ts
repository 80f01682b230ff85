// The one way tests run msa in-process: writes a policy (with users and the test PKI) into a
// temporary folder, compiles it, edits the graph where the test says so (limits), binds port 0
// and collects the JSON log events in an array. What it starts is stopped after the test file,
// or after the test with `stopAfter: "test"`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import nodemailer from "nodemailer";
import { afterAll, afterEach } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import type { LimitsConfig, RuleGraph, RuleOrigin } from "../../graph/graph.js";
import { hashPassword } from "../../runtime/auth/passwordHash.js";
import { createEventLog } from "../../runtime/log.js";
import { SubmissionServer, type SubmissionServerOptions } from "../../runtime/submissionServer.js";
import { makeTestPki, type TestPki } from "../support/certificates.js";
import { startNextHop, type NextHop } from "../support/nextHop.js";

export { eventually } from "../support/eventually.js";
export { LineClient } from "../support/lineClient.js";

export const PASSWORDS = { alice: "alice-pw", bob: "bob-pw" } as const;

const usersFiles = new Map<string, Promise<string>>();
/**
 * The users file. By default alice has a bcrypt hash in the `$2y$` spelling htpasswd -B writes and
 * bob an argon2id hash; with `bcryptCost` both have bcrypt hashes of that cost (alike, and cheap
 * unless a test needs verifications long enough to overlap).
 */
function users(bcryptCost: number | undefined): Promise<string> {
  const key = String(bcryptCost ?? "mixed");
  let file = usersFiles.get(key);
  if (!file) {
    file =
      bcryptCost === undefined
        ? (async () => {
            const alice = bcrypt.hashSync(PASSWORDS.alice, 4).replace(/^\$2b\$/, "$2y$");
            const bob = await hashPassword(PASSWORDS.bob, "argon2id");
            return `alice:${alice}\nbob:${bob}\n`;
          })()
        : Promise.resolve(`alice:${bcrypt.hashSync(PASSWORDS.alice, bcryptCost)}\nbob:${bcrypt.hashSync(PASSWORDS.bob, bcryptCost)}\n`);
    usersFiles.set(key, file);
  }
  return file;
}

export type LogEvent = Record<string, unknown> & { event?: string; rule?: string };

export interface RunningMsa {
  server: SubmissionServer;
  graph: RuleGraph;
  /** Bound ports in listener order. */
  ports: number[];
  port: number;
  logs: LogEvent[];
  dir: string;
  /** The policy file path. */
  file: string;
  lines: string[];
  /** The test PKI of the `{TLS}` line (a policy without one has none: making it costs time). */
  readonly pki: TestPki;
  /** `FILE:LINE` of the first policy line that starts with `prefix`. */
  rule(prefix: string): string;
  /** The same line as a graph origin (comments in a policy give hand-made limits a FILE:LINE). */
  origin(prefix: string): RuleOrigin;
  stop(): Promise<void>;
}

export interface MsaOptions extends Partial<Omit<SubmissionServerOptions, "log" | "portOverride" | "failedAuthDelayMs">> {
  /** The delay before a failed login's reply: 20 ms by default, `"policy"` for the policy's own growing delay. */
  failedAuthDelayMs?: number | "policy";
  /** Edits the compiled `graph.limits` (limits the language cannot say yet, or made fast for a test). */
  limits?: (defaults: LimitsConfig, origin: (prefix: string) => RuleOrigin) => LimitsConfig;
  /** Both logins get bcrypt hashes of this cost (see `users`). */
  bcryptCost?: number;
  /** When the server is stopped: after the test file (the default) or after the current test. */
  stopAfter?: "file" | "test";
}

// A short grace: at the end of a test nothing in flight is waited for.
const STOP_GRACE_MS = 200;

const stopAfterFile: (() => Promise<void>)[] = [];
const nextHops: NextHop[] = [];
/** What the current test started (servers, clients), stopped newest first after it. */
export const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of cleanup.splice(0).reverse()) await stop();
});
// Servers before next hops: a server may hold pooled sessions with one.
afterAll(async () => {
  await Promise.all(stopAfterFile.splice(0).map((stop) => stop()));
  await Promise.all(nextHops.splice(0).map((hop) => hop.stop()));
});

export const TLS = (pki: TestPki) => `tls certificate "${pki.certPath}" key "${pki.keyPath}"`;

/**
 * Starts msa with `lines` as its policy. `{TLS}` in a line is replaced by the test PKI's
 * tls rule; `{DIR}` by the temporary folder.
 */
export async function startMsa(lines: readonly string[], options: MsaOptions = {}): Promise<RunningMsa> {
  const { failedAuthDelayMs = 20, limits, bcryptCost, stopAfter = "file", ...serverOptions } = options;
  const pki = lines.includes("{TLS}") ? await makeTestPki() : undefined;
  const dir = await mkdtemp(join(tmpdir(), "msa-server-"));
  // Removed by stop(), or at once when the server does not start.
  const removeDir = () => rm(dir, { recursive: true, force: true });
  await writeFile(join(dir, "users.passwd"), await users(bcryptCost));
  const expanded = lines.map((l) => (l === "{TLS}" && pki ? TLS(pki) : l.replaceAll("{DIR}", dir)));
  const file = join(dir, "policy.msa");
  const text = expanded.join("\n") + "\n";
  await writeFile(file, text);
  const compiled = compilePolicy(file, text);
  const errors = compiled.diagnostics.filter((d) => d.severity === "error");
  if (!compiled.graph) {
    await removeDir();
    throw new Error(`policy does not compile: ${errors.map((d) => d.message).join("; ")}`);
  }
  const lineOf = (prefix: string): number => {
    const index = expanded.findIndex((l) => l.startsWith(prefix));
    if (index < 0) throw new Error(`no policy line starts with ${prefix}`);
    return index + 1;
  };
  const origin = (prefix: string): RuleOrigin => ({ file, line: lineOf(prefix), span: { start: 0, end: 0 } });
  const graph: RuleGraph = limits ? { ...compiled.graph, limits: limits(compiled.graph.limits, origin) } : compiled.graph;
  const logs: LogEvent[] = [];
  const log = createEventLog(
    { ...graph, log: { ...graph.log, level: "debug" } },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as LogEvent);
      },
    },
  );
  const server = new SubmissionServer(graph, {
    log,
    portOverride: graph.listeners.map(() => 0),
    ...(failedAuthDelayMs === "policy" ? {} : { failedAuthDelayMs }),
    ...serverOptions,
  });
  try {
    await server.start();
  } catch (error) {
    await removeDir();
    throw error;
  }
  let stopped = false;
  const msa: RunningMsa = {
    server,
    graph,
    ports: server.ports,
    port: server.ports[0]!,
    logs,
    dir,
    file,
    lines: expanded,
    get pki() {
      if (!pki) throw new Error("the policy has no {TLS} line, so the test has no PKI");
      return pki;
    },
    rule: (prefix) => `${file}:${lineOf(prefix)}`,
    origin,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop(STOP_GRACE_MS);
      await removeDir();
    },
  };
  (stopAfter === "test" ? cleanup : stopAfterFile).push(() => msa.stop());
  return msa;
}

/** A next hop, and msa with the policy `lines(hop's URL)` relaying to it; both stopped after the file. */
export async function startMsaWithNextHop(lines: (hopUrl: string) => string[], options: MsaOptions = {}): Promise<{ hop: NextHop; msa: RunningMsa }> {
  const hop = await startNextHop();
  nextHops.push(hop);
  return { hop, msa: await startMsa(lines(hop.url), options) };
}

/**
 * The head most submission policies of the wire tests share: STARTTLS (its port replaced by a
 * free one), AUTH from the test users, TLS and a login required, `example.test` to qualify with.
 */
export const SUBMISSION_POLICY = [
  "hostname msa.example.test",
  "{TLS}",
  "listen 127.0.0.1:2587 starttls",
  'auth users "users.passwd"',
  "require tls",
  "require auth",
  "qualify domains example.test",
] as const;

/** A plain loopback listener with AUTH required and a local spool: the head of the tests of limits, which need no TLS. */
export const PLAIN_POLICY = [
  "hostname msa.example.test",
  "listen 127.0.0.1:2525 plain",
  'auth users "users.passwd"',
  "require auth",
  "qualify domains example.test",
  'deliver spool "spool"',
] as const;

export const b64 = (text: string) => Buffer.from(text).toString("base64");
/** `AUTH PLAIN` with the initial response. */
export const authPlain = (login: string, password: string) => `AUTH PLAIN ${b64(`\0${login}\0${password}`)}`;

/**
 * Submits `raw` with nodemailer as `login` over STARTTLS (the test CA trusted): the server's reply
 * to the end of DATA, or the reply that refused the message.
 */
export async function submitAs(msa: RunningMsa, login: keyof typeof PASSWORDS, envelope: { from: string; to: string[] }, raw: string): Promise<string> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: msa.port,
    requireTLS: true,
    tls: { ca: msa.pki.caCertPem, servername: "localhost" },
    auth: { user: login, pass: PASSWORDS[login] },
  });
  try {
    return (await transport.sendMail({ envelope, raw })).response;
  } catch (error) {
    return (error as { response?: string }).response ?? String(error);
  } finally {
    transport.close();
  }
}

/** The start of a session as alice: EHLO, STARTTLS, EHLO again and AUTH (five replies with the greeting). */
export const AS_ALICE = ["EHLO client.example", "STARTTLS", "EHLO client.example", authPlain("alice", PASSWORDS.alice)] as const;

/** The reply's first line, code and enhanced code only: `250 2.0.0`. */
export const codes = (reply: string | undefined) => (reply ?? "(none)").split("\n").at(-1)!.split(" ").slice(0, 2).join(" ");

/** Rejection events (those with `event: reject`). */
export const rejections = (logs: LogEvent[]) => logs.filter((l) => l.event === "reject");
