// `auth sql`: logins checked against a password hash that a parameterised PostgreSQL query
// returns, and the addresses a login may send as from a second query, read at login.
// A database that cannot answer makes the login unavailable (454), never a refusal (535).
import { readFile } from "node:fs/promises";
import pg from "pg";
import { CredentialCache } from "./credentialCache.js";
import { describeSourceError } from "./loginBackend.js";
import { dummyVerify, prepareDummyHash, slowestToVerify, verifyPassword } from "./passwordHash.js";
export class SqlLogins {
    config;
    pool;
    cache;
    /** The database as logs name it, without a password the URL may carry. */
    name;
    /** The hash unknown logins are checked against is made like the costliest hash seen so far (argon2id's defaults before any). */
    likeHash;
    constructor(config, pool, cache) {
        this.config = config;
        this.pool = pool;
        this.cache = cache;
        this.name = `sql ${withoutPassword(config.url)}`;
    }
    /** Opens the pool (no connection yet: the database may be down when msa starts, and come up later). */
    static async open(config, log, cache = new CredentialCache()) {
        const pool = new pg.Pool({
            connectionString: config.passwordPath === null ? config.url : withPassword(config.url, firstLine(await readFile(config.passwordPath, "utf8"))),
            max: config.poolSize,
            connectionTimeoutMillis: config.timeoutMs,
            // Client side, so a server that stopped answering mid-query cannot hold a login.
            query_timeout: config.timeoutMs,
            statement_timeout: config.timeoutMs,
            idleTimeoutMillis: 30_000,
            allowExitOnIdle: true,
            application_name: "msa",
        });
        // An idle connection that the server closes (a restart) is only dropped from the pool; without a listener it would crash the process.
        pool.on("error", (error) => log.warn({ event: "sql-connection-lost", err: error.message }, "an idle database connection was closed"));
        await prepareDummyHash();
        return new SqlLogins(config, pool, cache);
    }
    async verify(login, password) {
        let rows;
        try {
            rows = await this.query(this.config.passwordQuery, login);
        }
        catch (error) {
            return { kind: "unavailable", reason: `password query failed: ${describeSourceError(error)}` };
        }
        const hash = rows.length === 1 ? rows[0][0] : undefined;
        if (typeof hash !== "string") {
            // The same work as a wrong password, so the reply's timing does not tell which logins exist.
            await dummyVerify(password, this.likeHash);
            if (rows.length === 0)
                return { kind: "rejected", reason: "unknown login" };
            if (rows.length > 1) {
                // A query that cannot tell the login's row (a case-insensitive match, a join that repeats): which row was meant is not guessed.
                return { kind: "rejected", reason: `the password query returned ${rows.length} rows for the login, so it is refused` };
            }
            return { kind: "rejected", reason: "the password query returned no text in its first column" };
        }
        this.likeHash = slowestToVerify(this.likeHash === undefined ? [hash] : [this.likeHash, hash]);
        const matches = await this.cache.verify(login, password, hash, () => verifyPassword(hash, password));
        if (!matches)
            return { kind: "rejected", reason: "wrong password" };
        if (this.config.sendersQuery === null)
            return { kind: "accepted" };
        try {
            const addresses = await this.query(this.config.sendersQuery, login);
            return { kind: "accepted", addresses: addresses.flatMap(([address]) => (typeof address === "string" && address.trim() !== "" ? [address.trim()] : [])) };
        }
        catch (error) {
            return { kind: "unavailable", reason: `senders query failed: ${describeSourceError(error)}` };
        }
    }
    close() {
        return this.pool.end();
    }
    // Always a parameterised query: the login travels as $1, never inside the SQL text.
    async query(text, login) {
        const result = await this.pool.query({ text, values: [login], rowMode: "array" });
        return result.rows;
    }
}
// pg lets the URL's fields win over separate options, a URL without a password included.
// libpq also takes the password as `?password=`, which would win over the file's.
function withPassword(url, password) {
    const parsed = new URL(url);
    parsed.password = encodeURIComponent(password);
    parsed.searchParams.delete("password");
    return parsed.href;
}
function withoutPassword(url) {
    const parsed = new URL(url);
    parsed.password = "";
    parsed.searchParams.delete("password");
    return parsed.href;
}
function firstLine(text) {
    return text.split(/\r?\n/, 1)[0];
}
//# sourceMappingURL=sqlLogins.js.map