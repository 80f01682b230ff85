// Diagnostics as data: the catalogue of every code msac can report, and the
// Diagnostic value the phases produce. Rendering lives in `render.ts`; the long
// explanations here are what `docs/diagnostics.md` and `msac explain` show.
// Code ranges tell the phase: 1xxx syntax, 2xxx names, 3xxx values, 4xxx policy, 5xxx files.
import type { Span } from "../grammar/ast.js";

export type Severity = "error" | "warning";
export type Phase = "syntax" | "names" | "values" | "policy" | "files";

export interface CatalogueEntry {
  code: string;
  severity: Severity;
  phase: Phase;
  /** A short title for the docs. */
  title: string;
  /** What it means and what to do, for `docs/diagnostics.md` and `msac explain`. */
  explanation: string;
}

function entry(code: string, severity: Severity, phase: Phase, title: string, explanation: string): CatalogueEntry {
  return { code, severity, phase, title, explanation };
}

export const Catalogue = {
  syntaxError: entry("MSA1001", "error", "syntax", "syntax error",
    "The line does not match the form of its rule. The message names what was expected; `docs/language.md` shows every rule's form. One rule stands on one line."),
  unknownRule: entry("MSA1002", "error", "syntax", "unknown rule",
    "A rule starts with its verb: `hostname`, `tls`, `listen`, `auth`, `require`, `qualify`, `enforce`, `allow`, `senders`, `limit`, `add`, `log` or `deliver`. Keywords are lowercase."),
  unterminatedString: entry("MSA1003", "error", "syntax", "unterminated string",
    "A quoted string must end with `\"` on the same line. Write a backslash before a quote that is part of the string."),
  invalidCharacter: entry("MSA1004", "error", "syntax", "invalid character",
    "The character cannot start any token of the policy language."),

  duplicateRule: entry("MSA2001", "error", "names", "duplicate rule",
    "This rule may appear only once in a policy. Remove one of the two; the related location shows the other."),
  conflictingRules: entry("MSA2002", "error", "names", "conflicting rules",
    "Two rules set the same thing to different values (for example two `deliver` rules or two different `limit size`). msa never picks one silently: keep the one you mean."),
  duplicateLogin: entry("MSA2003", "error", "names", "login listed twice in `senders`",
    "Each login has one line in `senders`, listing every address it may use. Merge the two lines."),
  duplicateListener: entry("MSA2004", "error", "names", "two listeners on one port",
    "Two `listen` rules name the same address and port; the server could not bind both."),
  duplicateValue: entry("MSA2005", "warning", "names", "value repeated",
    "The same value is listed twice where once is enough; the second has no effect."),

  invalidSize: entry("MSA3001", "error", "values", "invalid size",
    "A size is a whole number followed by a unit: `B`, `KB`, `MB`, `GB` (powers of 1000) or `KiB`, `MiB`, `GiB` (powers of 1024), as in `10MB`. Units are case-sensitive."),
  notPositive: entry("MSA3002", "error", "values", "value must be positive",
    "A limit of zero would refuse every message or recipient. Use a positive value, or remove the rule to have no limit."),
  invalidPort: entry("MSA3003", "error", "values", "invalid port",
    "A port is a number from 1 to 65535."),
  invalidDomain: entry("MSA3004", "error", "values", "invalid domain name",
    "A domain name is dot-separated labels of letters, digits and hyphens (RFC 1035, RFC 5890 for internationalised names), each label 1 to 63 octets, not starting or ending with a hyphen, 255 octets in all."),
  unknownHeader: entry("MSA3005", "error", "values", "unknown header for `add`",
    "`add` completes a message with one of the fields an MSA may add (RFC 6409 section 8): `Date`, `Message-ID`, `Sender` or `Received`. Header names keep their usual capitalisation."),
  invalidAddress: entry("MSA3006", "error", "values", "invalid address",
    "An address in a policy is `local@domain` with a valid domain (RFC 5321 section 4.1.2)."),
  unknownLogLevel: entry("MSA3007", "error", "values", "unknown log level",
    "`log` takes `errors` (refusals and failures only), `info` (also connections, logins and accepted messages; the default) or `debug` (also every command)."),
  invalidRelayUrl: entry("MSA3008", "error", "values", "invalid relay URL",
    "The next hop is `smtp://HOST:PORT` (STARTTLS used when offered) or `smtps://HOST:PORT` (implicit TLS). The port defaults to 25 for smtp and 465 for smtps."),
  invalidListenAddress: entry("MSA3009", "error", "values", "invalid listen address",
    "A listener is a port (all addresses) or `ADDRESS:PORT` with an IPv4 address, `[IPv6]`, `localhost` or `*`."),
  limitTooLarge: entry("MSA3010", "error", "values", "value too large",
    "The value is larger than msa can honour (sizes up to 2GB, recipients up to 100000)."),

  submissionWithoutAuth: entry("MSA4001", "error", "policy", "submission listener without `require auth`",
    "RFC 6409 section 4.3 (and the whole point of port 587 and 465): submission requires authentication. A policy with a `starttls` or `tls` listener must say `require auth`. For loopback testing, `allow unauthenticated` is the explicit opt-out, accepted only when every listener is on a loopback address."),
  requireTlsWithoutTls: entry("MSA4002", "error", "policy", "`require tls` but no listener offers TLS",
    "With only `plain` listeners no client can ever start TLS, so under `require tls` the server could take no mail at all. Add a `starttls` or `tls` listener, or remove `require tls`."),
  tlsWithoutCertificate: entry("MSA4003", "error", "policy", "TLS listener without a certificate",
    "A `starttls` or `tls` listener needs `tls certificate \"FILE\" key \"FILE\"`."),
  requireAuthWithoutUsers: entry("MSA4004", "error", "policy", "`require auth` without `auth users`",
    "Nobody could ever authenticate: add `auth users \"FILE\"` with lines `LOGIN:HASH` (see `msac passwd`)."),
  rightsWithoutAuth: entry("MSA4005", "warning", "policy", "rule has no effect without authentication",
    "Submission rights (`senders`) and `add Sender` apply to authenticated sessions. Without `auth users` no session is ever authenticated, so the rule never applies."),
  plainWithoutAuth: entry("MSA4006", "warning", "policy", "listener takes mail without authentication",
    "The policy has no `require auth`: any client that reaches a listener may submit mail. That is meant for loopback tests only."),
  hostnameNotQualified: entry("MSA4007", "warning", "policy", "hostname is not fully qualified",
    "The hostname appears in the greeting, in Received fields and in every Message-ID the server adds; RFC 5321 section 4.1.4 wants a fully qualified domain name."),
  missingHostname: entry("MSA4008", "warning", "policy", "no `hostname`",
    "Without `hostname` the server uses the machine's host name, which is often not the name clients and other servers know it by."),
  unauthenticatedNotLoopback: entry("MSA4009", "error", "policy", "`allow unauthenticated` on a listener that is not loopback",
    "`allow unauthenticated` turns off authentication for submission; it is accepted only when every listener is bound to a loopback address (127.0.0.0/8, ::1, localhost), so an open relay cannot be written by accident."),
  unusedCertificate: entry("MSA4010", "warning", "policy", "certificate without a TLS listener",
    "`tls certificate` is given but every listener is `plain`, so the certificate is never used."),
  postmasterWithoutAuth: entry("MSA4011", "warning", "policy", "`allow postmaster` has no effect",
    "`allow postmaster` lets unauthenticated clients write to the postmaster under `require auth`; without `require auth` every recipient is already allowed."),
  ownAddressUnqualified: entry("MSA4012", "warning", "policy", "logins without a domain and no `qualify domains`",
    "A login's own address is the login itself when it contains `@`, otherwise the login qualified with the first `qualify domains` domain. Without `qualify domains` such a login has no valid address of its own."),

  fileNotFound: entry("MSA5001", "error", "files", "file not found",
    "A file the policy names does not exist. Relative paths resolve against the policy file's folder."),
  usersFileLine: entry("MSA5002", "error", "files", "invalid users file line",
    "Each line of a users file is `LOGIN:HASH` with a bcrypt (`$2a$`, `$2b$`, `$2y$`, as `htpasswd -B` writes) or argon2id (`$argon2id$`) hash; `msac passwd LOGIN` prints one. Blank lines and `#` comments are allowed."),
  fileUnreadable: entry("MSA5003", "error", "files", "file cannot be read",
    "The file exists but cannot be read (a folder, or no permission)."),
  invalidCertificate: entry("MSA5004", "error", "files", "invalid certificate or key",
    "The certificate must be a PEM X.509 certificate (chain) and the key a PEM private key matching it."),
} as const satisfies Record<string, CatalogueEntry>;

export type DiagnosticKind = keyof typeof Catalogue;

export interface RelatedLocation {
  file: string;
  span: Span;
  message: string;
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  /** The file the span points into (the policy, or a file it names). */
  file: string;
  span: Span;
  message: string;
  hint?: string;
  related?: RelatedLocation[];
}

export function diagnostic(
  kind: DiagnosticKind,
  file: string,
  span: Span,
  message: string,
  extra: { hint?: string; related?: RelatedLocation[] } = {},
): Diagnostic {
  const { code, severity } = Catalogue[kind];
  return { code, severity, file, span, message, ...extra };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** The result of every phase: a value and what the phase had to say. Phases never throw for a user's mistake. */
export interface PhaseResult<T> {
  value: T;
  diagnostics: Diagnostic[];
}
