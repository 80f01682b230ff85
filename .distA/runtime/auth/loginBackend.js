import { DovecotLogins } from "./dovecotLogins.js";
import { SqlLogins } from "./sqlLogins.js";
import { LdapLogins } from "./ldapLogins.js";
import { loadUserTable } from "./userTable.js";
/** A source's error for an `unavailable` reason: its message, with its code (`ECONNREFUSED`, SQLSTATE) when the message lacks it. */
export function describeSourceError(error) {
    if (!(error instanceof Error))
        return String(error);
    const code = error.code;
    return typeof code === "string" && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}
/** Opens the source a graph names; throws when it cannot be set up at all (an unreadable users file), so a start or reload fails. */
export async function openLoginBackend(source, log) {
    switch (source.kind) {
        case "usersFile": {
            const users = await loadUserTable(source.path);
            for (const warning of users.warnings) {
                log.warn({ event: "users-file", line: warning.line, message: warning.message }, "users file line skipped");
            }
            return {
                name: `users file ${source.path}`,
                verify: async (login, password) => ((await users.verify(login, password)) ? { kind: "accepted" } : { kind: "rejected" }),
                close: async () => { },
            };
        }
        case "sql":
            return SqlLogins.open(source, log);
        case "ldap":
            return LdapLogins.open(source);
        case "dovecot":
            return new DovecotLogins(source);
    }
}
//# sourceMappingURL=loginBackend.js.map