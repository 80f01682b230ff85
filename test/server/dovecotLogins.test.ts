// `auth dovecot` over the wire: msa checks SMTP AUTH PLAIN and LOGIN with a real Dovecot (a
// passwd-file passdb and a PostgreSQL one), over its unix socket and its TCP listener. Wrong
// passwords are 535; Dovecot down or silent is 454 4.7.0 and msa keeps serving; Dovecot back means
// logins work again without restarting msa.
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addSqlUsers, startDovecot, type DovecotServer } from "../auth/dovecotServer.js";
import { type PostgresCluster, startPostgres } from "../support/postgres.js";
import type { NextHop } from "../support/nextHop.js";
import { scriptedListener } from "../support/scriptedListener.js";
import { rawSmtp, runSmtplib } from "../support/smtplib.js";
import { authPlain, b64, codes, type RunningMsa, startMsa, startMsaWithNextHop } from "./harness.js";

const USERS = { "alice@example.test": "alice-pw", "bob@example.test": "bob-pw" };
const SQL_USERS = { "carol@example.test": "carol-pw" };
// Starting PostgreSQL and Dovecot, and stopping Dovecot, take seconds on a busy machine.
const SLOW_MS = 90_000;

const policy = (socket: string, extra: string[] = []) => [
  "hostname msa.example.test",
  "{TLS}",
  "listen 127.0.0.1:2587 starttls",
  `auth dovecot "${socket}"`,
  "require tls",
  "require auth",
  "qualify domains example.test",
  ...extra,
];

let postgres: PostgresCluster;
let dovecot: DovecotServer;
let msa: RunningMsa;
let hop: NextHop;

beforeAll(async () => {
  postgres = await startPostgres();
  await addSqlUsers(postgres, SQL_USERS);
  dovecot = await startDovecot({ users: USERS, postgres });
  const started = await startMsaWithNextHop((url) => policy(dovecot.socketPath, [`deliver relay ${url}`]));
  msa = started.msa;
  hop = started.hop;
}, SLOW_MS);

afterAll(async () => {
  await msa?.stop();
  await dovecot?.remove();
});

/** Sends one message as `login` with nodemailer (AUTH PLAIN after STARTTLS): the final reply, or the refusal. */
async function send(target: RunningMsa, login: string, password: string): Promise<string> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: target.port,
    requireTLS: true,
    tls: { ca: target.pki.caCertPem, servername: "localhost" },
    auth: { user: login, pass: password, method: "PLAIN" },
  });
  try {
    const raw = `From: ${login}\r\nTo: someone@example.test\r\nSubject: via Dovecot\r\n\r\nHello.\r\n`;
    return (await transport.sendMail({ envelope: { from: login, to: ["someone@example.test"] }, raw })).response;
  } catch (error) {
    return (error as { response?: string }).response ?? String(error);
  } finally {
    transport.close();
  }
}

/** A session up to AUTH over STARTTLS: the replies in order (greeting, EHLO, STARTTLS, EHLO, then those to `auth`). */
function authenticate(target: RunningMsa, auth: string[]): Promise<string[]> {
  return rawSmtp(target.port, ["EHLO client.example", "STARTTLS", "EHLO client.example", ...auth], { ca: target.pki.caCertPem, timeoutMs: 20_000 });
}

const authEvents = (target: RunningMsa, event: string) => target.logs.filter((l) => l.event === event);

