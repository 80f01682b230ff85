// A mail database for the `auth sql` tests in a fresh PostgreSQL cluster: a `users` table of
// password hashes (bcrypt, argon2id), an `aliases` table of the addresses each login may use,
// and a role `msa` that may only read them, with its password in a file.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as argon2 from "argon2";
import bcrypt from "bcryptjs";
import { startPostgres, type PostgresCluster } from "../support/postgres.js";

export const SQL_PASSWORDS = { alice: "alice-pw", bob: "bob-pw", "o'brien": "obrien-pw", carol: "carol-pw" } as const;
export const DATABASE_PASSWORD = "msa-db-secret";
export const PASSWORD_QUERY = "SELECT password FROM users WHERE login = $1";
export const SENDERS_QUERY = "SELECT address FROM aliases WHERE login = $1";

export interface LoginDatabase {
  cluster: PostgresCluster;
  /** The URL msa connects with, without the password. */
  url: string;
  /** A file holding the `msa` role's password. */
  passwordFile: string;
}

/** A cluster with the mail database; `dir` receives the password file. */
export async function startLoginDatabase(dir: string): Promise<LoginDatabase> {
  const cluster = await startPostgres();
  await cluster.sql(`CREATE ROLE msa LOGIN PASSWORD '${DATABASE_PASSWORD}'`);
  await cluster.sql("CREATE DATABASE mail");
  // Carol's login appears twice in different case: a query comparing case-insensitively returns two rows for her.
  await cluster.sql(
    `CREATE TABLE users (login text PRIMARY KEY, password text);
     CREATE TABLE aliases (login text NOT NULL, address text NOT NULL);
     GRANT SELECT ON users, aliases TO msa;`,
    undefined,
    "mail",
  );
  const hashes = {
    alice: bcrypt.hashSync(SQL_PASSWORDS.alice, 4),
    // Cheap argon2id parameters keep the test fast; the algorithm is the same.
    bob: await argon2.hash(SQL_PASSWORDS.bob, { type: argon2.argon2id, memoryCost: 4096, timeCost: 2, parallelism: 1 }),
    "o'brien": bcrypt.hashSync(SQL_PASSWORDS["o'brien"], 4).replace(/^\$2b\$/, "$2y$"),
    carol: bcrypt.hashSync(SQL_PASSWORDS.carol, 4),
  };
  for (const [login, hash] of [...Object.entries(hashes), ["Carol", hashes.carol]]) {
    await cluster.sql("INSERT INTO users (login, password) VALUES ($1, $2)", [login, hash], "mail");
  }
  for (const [login, address] of [
    ["alice", "alice@example.test"],
    ["alice", "sales@example.test"],
    ["bob", "@example.org"],
    ["o'brien", "*"],
  ]) {
    await cluster.sql("INSERT INTO aliases (login, address) VALUES ($1, $2)", [login, address], "mail");
  }
  const passwordFile = join(dir, "database.secret");
  await writeFile(passwordFile, `${DATABASE_PASSWORD}\n`, { mode: 0o600 });
  return { cluster, url: `postgresql://msa@127.0.0.1:${cluster.port}/mail`, passwordFile };
}
