import { childrenOf, located, part, parts, string, token } from "../../grammar/cstReader.js";
import { Duration, keywords, Name, NumberLiteral, Url } from "../../grammar/lexer.js";
import { quote } from "./ruleModule.js";
import { checkOauth, lowerOauth, printOauth } from "../logins/oauthLogins.js";
import { resolvePolicyPath } from "../checkFiles.js";
import { buildLdap, checkLdap, LDAP_KEYWORDS, LDAP_PRODUCTIONS, ldapAlternative, lowerLdap, printLdap } from "../logins/ldapLogins.js";
import { checkSqlLogins, lowerSqlLogins, printSqlLogins } from "../logins/sqlLogins.js";
import { checkDovecotLogins, lowerDovecotLogins, printDovecotLogins } from "../logins/dovecotLogins.js";
/** Whether the source gives each login the addresses it may send as (then it is a table of submission rights too). */
export function givesAddresses(source) {
    return source.kind === "ldap" || (source.kind === "sql" && source.sendersQuery !== undefined);
}
/** The words this rule is written with. */
const K = keywords("auth", "users", "sql", "password", "query", "senders", "pool", "timeout", "oauth", "issuer", "audience", "keys", "introspect", "client", "login", "claim", "dovecot");
/** The clauses of `auth oauth` that take a string. */
const OAUTH_CLAUSES = ["issuer", "audience", "keys", "introspect", "client"];
/** What every `auth` form shares: one login source per policy, whatever its form. */
function loginSourceFacts(name, source) {
    return {
        name,
        once: true,
        key: () => "auth",
        check: (rule, context) => {
            context.policy.logins = { value: source(rule, context), rule: rule.span };
        },
    };
}
export const authRule = {
    summary: "who checks the passwords of AUTH: the users file (one `LOGIN:HASH` line per login), PostgreSQL queries, an LDAP directory or Dovecot's auth service; and OAuth bearer tokens",
    grammar: {
        verb: K.auth,
        keywords: [...Object.values(K), ...Object.values(LDAP_KEYWORDS)],
        productions: [
            {
                name: "authRule",
                body: ($) => {
                    $.CONSUME(K.auth);
                    $.OR([
                        { ALT: () => $.SUBRULE($.production("authUsers")) },
                        { ALT: () => $.SUBRULE($.production("authSql")) },
                        { ALT: () => $.SUBRULE($.production("authLdap")) },
                        { ALT: () => $.SUBRULE($.production("authOauth")) },
                        { ALT: () => $.SUBRULE($.production("authDovecot")) },
                    ]);
                },
            },
            {
                // auth users "users.passwd"
                name: "authUsers",
                body: ($) => {
                    $.CONSUME(K.users);
                    $.SUBRULE($.stringValue);
                },
            },
            {
                // auth oauth issuer "URL" audience "NAME" keys "FILE-OR-URL" [login claim NAME]
                // auth oauth introspect "URL" audience "NAME" [client "FILE"] [login claim NAME]
                name: "authOauth",
                body: ($) => {
                    $.CONSUME(K.oauth);
                    $.MANY(() => {
                        $.OR([{ ALT: () => $.SUBRULE($.production("oauthClause")) }, { ALT: () => ($.CONSUME(K.login), $.CONSUME(K.claim), $.CONSUME(Name, { LABEL: "claim" })) }]);
                    });
                },
            },
            {
                // issuer "URL" | audience "NAME" | keys "FILE-OR-URL" | introspect "URL" | client "FILE"
                name: "oauthClause",
                body: ($) => {
                    $.OR(OAUTH_CLAUSES.map((word) => ({ ALT: () => $.CONSUME(K[word]) })));
                    $.SUBRULE($.stringValue);
                },
            },
            {
                // auth sql "postgresql://msa@db:5432/mail" [password "FILE"] password query "SQL" [senders query "SQL"] [pool N] [timeout D]
                name: "authSql",
                body: ($) => {
                    $.CONSUME(K.sql);
                    $.OR([{ ALT: () => $.SUBRULE($.stringValue, { LABEL: "url" }) }, { ALT: () => $.CONSUME(Url) }]);
                    $.OPTION(() => $.SUBRULE($.production("sqlPasswordFile")));
                    $.CONSUME(K.password);
                    $.CONSUME(K.query);
                    $.SUBRULE2($.stringValue, { LABEL: "passwordQuery" });
                    $.OPTION2(() => {
                        $.CONSUME(K.senders);
                        $.CONSUME2(K.query);
                        $.SUBRULE3($.stringValue, { LABEL: "sendersQuery" });
                    });
                    $.SUBRULE($.production("sqlPool"));
                },
            },
            {
                // password "FILE": the database password, on the file's first line
                name: "sqlPasswordFile",
                body: ($) => {
                    $.CONSUME(K.password);
                    $.SUBRULE($.stringValue);
                },
            },
            {
                // [pool N] [timeout DURATION]
                name: "sqlPool",
                body: ($) => {
                    $.OPTION(() => {
                        $.CONSUME(K.pool);
                        $.CONSUME(NumberLiteral);
                    });
                    $.OPTION2(() => {
                        $.CONSUME(K.timeout);
                        $.CONSUME(Duration);
                    });
                },
            },
            // auth ldap "ldaps://ldap.example.com" { bind "uid=%u,ou=people,dc=example,dc=com" }
            { name: "authLdap", body: ldapAlternative },
            ...LDAP_PRODUCTIONS,
            {
                // auth dovecot "/run/dovecot/auth-client" | auth dovecot "inet:127.0.0.1:12345" timeout 5s
                name: "authDovecot",
                body: ($) => {
                    $.CONSUME(K.dovecot);
                    $.SUBRULE($.stringValue);
                    $.OPTION(() => {
                        $.CONSUME(K.timeout);
                        $.CONSUME(Duration);
                    });
                },
            },
        ],
    },
    build: (c, base) => {
        const oauth = part(c, "authOauth");
        if (oauth) {
            const o = childrenOf(oauth);
            const claim = token(o, "claim");
            const clauses = { oauth: located(token(o, "KwOauth")) };
            for (const clause of parts(o, "oauthClause")) {
                const cc = childrenOf(clause);
                const word = OAUTH_CLAUSES.find((w) => token(cc, K[w].name));
                const value = string(cc);
                if (!word || !value)
                    continue;
                if (clauses[word])
                    (clauses.repeated ??= []).push(value);
                else
                    clauses[word] = value;
            }
            if (claim)
                clauses.claim = located(claim);
            return { kind: "authOauth", ...base, clauses };
        }
        const ldap = part(c, "authLdap");
        if (ldap)
            return buildLdap(childrenOf(ldap), base);
        const users = part(c, "authUsers");
        if (users) {
            const path = string(childrenOf(users));
            return path && { kind: "authUsers", ...base, path };
        }
        const dovecot = part(c, "authDovecot");
        if (dovecot) {
            const socket = string(childrenOf(dovecot));
            const duration = token(childrenOf(dovecot), "Duration");
            return socket && { kind: "authDovecot", ...base, socket, ...(duration ? { timeout: located(duration) } : {}) };
        }
        const sql = part(c, "authSql");
        if (!sql)
            return undefined;
        const s = childrenOf(sql);
        const urlToken = token(s, "Url");
        const url = urlToken ? located(urlToken) : string(s, "url");
        const passwordQuery = string(s, "passwordQuery");
        if (!url || !passwordQuery)
            return undefined;
        const inPart = (name) => {
            const found = part(s, name);
            return found ? childrenOf(found) : {};
        };
        const passwordFile = string(inPart("sqlPasswordFile"));
        const sendersQuery = string(s, "sendersQuery");
        const pool = token(inPart("sqlPool"), "NumberLiteral");
        const timeout = token(inPart("sqlPool"), "Duration");
        return {
            kind: "authSql",
            ...base,
            url,
            passwordQuery,
            ...(passwordFile ? { passwordFile } : {}),
            ...(sendersQuery ? { sendersQuery } : {}),
            ...(pool ? { pool: located(pool) } : {}),
            ...(timeout ? { timeout: located(timeout) } : {}),
        };
    },
    kinds: {
        authUsers: loginSourceFacts("auth users", (rule) => ({ kind: "usersFile", path: rule.path })),
        authSql: loginSourceFacts("auth sql", (rule, context) => ({ kind: "sql", ...checkSqlLogins(rule, context) })),
        authLdap: loginSourceFacts("auth ldap", (rule, context) => ({ kind: "ldap", ...checkLdap(rule, context) })),
        authDovecot: loginSourceFacts("auth dovecot", (rule, context) => checkDovecotLogins(rule.socket, rule.timeout, context)),
        authOauth: {
            name: "auth oauth",
            once: true,
            check: (rule, context) => {
                if (checkOauth(rule.clauses, context))
                    context.policy.oauth = { value: rule.clauses, rule: rule.span };
            },
        },
    },
    graph: (policy, at) => (policy.oauth ? { oauth: lowerOauth(policy.oauth.value, at, policy.oauth.rule) } : {}),
    printGraph: (graph, at) => (graph.oauth ? [{ text: printOauth(graph.oauth, at), origin: graph.oauth.origin }] : []),
};
export function lowerLogins(logins, at) {
    const source = logins.value;
    switch (source.kind) {
        case "usersFile":
            return { kind: "usersFile", path: resolvePolicyPath(at.file, source.path.value), origin: at.origin(logins.rule) };
        case "sql":
            return lowerSqlLogins(source, at.origin(logins.rule), (path) => resolvePolicyPath(at.file, path));
        case "ldap":
            return lowerLdap(source, at.file, at.origin(logins.rule));
        case "dovecot":
            return lowerDovecotLogins(source, at, logins.rule);
    }
}
export function printLogins(logins, at) {
    switch (logins.kind) {
        case "usersFile":
            return `auth users ${quote(at.path(logins.path))}`;
        case "sql":
            return printSqlLogins(logins, (path) => at.path(path));
        case "ldap":
            return printLdap(logins, at);
        case "dovecot":
            return printDovecotLogins(logins, at);
    }
}
//# sourceMappingURL=auth.js.map