// The Dovecot auth protocol client against a real Dovecot (passwd-file and PostgreSQL passdbs):
// answers, canonical user names, both mechanisms, many requests on one connection, Dovecot going
// away and coming back, and a listener that never answers (the one edge a real Dovecot cannot show).
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DovecotAuthClient, tabEscape, tabUnescape, type DovecotAnswer } from "../../runtime/auth/dovecotAuthClient.js";
import { eventually } from "../support/eventually.js";
import { scriptedListener } from "../support/scriptedListener.js";
import { startProcess } from "../support/processes.js";
import { addSqlUsers, startDovecot, type DovecotServer } from "./dovecotServer.js";
import { type PostgresCluster, startPostgres } from "../support/postgres.js";
import { postgresBin } from "../../bench/servers/postgresCluster.js";

const USERS = { "alice@example.test": "alice-pw", "bob@example.test": "bob-pw" };
const SQL_USERS = { "carol@example.test": "carol-pw" };

let postgres: PostgresCluster;
let dovecot: DovecotServer;
const clients: DovecotAuthClient[] = [];
// A test that starts (and stops) a Dovecot of its own; stopping one takes seconds on a busy machine.
const OWN_DOVECOT_MS = 90_000;

beforeAll(async () => {
  postgres = await startPostgres();
  await addSqlUsers(postgres, SQL_USERS);
  dovecot = await startDovecot({ users: USERS, postgres });
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await dovecot?.remove();
});

function clientOf(endpoint: ConstructorParameters<typeof DovecotAuthClient>[0], timeoutMs = 10_000): DovecotAuthClient {
  const client = new DovecotAuthClient(endpoint, { timeoutMs });
  clients.push(client);
  return client;
}

const ask = (client: DovecotAuthClient, login: string, password: string, remoteAddress = "127.0.0.1"): Promise<DovecotAnswer> =>
  client.authenticate({ login, password, remoteAddress, localAddress: "127.0.0.1", secured: true });

describe("a running Dovecot", () => {
  it("accepts a good password on the unix socket and names the login as Dovecot canonicalises it", async () => {
    const client = clientOf({ kind: "unix", path: dovecot.socketPath });
    expect(await ask(client, "alice@example.test", "alice-pw")).toEqual({ kind: "ok", user: "alice@example.test" });
    expect(await ask(client, "Bob@Example.TEST", "bob-pw")).toEqual({ kind: "ok", user: "bob@example.test" });
  });

  it("answers on its TCP listener as on the socket", async () => {
    const client = clientOf({ kind: "inet", host: "127.0.0.1", port: dovecot.port });
    expect(await ask(client, "alice@example.test", "alice-pw")).toEqual({ kind: "ok", user: "alice@example.test" });
  });

  it("refuses a wrong password and an unknown login", async () => {
    const client = clientOf({ kind: "unix", path: dovecot.socketPath });
    expect((await ask(client, "alice@example.test", "wrong", "192.0.2.10")).kind).toBe("fail");
    expect((await ask(client, "nobody@example.test", "alice-pw", "192.0.2.11")).kind).toBe("fail");
  });

  it("passes on the client's address and whether the session is encrypted (the SQL passdb takes encrypted sessions only)", async () => {
    const client = clientOf({ kind: "unix", path: dovecot.socketPath });
    const plain = await client.authenticate({ login: "carol@example.test", password: "carol-pw", remoteAddress: "192.0.2.14", localAddress: "192.0.2.1", secured: false });
    expect(plain.kind).toBe("fail");
    expect(dovecot.log).toContain("sql(carol@example.test,192.0.2.14)");
    // Another address: Dovecot delays the next login from an address that just failed.
    const secured = await client.authenticate({ login: "carol@example.test", password: "carol-pw", remoteAddress: "192.0.2.15", localAddress: "192.0.2.1", secured: true });
    expect(secured).toEqual({ kind: "ok", user: "carol@example.test" });
  });

  it("accepts a login that only the SQL passdb knows, and refuses it a wrong password", async () => {
    const client = clientOf({ kind: "unix", path: dovecot.socketPath });
    expect(await ask(client, "carol@example.test", "carol-pw")).toEqual({ kind: "ok", user: "carol@example.test" });
    expect((await ask(client, "carol@example.test", "alice-pw", "192.0.2.12")).kind).toBe("fail");
  });

  it("keeps many requests apart on one connection, each answered for its own login", async () => {
    const client = clientOf({ kind: "unix", path: dovecot.socketPath });
    const logins = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0 ? ["bob@example.test", "bob-pw"] : i % 3 === 1 ? ["carol@example.test", "carol-pw"] : ["alice@example.test", "alice-pw"],
    );
    const answers = await Promise.all(logins.map(([login, password]) => ask(client, login!, password!)));
    expect(answers).toEqual(logins.map(([login]) => ({ kind: "ok", user: login })));
  });

  it(
    "signs in with LOGIN when Dovecot does not offer PLAIN",
    async () => {
      const loginOnly = await startDovecot({ users: USERS, mechanisms: "login" });
      try {
        const client = clientOf({ kind: "unix", path: loginOnly.socketPath });
        expect(await ask(client, "alice@example.test", "alice-pw")).toEqual({ kind: "ok", user: "alice@example.test" });
        expect((await ask(client, "alice@example.test", "wrong", "192.0.2.13")).kind).toBe("fail");
      } finally {
        await loginOnly.remove();
      }
    },
    OWN_DOVECOT_MS,
  );
});

