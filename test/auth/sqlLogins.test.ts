// The `auth sql` backend against a real PostgreSQL cluster: hashes and sender addresses from
// parameterised queries, unknown and ambiguous logins refused, a database that cannot answer
// (stopped, failing query, too slow) reported as unavailable, and the pool kept to its size.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SqlLoginConfig, SqlLogins } from "../../runtime/auth/sqlLogins.js";
import { type LoginDatabase, PASSWORD_QUERY, SENDERS_QUERY, SQL_PASSWORDS, startLoginDatabase } from "./sqlLoginDatabase.js";

const silent = pino({ level: "silent" });

describe("SqlLogins", () => {
  let dir: string;
  let database: LoginDatabase;
  const opened: SqlLogins[] = [];
  const open = async (changes: Partial<SqlLoginConfig> = {}): Promise<SqlLogins> => {
    const config: SqlLoginConfig = {
      url: database.url,
      passwordPath: database.passwordFile,
      passwordQuery: PASSWORD_QUERY,
      sendersQuery: SENDERS_QUERY,
      poolSize: 4,
      timeoutMs: 5_000,
      ...changes,
    };
    const logins = await SqlLogins.open(config, silent);
    opened.push(logins);
    return logins;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "msa-sql-"));
    database = await startLoginDatabase(dir);
  });
  afterAll(async () => {
    await Promise.all(opened.map((logins) => logins.close()));
    await database.cluster.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts bcrypt and argon2id hashes and returns the addresses of the senders query", async () => {
    const logins = await open();
    expect(await logins.verify("alice", SQL_PASSWORDS.alice)).toEqual({ kind: "accepted", addresses: ["alice@example.test", "sales@example.test"] });
    expect(await logins.verify("bob", SQL_PASSWORDS.bob)).toEqual({ kind: "accepted", addresses: ["@example.org"] });
  });

  it("keeps a `?password=` of the URL out of its name, and takes the password file's over it", async () => {
    const logins = await open({ url: `${database.url}?password=not-the-password` });
    expect(logins.name).not.toContain("not-the-password");
    expect(await logins.verify("alice", SQL_PASSWORDS.alice)).toMatchObject({ kind: "accepted" });
  });

  it("without a senders query, accepts with no addresses", async () => {
    const logins = await open({ sendersQuery: null });
    expect(await logins.verify("alice", SQL_PASSWORDS.alice)).toEqual({ kind: "accepted" });
  });

  it("refuses a wrong password and an unknown login, naming which in the reason", async () => {
    const logins = await open();
    expect(await logins.verify("alice", SQL_PASSWORDS.bob)).toEqual({ kind: "rejected", reason: "wrong password" });
    expect(await logins.verify("mallory", SQL_PASSWORDS.alice)).toEqual({ kind: "rejected", reason: "unknown login" });
  });

  it("passes a login with a quote as a parameter, so it neither breaks nor widens the query", async () => {
    const logins = await open();
    expect(await logins.verify("o'brien", SQL_PASSWORDS["o'brien"])).toEqual({ kind: "accepted", addresses: ["*"] });
    expect(await logins.verify("x' OR '1'='1", SQL_PASSWORDS.alice)).toEqual({ kind: "rejected", reason: "unknown login" });
  });

  it("refuses a login for which the password query returns several rows", async () => {
    const logins = await open({ passwordQuery: "SELECT password FROM users WHERE lower(login) = lower($1)" });
    expect(await logins.verify("carol", SQL_PASSWORDS.carol)).toEqual({
      kind: "rejected",
      reason: "the password query returned 2 rows for the login, so it is refused",
    });
  });

  it("is unavailable when a query fails or takes longer than the timeout", async () => {
    const failing = await open({ passwordQuery: "SELECT password FROM no_such_table WHERE login = $1" });
    const failed = await failing.verify("alice", SQL_PASSWORDS.alice);
    expect(failed.kind).toBe("unavailable");
    expect(failed).toMatchObject({ reason: expect.stringContaining('relation "no_such_table" does not exist') });

    const slow = await open({ passwordQuery: "SELECT password FROM users, pg_sleep(10) WHERE login = $1", timeoutMs: 300 });
    expect(await slow.verify("alice", SQL_PASSWORDS.alice)).toMatchObject({ kind: "unavailable" });

    const sendersFailing = await open({ sendersQuery: "SELECT address FROM no_such_table WHERE login = $1" });
    expect(await sendersFailing.verify("alice", SQL_PASSWORDS.alice)).toMatchObject({ kind: "unavailable", reason: expect.stringMatching(/^senders query failed/) });
  });

  it("opens no more connections than the pool size, however many logins arrive at once", async () => {
    // The URL's application_name tells this pool's connections from the other tests'; the short sleep makes the logins overlap.
    const logins = await open({
      url: `${database.url}?application_name=pool-of-two`,
      passwordQuery: "SELECT password FROM users, pg_sleep(0.05) WHERE login = $1",
      poolSize: 2,
    });
    const results = await Promise.all(Array.from({ length: 12 }, () => logins.verify("alice", SQL_PASSWORDS.alice)));
    expect(results.every((result) => result.kind === "accepted")).toBe(true);
    const { rows } = await database.cluster.sql("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pool-of-two'");
    expect(rows[0].n).toBe(2);
  });

  it("is unavailable while the database is down, and answers again once it is back", async () => {
    const logins = await open();
    expect(await logins.verify("alice", SQL_PASSWORDS.alice)).toMatchObject({ kind: "accepted" });
    await database.cluster.stop();
    try {
      const down = await logins.verify("alice", SQL_PASSWORDS.alice);
      expect(down.kind).toBe("unavailable");
    } finally {
      await database.cluster.start();
    }
    expect(await logins.verify("alice", SQL_PASSWORDS.alice)).toMatchObject({ kind: "accepted" });
  });
});
