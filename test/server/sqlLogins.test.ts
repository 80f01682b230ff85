// `auth sql` end to end: msa with a policy that checks logins in a real PostgreSQL cluster,
// clients logging in over STARTTLS, MAIL FROM judged by the addresses the senders query
// returns, and a database outage answered 454 while the server keeps serving.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoginDatabase, PASSWORD_QUERY, SENDERS_QUERY, SQL_PASSWORDS, startLoginDatabase } from "../auth/sqlLoginDatabase.js";
import { rawSmtp } from "../support/smtplib.js";
import { authPlain, codes, rejections, type RunningMsa, startMsa, SUBMISSION_POLICY } from "./harness.js";

type SqlLogin = keyof typeof SQL_PASSWORDS;

describe("auth sql", () => {
  let dir: string;
  let database: LoginDatabase;
  let msa: RunningMsa;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "msa-sql-server-"));
    database = await startLoginDatabase(dir);
    const authSql = `auth sql "${database.url}" password "${database.passwordFile}" password query "${PASSWORD_QUERY}" senders query "${SENDERS_QUERY}"`;
    msa = await startMsa([...SUBMISSION_POLICY.map((line) => (line.startsWith("auth users") ? authSql : line)), 'deliver spool "spool"']);
  });
  afterAll(async () => {
    await msa.stop();
    await database.cluster.remove();
    await rm(dir, { recursive: true, force: true });
  });

  /** Logs in over STARTTLS and tries MAIL FROM: the replies to AUTH and to MAIL. */
  async function loginAndMail(login: string, password: string, from: string): Promise<{ auth: string; mail: string }> {
    const replies = await rawSmtp(msa.port, ["EHLO client.example", "STARTTLS", "EHLO client.example", authPlain(login, password), `MAIL FROM:<${from}>`], {
      ca: msa.pki.caCertPem,
    });
    return { auth: codes(replies[4]), mail: codes(replies[5]) };
  }

  /** Submits a message with nodemailer as `login`: the final reply. */
  async function submit(login: SqlLogin, from: string): Promise<string> {
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: msa.port,
      requireTLS: true,
      tls: { ca: msa.pki.caCertPem, servername: "localhost" },
      auth: { user: login, pass: SQL_PASSWORDS[login] },
    });
    try {
      const raw = `From: <${from}>\r\nTo: <someone@example.net>\r\nSubject: from SQL\r\n\r\nhello\r\n`;
      return (await transport.sendMail({ envelope: { from, to: ["someone@example.net"] }, raw })).response;
    } catch (error) {
      return (error as { response?: string }).response ?? String(error);
    } finally {
      transport.close();
    }
  }

  it("logs in with bcrypt and argon2id hashes from the table and lets each send as its rows allow", async () => {
    expect(codes(await submit("alice", "sales@example.test"))).toBe("250 2.0.0");
    expect(codes(await submit("bob", "anyone@example.org"))).toBe("250 2.0.0");
  });

  it("refuses MAIL FROM an address the senders query did not return, naming the auth sql line", async () => {
    expect(await loginAndMail("alice", SQL_PASSWORDS.alice, "bob@example.test")).toEqual({ auth: "235 2.7.0", mail: "550 5.7.1" });
    // bob's only row is @example.org: not even his own login's address.
    expect(await loginAndMail("bob", SQL_PASSWORDS.bob, "bob@example.test")).toEqual({ auth: "235 2.7.0", mail: "550 5.7.1" });
    const refused = rejections(msa.logs).filter((event) => event.stage === "mail");
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.every((event) => event.rule === msa.rule("auth sql"))).toBe(true);
  });

  it("takes a login with a quote in it as a value, and its `*` row allows any sender", async () => {
    expect(await loginAndMail("o'brien", SQL_PASSWORDS["o'brien"], "anybody@anywhere.example")).toEqual({ auth: "235 2.7.0", mail: "250 2.1.0" });
    expect(await loginAndMail("x' OR '1'='1", SQL_PASSWORDS.alice, "alice@example.test")).toMatchObject({ auth: "535 5.7.8" });
  });

  it("answers 535 to a wrong password and to an unknown login", async () => {
    expect((await loginAndMail("alice", SQL_PASSWORDS.bob, "alice@example.test")).auth).toBe("535 5.7.8");
    expect((await loginAndMail("mallory", SQL_PASSWORDS.alice, "alice@example.test")).auth).toBe("535 5.7.8");
  });

  it("answers 454 while the database is down, keeps serving, and logs in again once it is back", async () => {
    await database.cluster.stop();
    try {
      const replies = await rawSmtp(msa.port, ["EHLO client.example", "STARTTLS", "EHLO client.example", authPlain("alice", SQL_PASSWORDS.alice), "NOOP"], {
        ca: msa.pki.caCertPem,
      });
      expect(codes(replies[4])).toBe("454 4.7.0");
      // The session goes on: the client may retry later in it or in another.
      expect(codes(replies[5])).toBe("250 2.0.0");
      const unavailable = msa.logs.filter((event) => event.event === "auth-unavailable");
      expect(unavailable.at(-1)).toMatchObject({ login: "alice" });
      expect(String(unavailable.at(-1)?.reason)).toMatch(/password query failed/);
    } finally {
      await database.cluster.start();
    }
    expect(codes(await submit("alice", "alice@example.test"))).toBe("250 2.0.0");
  });
});