describe("Dovecot going away", () => {
  it(
    "answers unavailable while Dovecot is down, and reconnects once it is back",
    async () => {
      const own = await startDovecot({ users: USERS });
      try {
        const client = clientOf({ kind: "unix", path: own.socketPath });
        expect((await ask(client, "alice@example.test", "alice-pw")).kind).toBe("ok");
        await own.stop();
        const down = await ask(client, "alice@example.test", "alice-pw");
        expect(down.kind).toBe("unavailable");
        await own.restart();
        expect(await ask(client, "alice@example.test", "alice-pw")).toEqual({ kind: "ok", user: "alice@example.test" });
      } finally {
        await own.remove();
      }
    },
    OWN_DOVECOT_MS,
  );

  it(
    "answers unavailable when nothing listens on the TCP port",
    async () => {
      const own = await startDovecot({ users: USERS });
      const port = own.port;
      await own.remove();
      const answer = await ask(clientOf({ kind: "inet", host: "127.0.0.1", port }), "alice@example.test", "alice-pw");
      expect(answer).toMatchObject({ kind: "unavailable", reason: expect.stringContaining("ECONNREFUSED") });
    },
    OWN_DOVECOT_MS,
  );

  it(
    "answers a request in flight unavailable when its connection drops, and reconnects for the next",
    async () => {
      const own = await startDovecot({ users: USERS, postgres });
      // The SQL passdb's query waits behind this lock, so carol's request stays in flight.
      const lock = startProcess(`${postgresBin()}/psql`, [
        "-h",
        postgres.socketDir,
        "-p",
        String(postgres.port),
        "-U",
        "postgres",
        "-c",
        "BEGIN; LOCK TABLE mail_users; SELECT pg_sleep(60);",
      ]);
      try {
        await eventually(lockHeld, 10_000, 50);
        const client = clientOf({ kind: "unix", path: own.socketPath }, 60_000);
        const inFlight = ask(client, "carol@example.test", "carol-pw");
        await eventually(async () => (await sqlWaiting()) > 0, 10_000, 50);
        await own.killAuthProcess();
        expect(await inFlight).toEqual({ kind: "unavailable", reason: "Dovecot closed the connection" });
        await releaseLock();
        // Dovecot's master starts a new auth process; the client connects to it.
        await eventually(async () => (await ask(client, "alice@example.test", "alice-pw")).kind === "ok", 20_000, 200);
        expect(await ask(client, "carol@example.test", "carol-pw")).toEqual({ kind: "ok", user: "carol@example.test" });
      } finally {
        await releaseLock();
        await lock.stop("SIGKILL");
        await own.remove();
      }
    },
    OWN_DOVECOT_MS,
  );
});

describe("a listener that never answers", () => {
  let path: string;
  let accepted: Socket[];
  beforeAll(async () => {
    path = `${dovecot.socketPath}-silent`;
    ({ accepted } = await scriptedListener(path));
  });

  it("answers unavailable after the request's timeout, and tries a fresh connection for the next request", async () => {
    const client = clientOf({ kind: "unix", path }, 300);
    expect(await ask(client, "alice@example.test", "alice-pw")).toMatchObject({ kind: "unavailable", reason: expect.stringContaining("no handshake") });
    expect(await ask(client, "alice@example.test", "alice-pw")).toMatchObject({ kind: "unavailable" });
    expect(accepted.length).toBe(2);
  });
});

describe("a listener that shakes hands, then never answers a request", () => {
  let path: string;
  let accepted: Socket[];
  beforeAll(async () => {
    path = `${dovecot.socketPath}-mute`;
    ({ accepted } = await scriptedListener(path, "VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nSPID\t1\nCUID\t1\nCOOKIE\t00\nDONE\n"));
  });

  it("drops the connection after a request times out, so the next login opens a fresh one", async () => {
    const client = clientOf({ kind: "unix", path }, 300);
    expect(await ask(client, "alice@example.test", "alice-pw")).toMatchObject({ kind: "unavailable", reason: expect.stringContaining("no answer") });
    expect(await ask(client, "alice@example.test", "alice-pw")).toMatchObject({ kind: "unavailable", reason: expect.stringContaining("no answer") });
    expect(accepted.length).toBe(2);
  });
});

describe("tab escaping", () => {
  it("round-trips the characters Dovecot escapes", () => {
    const value = "a\tb\nc\rd\x01e\0f";
    expect(tabEscape(value)).toBe("a\x01tb\x01nc\x01rd\x011e\x010f");
    expect(tabUnescape(tabEscape(value))).toBe(value);
  });
});

async function lockHeld(): Promise<boolean> {
  return (
    (await sqlCount("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'mail_users' AND l.mode = 'AccessExclusiveLock' AND l.granted")) > 0
  );
}

/** Ends the session holding the lock (killing psql would leave its server process sleeping). */
async function releaseLock(): Promise<void> {
  await postgres.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'BEGIN; LOCK TABLE mail_users%'");
}

async function sqlWaiting(): Promise<number> {
  return sqlCount("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'mail_users' AND NOT l.granted");
}

async function sqlCount(query: string): Promise<number> {
  return Number((await postgres.sql(query)).rows[0]!.count);
}
