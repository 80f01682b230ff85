// `msac import postfix` against a real Postfix: each configuration in test/fixtures/postfix is run
// by Debian's Postfix (a private config and queue folder, loopback ports chosen here, SASL logins
// in a Cyrus sasldb) and by msa with the policy the import wrote; the same SMTP sessions go to both
// and every command must get the same outcome class (2xx, 3xx, 4xx, 5xx). Where what is handed on
// matters (sender rewriting), both relay to one recording next hop and the messages are compared.
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheck } from "../../cli/check.js";
import { runImportPostfix } from "../../cli/import.js";
import { compilePolicy } from "../../compiler/compile.js";
import { hashPassword } from "../../runtime/auth/passwordHash.js";
import { createEventLog } from "../../runtime/log.js";
import { startQueueRunner } from "../../runtime/queue/queueFromPolicy.js";
import { SubmissionServer } from "../../runtime/submissionServer.js";
import { makeTestPki } from "../support/certificates.js";
import { freePort, waitUntilListening } from "../support/freePort.js";
import { type NextHop, startNextHop } from "../support/nextHop.js";
import { playSession, type SessionStep } from "./importPostfixSessions.js";
import { captureIo } from "./support.js";

const PASSWORDS = { alice: "alice-pw", bob: "bob-pw" } as const;
const authPlain = (login: keyof typeof PASSWORDS, password: string = PASSWORDS[login]) => `AUTH PLAIN ${Buffer.from(`\0${login}\0${password}`).toString("base64")}`;
/** A message with these header fields and a body of about `bodyBytes`. */
const message = (headers: string, bodyBytes = 200) => `From: someone@example.org\r\nTo: friend@example.org\r\n${headers}\r\n\r\n${"y\r\n".repeat(Math.ceil(bodyBytes / 3))}`;

// Postfix runs as root (it drops to its own user): CI here does. Say so rather than pass or skip.
const whyNot =
  process.getuid?.() !== 0
    ? "Postfix can only be started by root (postfix start needs to set up its queue owned by the postfix user)"
    : spawnSync("/usr/sbin/postconf", ["-d", "mail_version"]).status !== 0
      ? "Debian's postfix is not installed (test/debianPackages.mjs installs it)"
      : undefined;

/** One configuration run by Postfix and by msa: `compare` plays a session against both. */
interface Pair {
  dir: string;
  /** The CA both servers' certificate chains to. */
  ca: string;
  policy: string;
  ports: { postfix: number; msa: number }[];
  stop(): Promise<void>;
}