describe("logins checked by Dovecot", () => {
  it("takes a message from a passwd-file login with AUTH PLAIN (nodemailer, STARTTLS) and hands it on", async () => {
    expect(codes(await send(msa, "alice@example.test", "alice-pw"))).toBe("250 2.0.0");
    await hop.waitUntil((messages) => messages.some((m) => m.mailFrom === "alice@example.test"), 10_000);
    expect(authEvents(msa, "auth").at(-1)).toMatchObject({ login: "alice@example.test", method: "PLAIN" });
  });

  it("takes a message from a login only the SQL passdb knows, with AUTH LOGIN (smtplib), under the name Dovecot gives it", async () => {
    const script = `
import os, smtplib, ssl
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]))
s.starttls(context=ssl.create_default_context(cafile=os.environ["CA"]))
s.ehlo()
s.user, s.password = "Carol@Example.TEST", os.environ["PW"]
print(s.auth("LOGIN", s.auth_login, initial_response_ok=False))
print(s.sendmail("carol@example.test", ["someone@example.test"], "From: carol@example.test\\r\\nSubject: hi\\r\\n\\r\\nHello.\\r\\n"))
s.quit()
`;
    const result = await runSmtplib(script, { CA: msa.pki.caPath, PORT: String(msa.port), PW: SQL_USERS["carol@example.test"] });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("(235,");
    await hop.waitUntil((messages) => messages.some((m) => m.mailFrom === "carol@example.test"), 10_000);
    expect(authEvents(msa, "auth").at(-1)).toMatchObject({ login: "carol@example.test", typed: "Carol@Example.TEST", method: "LOGIN" });
  });

  it("asks Dovecot through its TCP listener as well", async () => {
    const overTcp = await startMsa(policy(`inet:127.0.0.1:${dovecot.port}`), { stopAfter: "test" });
    const replies = await authenticate(overTcp, [authPlain("bob@example.test", "bob-pw")]);
    expect(codes(replies.at(-1))).toBe("235 2.7.0");
  });

  it("answers a wrong password and an unknown login with 535 5.7.8, logging Dovecot's answer (and Dovecot logs the client's address)", async () => {
    const replies = await authenticate(msa, [authPlain("alice@example.test", "wrong"), "AUTH LOGIN", b64("nobody@example.test"), b64("alice-pw")]);
    expect(codes(replies[4])).toBe("535 5.7.8");
    expect(codes(replies.at(-1))).toBe("535 5.7.8");
    expect(authEvents(msa, "auth-failed").slice(-2)).toMatchObject([
      { login: "alice@example.test", reason: "Dovecot refused the login" },
      { login: "nobody@example.test", reason: "Dovecot refused the login" },
    ]);
    expect(dovecot.log).toContain("passwd-file(alice@example.test,127.0.0.1): Password mismatch");
  });
});

describe("Dovecot going away", () => {
  it(
    "answers 454 4.7.0 while Dovecot is stopped, keeps serving, and takes logins again once it is back",
    async () => {
      await dovecot.stop();
      try {
        const replies = await authenticate(msa, [authPlain("alice@example.test", "alice-pw"), "NOOP"]);
        expect(codes(replies[4])).toBe("454 4.7.0");
        // The session goes on: the client may try again.
        expect(codes(replies[5])).toBe("250 2.0.0");
        expect(authEvents(msa, "auth-unavailable").at(-1)).toMatchObject({ login: "alice@example.test", source: `Dovecot ${dovecot.socketPath}` });
        expect(String(authEvents(msa, "auth-unavailable").at(-1)?.reason)).toMatch(/cannot reach Dovecot|closed the connection/);
        // Not a wrong password: nothing counted against the login.
        expect(authEvents(msa, "auth-failed").filter((e) => e.login === "alice@example.test" && e.reason === undefined)).toEqual([]);
      } finally {
        await dovecot.restart();
      }
      expect(codes(await send(msa, "alice@example.test", "alice-pw"))).toBe("250 2.0.0");
    },
    SLOW_MS,
  );
});

describe("a Dovecot socket that never answers", () => {
  let path: string;
  beforeAll(async () => {
    path = `${dovecot.socketPath}-silent`;
    await scriptedListener(path);
  });

  it("answers 454 4.7.0 once the policy's timeout has passed, and the session goes on", async () => {
    const stuck = await startMsa(
      [...policy(path), "timeout command 5m"].map((line) => (line.startsWith("auth dovecot") ? `${line} timeout 1s` : line)),
      { stopAfter: "test" },
    );
    const replies = await authenticate(stuck, [authPlain("alice@example.test", "alice-pw"), "NOOP"]);
    expect(codes(replies[4])).toBe("454 4.7.0");
    expect(codes(replies[5])).toBe("250 2.0.0");
    expect(authEvents(stuck, "auth-unavailable").at(-1)).toMatchObject({ reason: "no handshake from Dovecot within 1000 ms" });
  });
});
