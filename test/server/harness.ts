// Runs a SubmissionServer in-process for wire tests: writes a policy (with users
// and the test PKI) into a temporary folder, compiles it, binds port 0 and
// collects the JSON log events in an array.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll } from "vitest";
import { compilePolicy } from "../../compiler/compile.js";
import type { RuleGraph } from "../../graph/graph.js";
import { hashPassword } from "../../runtime/auth/passwordHash.js";
import { createEventLog } from "../../runtime/log.js";
import type { DeliveryContext } from "../../runtime/deliver/delivery.js";
import type { CounterStore } from "../../runtime/limits/counterStore.js";
import { SubmissionServer } from "../../runtime/submissionServer.js";
import { makeTestPki, type TestPki } from "../support/certificates.js";
import { startNextHop, type NextHop } from "../support/nextHop.js";

export const PASSWORDS = { alice: "alice-pw", bob: "bob-pw" } as const;

let usersFile: Promise<string> | undefined;
/** alice has a bcrypt hash in the `$2y$` spelling htpasswd -B writes, bob an argon2id hash. */
function users(): Promise<string> {
  usersFile ??= (async () => {
    const alice = bcrypt.hashSync(PASSWORDS.alice, 4).replace(/^\$2b\$/, "$2y$");
    const bob = await hashPassword(PASSWORDS.bob, "argon2id");
    return `alice:${alice}\nbob:${bob}\n`;
  })();
  return usersFile;
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
  pki: TestPki;
  /** `FILE:LINE` of the first policy line that starts with `prefix`. */
  rule(prefix: string): string;
  stop(): Promise<void>;
}

const running: RunningMsa[] = [];
const nextHops: NextHop[] = [];
// Every msa and next hop a test file starts is stopped after it, the servers first (they may
// hold pooled sessions with a next hop).
afterAll(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
  await Promise.all(nextHops.splice(0).map((h) => h.stop()));
});

export const TLS = (pki: TestPki) => `tls certificate "${pki.certPath}" key "${pki.keyPath}"`;

/**
 * Starts msa with `lines` as its policy. `{TLS}` in a line is replaced by the test PKI's
 * tls rule; `{DIR}` by the temporary folder.
 */
export async function startMsa(
  lines: string[],
  options: { failedAuthDelayMs?: number; delivery?: DeliveryContext; handshakeTimeoutMs?: number; limitsStore?: CounterStore } = {},
): Promise<RunningMsa> {
  const pki = await makeTestPki();
  const dir = await mkdtemp(join(tmpdir(), "msa-server-"));
  await writeFile(join(dir, "users.passwd"), await users());
  const expanded = lines.map((l) => (l === "{TLS}" ? TLS(pki) : l.replaceAll("{DIR}", dir)));
  const file = join(dir, "policy.msa");
  const text = expanded.join("\n") + "\n";
  await writeFile(file, text);
  const compiled = compilePolicy(file, text);
  const errors = compiled.diagnostics.filter((d) => d.severity === "error");
  if (!compiled.graph) throw new Error(`policy does not compile: ${errors.map((d) => d.message).join("; ")}`);
  const graph = compiled.graph;
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
    failedAuthDelayMs: options.failedAuthDelayMs ?? 20,
    ...(options.delivery ? { delivery: options.delivery } : {}),
    ...(options.handshakeTimeoutMs ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
    ...(options.limitsStore ? { limitsStore: options.limitsStore } : {}),
  });
  await server.start();
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
    pki,
    rule(prefix) {
      const index = expanded.findIndex((l) => l.startsWith(prefix));
      if (index < 0) throw new Error(`no policy line starts with ${prefix}`);
      return `${file}:${index + 1}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop(500);
      await rm(dir, { recursive: true, force: true });
    },
  };
  running.push(msa);
  return msa;
}

/** A next hop, and msa with the policy `lines(hop's URL)` relaying to it; both stopped after the file. */
export async function startMsaWithNextHop(lines: (hopUrl: string) => string[], options: Parameters<typeof startMsa>[1] = {}): Promise<{ hop: NextHop; msa: RunningMsa }> {
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

export const b64 = (text: string) => Buffer.from(text).toString("base64");
/** `AUTH PLAIN` with the initial response. */
export const authPlain = (login: string, password: string) => `AUTH PLAIN ${b64(`\0${login}\0${password}`)}`;

/** The start of a session as alice: EHLO, STARTTLS, EHLO again and AUTH (five replies with the greeting). */
export const AS_ALICE = ["EHLO client.example", "STARTTLS", "EHLO client.example", authPlain("alice", PASSWORDS.alice)] as const;

/** The reply's first line, code and enhanced code only: `250 2.0.0`. */
export const codes = (reply: string | undefined) => (reply ?? "(none)").split("\n").at(-1)!.split(" ").slice(0, 2).join(" ");

/** Rejection events (those with `event: reject`). */
export const rejections = (logs: LogEvent[]) => logs.filter((l) => l.event === "reject");

/** Polls until `predicate` holds (log events are written asynchronously from the client's view). */
export async function eventually(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