/** `relayTo`: both servers hand accepted mail to this next hop (Postfix's relayhost, which the import turns into msa's relay); else Postfix discards it. */
async function startPair(fixture: string, relayTo?: NextHop): Promise<Pair> {
  // Every test of a configuration fails with the reason, rather than passing unchecked.
  if (whyNot) throw new Error(`not compared with Postfix: ${whyNot}`);
  const dir = mkdtempSync(join(tmpdir(), `msa-postfix-${fixture}-`));
  try {
    return await startPairIn(dir, fixture, relayTo);
  } catch (error) {
    // No Pair, so no stop(): a Postfix that got started (its master wrote a pid file) is stopped here.
    if (existsSync(join(dir, "queue", "pid", "master.pid"))) spawnSync("/usr/sbin/postfix", ["-c", dir, "stop"]);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startPairIn(dir: string, fixture: string, relayTo: NextHop | undefined): Promise<Pair> {
  chmodSync(dir, 0o755);
  const source = join("test", "fixtures", "postfix", fixture);
  for (const file of readdirSync(source)) copyFileSync(join(source, file), join(dir, file));
  const postfixPorts = [await freePort(), await freePort(), await freePort()];
  let next = 0;
  const master = readFileSync(join(dir, "master.cf"), "utf8").replace(/^(submissions?|127\.0\.0\.1:\d+) /gm, () => `127.0.0.1:${postfixPorts[next++]} `);
  writeFileSync(join(dir, "master.cf"), master);
  // What only this test needs: its own queue, log file and loopback address; accepted mail is dropped.
  const runtime = {
    compatibility_level: "3.6",
    queue_directory: join(dir, "queue"),
    data_directory: join(dir, "data"),
    mail_owner: "postfix",
    setgid_group: "postdrop",
    maillog_file: join(dir, "maillog"),
    maillog_file_prefixes: dir,
    inet_interfaces: "127.0.0.1",
    inet_protocols: "ipv4",
    mydestination: "",
    ...(relayTo ? { relayhost: `[${relayTo.host}]:${relayTo.port}`, default_transport: "smtp" } : { default_transport: "discard" }),
  };
  writeFileSync(
    join(dir, "main.cf"),
    `${readFileSync(join(dir, "main.cf"), "utf8")}\n${Object.entries(runtime)
      .map(([k, v]) => `${k} = ${v}`)
      .join("\n")}\n`,
  );
  const pki = await makeTestPki();
  copyFileSync(pki.certPath, join(dir, "cert.pem"));
  copyFileSync(pki.keyPath, join(dir, "key.pem"));
  mkdirSync(join(dir, "queue"));
  mkdirSync(join(dir, "data"));
  chownSync(join(dir, "data"), Number(spawnSync("id", ["-u", "postfix"], { encoding: "utf8" }).stdout.trim()), 0);
  // Cyrus SASL (Debian looks in CONFIG_DIRECTORY/sasl): the same logins and passwords msa gets.
  mkdirSync(join(dir, "sasl"));
  writeFileSync(join(dir, "sasl", "smtpd.conf"), `pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: ${join(dir, "sasldb2")}\nmech_list: PLAIN LOGIN\n`);
  const hostname = run("/usr/sbin/postconf", ["-c", dir, "-h", "myhostname"]).trim();
  for (const [login, password] of Object.entries(PASSWORDS)) run("/usr/sbin/saslpasswd2", ["-p", "-c", "-f", join(dir, "sasldb2"), "-u", hostname, login], `${password}\n`);
  chmodSync(join(dir, "sasldb2"), 0o644);
  for (const line of readFileSync(join(dir, "main.cf"), "utf8").matchAll(/hash:\$\{config_directory\}\/(\S+)/g))
    run("/usr/sbin/postmap", ["-c", dir, `hash:${join(dir, line[1]!)}`]);
  run("/usr/sbin/postfix", ["-c", dir, "start"]);
  let postfixRunning = true;

  // The import, from the same files Postfix runs.
  mkdirSync(join(dir, "msa"));
  const policy = join(dir, "msa", "policy.msa");
  const io = captureIo();
  expect(runImportPostfix(join(dir, "main.cf"), join(dir, "master.cf"), { output: policy }, io), io.err()).toBe(0);
  writeFileSync(join(dir, "msa", "users.passwd"), `alice:${await hashPassword(PASSWORDS.alice, "argon2id")}\nbob:${await hashPassword(PASSWORDS.bob, "argon2id")}\n`);
  const text = readFileSync(policy, "utf8");
  const graph = compilePolicy(policy, text).graph!;
  const msaPorts = await Promise.all(graph.listeners.map(() => freePort()));
  const server = new SubmissionServer(graph, { log: createEventLog(graph, { write: () => undefined }), portOverride: msaPorts, failedAuthDelayMs: 20 });
  await server.start();
  // msac serve runs the spool's queue runner beside the server; so does this test when mail goes on.
  const queue = relayTo ? startQueueRunner(graph, { info() {}, warn() {}, error() {} }, { pollIntervalMs: 50 }) : undefined;
  await waitForPorts(postfixPorts.slice(0, next));
  return {
    dir,
    ca: pki.caCertPem,
    policy,
    ports: graph.listeners.map((listener, index) => ({ postfix: listener.port, msa: msaPorts[index]! })),
    async stop() {
      await server.stop(200);
      await queue?.stop();
      if (postfixRunning) run("/usr/sbin/postfix", ["-c", dir, "stop"]);
      postfixRunning = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function run(command: string, args: string[], input?: string): string {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 30_000, ...(input === undefined ? {} : { input }) });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}`);
  return result.stdout;
}

/** Postfix's master opens its listeners just after `postfix start` returns. */
async function waitForPorts(ports: number[]): Promise<void> {
  for (const port of ports) await waitUntilListening(port, "Postfix");
}

/** Plays `steps` on the listener `index` of both servers and returns both outcome lists. */
async function compare(pair: Pair, index: number, steps: SessionStep[], options: { tls?: boolean; localAddress?: string } = {}) {
  const { ca } = pair;
  const ports = pair.ports[index]!;
  const postfix = await playSession(steps, { port: ports.postfix, ca, ...options });
  const msa = await playSession(steps, { port: ports.msa, ca, ...options });
  return { postfix, msa };
}

describe("a small office (STARTTLS on 587, TLS on 465, a loopback application port, size and recipient limits)", () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair("office");
  }, 60_000);
  afterAll(() => pair?.stop());

  it("the imported policy passes msac check without errors", () => {
    const io = captureIo();
    expect(runCheck([pair.policy], { format: "text" }, io), io.out()).toBe(0);
    expect(io.out()).not.toMatch(/error/);
  });

  it("refuses mail and AUTH before STARTTLS and mail without a login, as Postfix does", async () => {
    const { postfix, msa } = await compare(pair, 0, [
      "EHLO client.example",
      "MAIL FROM:<alice@office.example>",
      authPlain("alice"),
      "STARTTLS",
      "EHLO client.example",
      "MAIL FROM:<alice@office.example>",
      "QUIT",
    ]);
    expect(postfix.map(([, c]) => c)).toEqual(["2xx", "2xx", "5xx", "5xx", "2xx", "2xx", "5xx", "2xx"]);
    expect(msa).toEqual(postfix);
  });

  it("takes a login's mail up to the recipient limit, unqualified sender included, and refuses a wrong password", async () => {
    const rcpts = [1, 2, 3, 4, 5, 6].map((n) => `RCPT TO:<friend${n}@example.org>`);
    const { postfix, msa } = await compare(pair, 0, [
      "EHLO client.example",
      "STARTTLS",
      "EHLO client.example",
      authPlain("alice", "wrong"),
      authPlain("alice"),
      "MAIL FROM:<alice>",
      ...rcpts,
      { data: message("Subject: minutes") },
      "QUIT",
    ]);
    expect(postfix.filter(([, c]) => c === "4xx").map(([cmd]) => cmd)).toEqual(["RCPT TO:<friend6@example.org>"]);
    expect(postfix.find(([cmd]) => cmd.startsWith("AUTH"))![1]).toBe("5xx");
    expect(msa).toEqual(postfix);
  });

  // Separate sessions: after refusing a declared SIZE, Postfix refuses every later MAIL of the
  // session with the same 552 (it keeps the declared size), where msa takes a MAIL without SIZE.
  it("refuses a message over message_size_limit, declared and sent, on implicit TLS", async () => {
    const declared = await compare(pair, 1, ["EHLO client.example", authPlain("bob"), "MAIL FROM:<bob@office.example> SIZE=6000000", "QUIT"], { tls: true });
    expect(declared.postfix.map(([, c]) => c)).toEqual(["2xx", "2xx", "2xx", "5xx", "2xx"]);
    expect(declared.msa).toEqual(declared.postfix);
    const sent = await compare(
      pair,
      1,
      ["EHLO client.example", authPlain("bob"), "MAIL FROM:<bob@office.example>", "RCPT TO:<friend@example.org>", { data: message("Subject: big", 6_000_000) }, "QUIT"],
      { tls: true },
    );
    expect(sent.postfix.map(([, c]) => c)).toEqual(["2xx", "2xx", "2xx", "2xx", "2xx", "3xx", "5xx", "2xx"]);
    expect(sent.msa).toEqual(sent.postfix);
  });

  // master.cf gives 465 its own message_size_limit (-o): the import's `on 465 { limit size 2MB }`.
  it("takes a 3 MB message on 587 and refuses it on 465, whose service has its own size limit", async () => {
    const transaction = ["EHLO client.example", authPlain("bob"), "MAIL FROM:<bob@office.example> SIZE=3000000", "RCPT TO:<friend@example.org>"];
    const on587 = await compare(pair, 0, ["EHLO client.example", "STARTTLS", ...transaction, { data: message("Subject: slides", 3_000_000) }, "QUIT"]);
    expect(on587.postfix.map(([, c]) => c)).toEqual(["2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "3xx", "2xx", "2xx"]);
    expect(on587.msa).toEqual(on587.postfix);
    const on465 = await compare(pair, 1, [...transaction, "QUIT"], { tls: true });
    expect(on465.postfix.find(([cmd]) => cmd.startsWith("MAIL"))![1]).toBe("5xx");
    expect(on465.msa).toEqual(on465.postfix);
    const sent465 = await compare(
      pair,
      1,
      ["EHLO client.example", authPlain("bob"), "MAIL FROM:<bob@office.example>", "RCPT TO:<friend@example.org>", { data: message("Subject: slides", 3_000_000) }, "QUIT"],
      { tls: true },
    );
    expect(sent465.postfix.find(([cmd]) => cmd === "end of data")![1]).toBe("5xx");
    expect(sent465.msa).toEqual(sent465.postfix);
  });

  // The application port's service: permit_mynetworks on loopback, the import's `on 127.0.0.1:2525 { allow unauthenticated }`.
  it("takes mail without a login on the loopback port and refuses the same session on 587", async () => {
    const steps: SessionStep[] = ["EHLO app.example", "MAIL FROM:<cron@office.example>", "RCPT TO:<admin@example.org>", { data: message("Subject: nightly report") }, "QUIT"];
    const apps = await compare(pair, 2, steps);
    expect(apps.postfix.map(([, c]) => c)).toEqual(["2xx", "2xx", "2xx", "2xx", "3xx", "2xx", "2xx"]);
    expect(apps.msa).toEqual(apps.postfix);
    const users = await compare(pair, 0, ["EHLO app.example", "STARTTLS", ...steps]);
    expect(users.postfix.filter(([, c]) => c === "5xx").length).toBeGreaterThan(0);
    expect(users.msa).toEqual(users.postfix);
  });
});

describe("a company (sender login maps, sender_canonical, header_checks, masquerading, archive copy)", () => {
  let pair: Pair;
  let nextHop: NextHop;
  beforeAll(async () => {
    nextHop = await startNextHop({ name: "mta.nexthop.example" });
    pair = await startPair("company", nextHop);
  }, 60_000);
  afterAll(async () => {
    await pair?.stop();
    await nextHop?.stop();
  });

  it("the imported policy passes msac check without errors, with the senders table beside it", () => {
    const io = captureIo();
    expect(runCheck([pair.policy], { format: "text" }, io), io.out()).toBe(0);
    expect(io.out()).not.toMatch(/error/);
    expect(readFileSync(join(pair.dir, "msa", "senders"), "utf8")).toContain("bob: sales@company.example, bob@company.example, @support.company.example");
  });

  it("lets each login send only as the addresses sender_login gives it", async () => {
    const { postfix, msa } = await compare(pair, 0, [
      "EHLO client.example",
      "STARTTLS",
      "EHLO client.example",
      "MAIL FROM:<sales@company.example>",
      authPlain("alice"),
      "MAIL FROM:<sales@company.example>",
      "RSET",
      "MAIL FROM:<ceo@company.example>",
      "MAIL FROM:<bob@company.example>",
      "MAIL FROM:<help@support.company.example>",
      "MAIL FROM:<alice@company.example>",
      "RCPT TO:<friend@example.org>",
      { data: message("Subject: hello") },
      "QUIT",
    ]);
    expect(postfix.filter(([, c]) => c === "5xx").map(([cmd]) => cmd)).toEqual([
      "MAIL FROM:<sales@company.example>",
      "MAIL FROM:<ceo@company.example>",
      "MAIL FROM:<bob@company.example>",
      "MAIL FROM:<help@support.company.example>",
    ]);
    expect(msa).toEqual(postfix);
  });

  it("refuses, strips and rewrites header fields as header_checks says, and stops looping mail", async () => {
    const transaction = (headers: string): SessionStep[] => ["MAIL FROM:<help@support.company.example>", "RCPT TO:<friend@example.org>", { data: message(headers) }];
    const { postfix, msa } = await compare(pair, 0, [
      "EHLO client.example",
      "STARTTLS",
      "EHLO client.example",
      authPlain("bob"),
      ...transaction("Subject: cheap CASINO chips"),
      ...transaction("Subject: [ext] minutes\r\nX-Originating-IP: [10.0.0.7]"),
      ...transaction("Subject: news\r\nX-Mailer: Mass Mailer 5"),
      ...transaction(`Subject: loop\r\n${"Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n".repeat(31).trimEnd()}`),
      "QUIT",
    ]);
    expect(postfix.filter(([cmd]) => cmd === "end of data").map(([, c]) => c)).toEqual(["5xx", "2xx", "5xx", "5xx"]);
    expect(msa).toEqual(postfix);
  });

  it("hands mail on with the senders sender_canonical gives, in MAIL FROM and From:, as Postfix does", async () => {
    const send = (server: "postfix" | "msa", login: "alice" | "bob", sender: string) =>
      playSession(
        [
          "EHLO client.example",
          "STARTTLS",
          "EHLO client.example",
          authPlain(login),
          `MAIL FROM:<${sender}>`,
          "RCPT TO:<friend@example.org>",
          { data: `From: Someone <${sender}>\r\nTo: friend@example.org\r\nSubject: canonical ${server} ${login}\r\n\r\nhello\r\n` },
          "QUIT",
        ],
        { port: pair.ports[0]![server], ca: pair.ca },
      );
    for (const server of ["postfix", "msa"] as const) {
      expect((await send(server, "alice", "sales@company.example")).find(([cmd]) => cmd === "end of data")![1]).toBe("2xx");
      expect((await send(server, "bob", "bob@company.example")).find(([cmd]) => cmd === "end of data")![1]).toBe("2xx");
    }
    const handedOn = (server: string, login: string) => {
      const found = nextHop.messages.find((m) => m.rcptTo.includes("friend@example.org") && m.raw.toString("latin1").includes(`Subject: canonical ${server} ${login}`));
      return found && { mailFrom: found.mailFrom, from: /^From: (.*)$/m.exec(found.raw.toString("latin1"))![1]!.trim() };
    };
    await nextHop.waitUntil(() => ["postfix", "msa"].every((server) => ["alice", "bob"].every((login) => handedOn(server, login))), 60_000);
    for (const server of ["postfix", "msa"]) {
      expect(handedOn(server, "alice"), server).toEqual({ mailFrom: "sales-team@company.example", from: "Someone <sales-team@company.example>" });
      expect(handedOn(server, "bob"), server).toEqual({ mailFrom: "robert@company.example", from: "Someone <robert@company.example>" });
    }
  }, 90_000);
});

describe("an ISP-like service (anvil rate limits, a relayhost with SASL)", () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair("isp");
  }, 60_000);
  afterAll(() => pair?.stop());

  it("the imported policy passes msac check without errors, with the relay's credentials beside it", () => {
    const io = captureIo();
    expect(runCheck([pair.policy], { format: "text" }, io), io.out()).toBe(0);
    expect(io.out()).not.toMatch(/error/);
    expect(readFileSync(pair.policy, "utf8")).toContain('deliver spool "spool" relay smtp://smarthost.isp.example:587 require tls auth "relay.secret"');
    expect(readFileSync(join(pair.dir, "msa", "relay.secret"), "utf8")).toBe("submit-relay:s3cret:with-colon\n");
  });

  it("holds the recipient limit and refuses a declared size over the limit", async () => {
    const rcpts = Array.from({ length: 21 }, (_, n) => `RCPT TO:<friend${n}@example.org>`);
    const declared = await compare(pair, 1, ["EHLO client.example", authPlain("alice"), "MAIL FROM:<alice@isp.example> SIZE=60000000", "QUIT"], { tls: true });
    expect(declared.postfix.map(([, c]) => c)).toEqual(["2xx", "2xx", "2xx", "5xx", "2xx"]);
    expect(declared.msa).toEqual(declared.postfix);
    const { postfix, msa } = await compare(pair, 1, ["EHLO client.example", authPlain("alice"), "MAIL FROM:<alice@isp.example>", ...rcpts, "QUIT"], { tls: true });
    expect(postfix.filter(([, c]) => c !== "2xx").map(([cmd, c]) => `${cmd} ${c}`)).toEqual(["RCPT TO:<friend20@example.org> 4xx"]);
    expect(msa).toEqual(postfix);
  });

  it("defers the fourth message a minute from one client, as anvil does", async () => {
    const transaction: SessionStep[] = ["MAIL FROM:<alice@isp.example>", "RCPT TO:<friend@example.org>", { data: message("Subject: one of many") }];
    const { postfix, msa } = await compare(
      pair,
      0,
      ["EHLO client.example", "STARTTLS", "EHLO client.example", authPlain("alice"), ...transaction, ...transaction, ...transaction, "MAIL FROM:<alice@isp.example>", "QUIT"],
      {
        localAddress: "127.0.0.3",
      },
    );
    expect(postfix.at(-2)).toEqual(["MAIL FROM:<alice@isp.example>", "4xx"]);
    expect(msa).toEqual(postfix);
  });
});
