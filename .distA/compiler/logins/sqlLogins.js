import { formatDuration } from "../duration.js";
import { quote } from "../rules/ruleModule.js";
/** Connections to the database at most: a login holds one for two short queries, so a few serve many logins. */
export const DEFAULT_SQL_POOL_SIZE = 4;
/** How long connecting or one query may take before the login is answered 454. */
export const DEFAULT_SQL_TIMEOUT_MS = 5_000;
const MAX_SQL_POOL_SIZE = 100;
/**
 * The checked values. Every problem is reported; a wrong pool size or timeout falls back to its
 * default, since the policy does not compile with an error in it anyway.
 */
export function checkSqlLogins(written, context) {
    checkUrl(written.url, context);
    checkQuery(written.passwordQuery, "password query", context);
    if (written.sendersQuery)
        checkQuery(written.sendersQuery, "senders query", context);
    return {
        url: written.url.value,
        ...(written.passwordFile ? { passwordFile: written.passwordFile } : {}),
        passwordQuery: written.passwordQuery.value,
        ...(written.sendersQuery ? { sendersQuery: written.sendersQuery.value } : {}),
        poolSize: written.pool ? poolSize(written.pool, context) : DEFAULT_SQL_POOL_SIZE,
        timeoutMs: (written.timeout && context.duration(written.timeout)) ?? DEFAULT_SQL_TIMEOUT_MS,
    };
}
function poolSize(pool, context) {
    const size = context.positive(pool);
    if (size === undefined)
        return DEFAULT_SQL_POOL_SIZE;
    if (size > MAX_SQL_POOL_SIZE) {
        context.report("limitTooLarge", pool.span, `a pool of \`${size}\` connections is more than msa opens to one database`, {
            hint: `at most ${MAX_SQL_POOL_SIZE}; a handful serves many logins`,
        });
    }
    return size;
}
/** The graph's form of the checked rule: paths resolved against the policy's folder. */
export function lowerSqlLogins(sql, origin, resolve) {
    return {
        kind: "sql",
        url: sql.url,
        passwordPath: sql.passwordFile ? resolve(sql.passwordFile.value) : null,
        passwordQuery: sql.passwordQuery,
        sendersQuery: sql.sendersQuery ?? null,
        poolSize: sql.poolSize,
        timeoutMs: sql.timeoutMs,
        origin,
    };
}
/** The rule as `msac print` writes it, defaults left out. */
export function printSqlLogins(sql, path) {
    return [
        `auth sql ${quote(sql.url)}`,
        sql.passwordPath === null ? "" : ` password ${quote(path(sql.passwordPath))}`,
        ` password query ${quote(sql.passwordQuery)}`,
        sql.sendersQuery === null ? "" : ` senders query ${quote(sql.sendersQuery)}`,
        sql.poolSize === DEFAULT_SQL_POOL_SIZE ? "" : ` pool ${sql.poolSize}`,
        sql.timeoutMs === DEFAULT_SQL_TIMEOUT_MS ? "" : ` timeout ${formatDuration(sql.timeoutMs)}`,
    ].join("");
}
function checkUrl(url, context) {
    const bad = (message) => context.report("invalidSqlUrl", url.span, message, { hint: "write `postgresql://USER@HOST:PORT/DATABASE`" });
    let parsed;
    try {
        parsed = new URL(url.value);
    }
    catch {
        return bad(`\`${url.value}\` is not a URL`);
    }
    if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:")
        return bad(`\`${parsed.protocol}//\` is not a PostgreSQL URL`);
    // libpq takes a Unix socket folder as `?host=/run/postgresql` when the URL names no host.
    if (parsed.hostname === "" && !parsed.searchParams.get("host"))
        return bad(`\`${url.value}\` names no database host`);
    if (parsed.pathname.length <= 1)
        return bad(`\`${url.value}\` names no database`);
    // libpq reads `?password=` as it reads `user:password@`.
    const inQuery = parsed.searchParams.get("password");
    if (parsed.password !== "" || inQuery !== null) {
        context.report("sqlPasswordInUrl", parsed.password !== "" ? passwordSpan(url, parsed.password) : url.span, "the database password is written in the policy", {
            hint: 'put it in a file readable only by msa and name it with `password "FILE"`',
        });
    }
}
// The password sits between the first `:` after `//` and the `@`; underline it when it is found as written.
function passwordSpan(url, password) {
    const at = url.value.indexOf(`:${password}@`);
    if (at < 0)
        return url.span;
    // A quoted URL's span covers its quotes too; a quoted one with escapes in it keeps the whole underline.
    const quoted = url.span.end - url.span.start === url.value.length + 2;
    if (!quoted && url.span.end - url.span.start !== url.value.length)
        return url.span;
    const start = url.span.start + (quoted ? 1 : 0) + at + 1;
    return { start, end: start + password.length };
}
/** The numbered parameters a query uses; msa gives only `$1`, the login. */
function checkQuery(query, what, context) {
    const used = new Set([...query.value.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
    const beyond = [...used].filter((n) => n !== 1).sort((a, b) => a - b);
    if (beyond.length > 0) {
        context.report("sqlQueryParameters", query.span, `the ${what} uses \`$${beyond[0]}\`, but msa passes only the login, as \`$1\``);
    }
    else if (!used.has(1)) {
        context.report("sqlQueryParameters", query.span, `the ${what} does not use \`$1\`, the login`, {
            hint: "msa passes the login as a parameter: write `... WHERE login = $1`",
        });
    }
}
//# sourceMappingURL=sqlLogins.js.map