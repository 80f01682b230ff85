// What checks a login's password for AUTH: the users file, or a site's own service. A service
// that cannot answer is not a wrong password: the client hears 454 4.7.0 and tries again later.
import type { Logger } from "pino";
import type { LoginSource } from "../../graph/graph.js";
import { DovecotLogins } from "./dovecotLogins.js";
import { loadUserTable } from "./userTable.js";

export type LoginResult =
  /**
   * `addresses`: what the login may use as sender, when the source keeps that (a directory's `mail`).
   * `login`: the login as the source names it, when it canonicalises what the client typed (Dovecot's `user=`).
   */
  | { kind: "accepted"; addresses?: string[]; login?: string }
  /** A wrong password or an unknown login; `reason` is for the log, never for the client. */
  | { kind: "rejected"; reason?: string }
  /** The source could not answer (down, timed out, protocol error). */
  | { kind: "unavailable"; reason: string };

/** The SMTP session a login is tried in, for sources that log it or judge by it (Dovecot's `rip`, `secured`). */
export interface LoginClient {
  remoteAddress: string;
  localAddress: string;
  /** TLS is active on the session. */
  secured: boolean;
}

/** A source's error for an `unavailable` reason: its message, with its code (`ECONNREFUSED`, SQLSTATE) when the message lacks it. */
export function describeSourceError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}

export interface LoginBackend {
  /** How logs name the source. */
  readonly name: string;
  /** Never throws: a failure to answer is `unavailable`. */
  verify(login: string, password: string, client?: LoginClient): Promise<LoginResult>;
  close(): Promise<void>;
}

/** Opens the source a graph names; throws when it cannot be set up at all (an unreadable users file), so a start or reload fails. */
export async function openLoginBackend(source: LoginSource, log: Logger): Promise<LoginBackend> {
  switch (source.kind) {
    case "usersFile": {
      const users = await loadUserTable(source.path);
      for (const warning of users.warnings) {
        log.warn({ event: "users-file", line: warning.line, message: warning.message }, "users file line skipped");
      }
      return {
        name: `users file ${source.path}`,
        verify: async (login, password) => ((await users.verify(login, password)) ? { kind: "accepted" } : { kind: "rejected" }),
        close: async () => {},
      };
    }
    // each client library loads only for the policy that names it
    case "sql":
      return (await import("./sqlLogins.js")).SqlLogins.open(source, log);
    case "ldap":
      return (await import("./ldapLogins.js")).LdapLogins.open(source);
    case "dovecot":
      return new DovecotLogins(source);
  }
}
