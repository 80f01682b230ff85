// `auth sql "URL" [password "FILE"] password query "SQL" [senders query "SQL"] [pool N] [timeout D]`:
// the checks of its values (the URL, the queries' parameters) and its lowering. The database
// itself is never contacted here: the compiler has no network code.
import type { Located, Span } from "../../grammar/ast.js";
import type { CheckContext } from "../checkContext.js";

/** The parts of the rule as written. */
export interface SqlLoginsWritten {
  url: Located;
  passwordFile?: Located;
  passwordQuery: Located;
  sendersQuery?: Located;
  pool?: Located;
  timeout?: Located;
}

/** What the check keeps for lowering and for the file checks. */
export interface CheckedSqlLogins {
  url: string;
  passwordFile?: Located;
  passwordQuery: string;
  sendersQuery?: string;
  poolSize: number;
  timeoutMs: number;
}

/** Connections to the database at most: a login holds one for two short queries, so a few serve many logins. */
export const DEFAULT_SQL_POOL_SIZE = 4;
/** How long connecting or one query may take before the login is answered 454. */
export const DEFAULT_SQL_TIMEOUT_MS = 5_000;
const MAX_SQL_POOL_SIZE = 100;

/** The checked values, or undefined once something is reported that the server could not run with. */
export function checkSqlLogins(written: SqlLoginsWritten, context: CheckContext): CheckedSqlLogins | undefined {
  const urlOk = checkUrl(written.url, context);
  const passwordOk = checkQuery(written.passwordQuery, "password query", context);
  const sendersOk = written.sendersQuery === undefined || checkQuery(written.sendersQuery, "senders query", context);
  const poolSize = written.pool === undefined ? DEFAULT_SQL_POOL_SIZE : context.positive(written.pool);
  if (poolSize !== undefined && poolSize > MAX_SQL_POOL_SIZE) {
    context.report("limitTooLarge", written.pool!.span, `a pool of \`${poolSize}\` connections is more than msa opens to one database`, {
      hint: `at most ${MAX_SQL_POOL_SIZE}; a handful serves many logins`,
    });
    return undefined;
  }
  const timeoutMs = written.timeout === undefined ? DEFAULT_SQL_TIMEOUT_MS : context.duration(written.timeout);
  if (!urlOk || !passwordOk || !sendersOk || poolSize === undefined || timeoutMs === undefined) return undefined;
  return {
    url: written.url.value,
    ...(written.passwordFile ? { passwordFile: written.passwordFile } : {}),
    passwordQuery: written.passwordQuery.value,
    ...(written.sendersQuery ? { sendersQuery: written.sendersQuery.value } : {}),
    poolSize,
    timeoutMs,
  };
}

function checkUrl(url: Located, context: CheckContext): boolean {
  const bad = (message: string): false => {
    context.report("invalidSqlUrl", url.span, message, { hint: "write `postgresql://USER@HOST:PORT/DATABASE`" });
    return false;
  };
  let parsed: URL;
  try {
    parsed = new URL(url.value);
  } catch {
    return bad(`\`${url.value}\` is not a URL`);
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") return bad(`\`${parsed.protocol}//\` is not a PostgreSQL URL`);
  // libpq takes a Unix socket folder as `?host=/run/postgresql` when the URL names no host.
  if (parsed.hostname === "" && !parsed.searchParams.get("host")) return bad(`\`${url.value}\` names no database host`);
  if (parsed.pathname.length <= 1) return bad(`\`${url.value}\` names no database`);
  if (parsed.password !== "") {
    context.report("sqlPasswordInUrl", passwordSpan(url, parsed.password), "the database password is written in the policy", {
      hint: 'put it in a file readable only by msa and name it with `password "FILE"`',
    });
  }
  return true;
}

// The password sits between the first `:` after `//` and the `@`; underline it when it is found as written.
function passwordSpan(url: Located, password: string): Span {
  const at = url.value.indexOf(`:${password}@`);
  if (at < 0) return url.span;
  // A quoted URL's span covers its quotes too; a quoted one with escapes in it keeps the whole underline.
  const quoted = url.span.end - url.span.start === url.value.length + 2;
  if (!quoted && url.span.end - url.span.start !== url.value.length) return url.span;
  const start = url.span.start + (quoted ? 1 : 0) + at + 1;
  return { start, end: start + password.length };
}

/** The numbered parameters a query uses; msa gives only `$1`, the login. */
function checkQuery(query: Located, what: string, context: CheckContext): boolean {
  const used = new Set([...query.value.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])));
  const beyond = [...used].filter((n) => n !== 1).sort((a, b) => a - b);
  if (beyond.length > 0) {
    context.report("sqlQueryParameters", query.span, `the ${what} uses \`$${beyond[0]}\`, but msa passes only the login, as \`$1\``);
    return false;
  }
  if (!used.has(1)) {
    context.report("sqlQueryParameters", query.span, `the ${what} does not use \`$1\`, the login`, {
      hint: "msa passes the login as a parameter: write `... WHERE login = $1`",
    });
    return false;
  }
  return true;
}
