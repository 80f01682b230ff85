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
  /** Policy lines (or, for a users file, its lines) that draw this diagnostic. */
  example: string;
}

function entry(code: string, severity: Severity, phase: Phase, title: string, explanation: string, example: string): CatalogueEntry {
  return { code, severity, phase, title, explanation, example };
}

export const Catalogue = {
  syntaxError: entry(
    "MSA1001",
    "error",
    "syntax",
    "syntax error",
    "The line does not match the form of its rule. The message names what was expected; `docs/language.md` shows every rule's form. One rule stands on one line.",
    "listen 587",
  ),
  unknownRule: entry(
    "MSA1002",
    "error",
    "syntax",
    "unknown rule",
    "A rule starts with its verb: `hostname`, `tls`, `listen`, `auth`, `require`, `qualify`, `enforce`, `allow`, `senders`, `limit`, `limits`, `add`, `remove`, `sign`, `throttle`, `timeout`, `aliases`, `masquerade`, `metrics`, `workers`, `log`, `refuse`, `replace` or `deliver`, optionally after `observe`. Keywords are lowercase. A Postfix or Exim setting written as a rule (`message_size_limit = 10240000`) gets the msa rule that does its job as the hint, and when its value translates, a fix that writes that rule (`limit size 10000KiB`).",
    "hostnme msa.example.com",
  ),
  unterminatedString: entry(
    "MSA1003",
    "error",
    "syntax",
    "unterminated string",
    'A quoted string must end with `"` on the same line. Write a backslash before a quote that is part of the string.',
    'auth users "users.passwd',
  ),
  invalidCharacter: entry(
    "MSA1004",
    "error",
    "syntax",
    "invalid character",
    "The character cannot start any token of the policy language. The usual culprits are invisible: a no-break space or zero-width space pasted from a web page or word processor, or a carriage return without a line feed (old Mac line endings). Separate words with plain spaces or tabs.",
    "limit\u00a0size 10MB   # a no-break space pasted from a web page",
  ),

  duplicateRule: entry(
    "MSA2001",
    "error",
    "names",
    "duplicate rule",
    "This rule may appear only once in a policy, and the second one says exactly what the first says. Remove one of the two; the related location shows the other.",
    "require auth\nrequire auth",
  ),
  conflictingRules: entry(
    "MSA2002",
    "error",
    "names",
    "conflicting rules",
    "Two rules set the same thing to different values (for example two `deliver` rules, two different `limit size`, or `allow unauthenticated` next to `require auth`). msa never picks one silently: keep the one you mean. Two `senders` blocks are merged into one by hand.",
    "limit size 10MB\nlimit size 20MB",
  ),
  duplicateLogin: entry(
    "MSA2003",
    "error",
    "names",
    "login listed twice in `senders`",
    "Each login has one line in `senders`, listing every address it may use. Merge the two lines.",
    "senders {\n  alice: alice@example.com\n  alice: sales@example.com\n}",
  ),
  duplicateListener: entry(
    "MSA2004",
    "error",
    "names",
    "two listeners on one port",
    "Two `listen` rules name the same address and port; the server could not bind both.",
    "listen 587 starttls\nlisten 127.0.0.1:587 plain",
  ),
  duplicateValue: entry(
    "MSA2005",
    "warning",
    "names",
    "value repeated",
    "The same value is listed twice where once is enough; the second has no effect.",
    "qualify domains example.com example.com",
  ),
  unknownListener: entry(
    "MSA2006",
    "error",
    "names",
    "`on` names no listener of the policy",
    "`on PORT { }` and `on ADDRESS:PORT { }` name a listener of the policy: one of its `listen` rules, or 587 and 465 when it has none. A port names every listener on that port.",
    "listen 587 starttls\non 2525 {\n  limit size 50MB\n}",
  ),

  invalidSize: entry(
    "MSA3001",
    "error",
    "values",
    "invalid size",
    "A size is a whole number followed by a unit: `B`, `KB`, `MB`, `GB` (powers of 1000) or `KiB`, `MiB`, `GiB` (powers of 1024), as in `10MB`. Units are case-sensitive.",
    "limit size 10mb",
  ),
  notPositive: entry(
    "MSA3002",
    "error",
    "values",
    "value must be positive",
    "A limit of zero would refuse every message or recipient. Use a positive value, or remove the rule to have no limit.",
    "limit recipients 0",
  ),
  invalidPort: entry("MSA3003", "error", "values", "invalid port", "A port is a number from 1 to 65535.", "listen 70000 starttls"),
  invalidDomain: entry(
    "MSA3004",
    "error",
    "values",
    "invalid domain name",
    "A domain name is dot-separated labels of letters, digits and hyphens (RFC 1035, RFC 5890 for internationalised names), each label 1 to 63 octets, not starting or ending with a hyphen, 255 octets in all.",
    "qualify domains example..com",
  ),
  unknownHeader: entry(
    "MSA3005",
    "error",
    "values",
    "unknown header for `add`",
    "`add` completes a message with one of the fields an MSA may add (RFC 6409 section 8): `Date`, `Message-ID`, `Sender` or `Received`. Header names keep their usual capitalisation.",
    "add Dat",
  ),
  invalidAddress: entry(
    "MSA3006",
    "error",
    "values",
    "invalid address",
    "An address in a policy is `local@domain` with a valid local part and domain (RFC 5321 section 4.1.2, widened to UTF-8 by RFC 6531), read by the same parser the server applies to `MAIL FROM`: an address the server could never match, such as `alice@@example.com`, is refused here.",
    "senders {\n  alice: alice\n}",
  ),
  unknownLogLevel: entry(
    "MSA3007",
    "error",
    "values",
    "unknown log level",
    "`log` takes `errors` (refusals and failures only), `info` (also connections, logins and accepted messages; the default) or `debug` (also every command).",
    "log verbose",
  ),
  invalidRelayUrl: entry(
    "MSA3008",
    "error",
    "values",
    "invalid relay URL",
    "The next hop is `smtp://HOST:PORT` (STARTTLS used when offered) or `smtps://HOST:PORT` (implicit TLS). The port defaults to 25 for smtp and 465 for smtps.",
    "deliver relay http://mx.example.com",
  ),
  invalidLdapUrl: entry(
    "MSA3170",
    "error",
    "values",
    "invalid LDAP URL",
    "`auth ldap` names its directory as `ldap://HOST[:PORT]` (port 389; add `starttls` to the block for TLS) or `ldaps://HOST[:PORT]` (TLS from the first byte, port 636). The base DN, attributes and filter that an RFC 4516 URL may carry are clauses of the block here, and the service account's credentials go in `search as`, not in the URL.",
    'auth ldap "ldap://ldap.example.com/ou=people,dc=example,dc=com?uid" {\n  bind "uid=%u,ou=people,dc=example,dc=com"\n}',
  ),
  ldapLoginPlaceholder: entry(
    "MSA3171",
    "error",
    "values",
    "LDAP template without `%u`",
    "The `bind` DN and the `search` filter of `auth ldap` say where the login goes with `%u`. Without it every login would bind as, or search for, the same entry. The login is escaped where it stands, so it can only ever be one attribute value.",
    'auth ldap "ldaps://ldap.example.com" {\n  bind "uid=alice,ou=people,dc=example,dc=com"\n}',
  ),
  invalidLdapFilter: entry(
    "MSA3172",
    "error",
    "values",
    "invalid LDAP filter",
    "The `search` filter of `auth ldap` is an RFC 4515 filter: enclosed in parentheses, every parenthesis matched, such as `(&(objectClass=inetOrgPerson)(uid=%u))`. Several conditions are joined with `(&...)` or `(|...)`, not written one after the other.",
    'auth ldap "ldaps://ldap.example.com" {\n  search base "ou=people,dc=example,dc=com" filter "(objectClass=inetOrgPerson)(uid=%u)"\n}',
  ),
  invalidListenAddress: entry(
    "MSA3009",
    "error",
    "values",
    "invalid listen address",
    "A listener is a port (all addresses) or `ADDRESS:PORT` with an IPv4 address, `[IPv6]`, `localhost` or `*`.",
    "listen 300.0.0.1:587 starttls",
  ),
  limitTooLarge: entry("MSA3010", "error", "values", "value too large", "The value is larger than msa can honour (sizes up to 2GB, recipients up to 100000).", "limit size 5GB"),
  invalidDuration: entry(
    "MSA3011",
    "error",
    "values",
    "invalid duration",
    "A duration is a whole number followed by `s`, `m`, `h` or `d` (seconds, minutes, hours, days), as in `30s` or `5d`; a rate window may also be `minute`, `hour`, `day` or `week`. It must be positive.",
    "timeout command 0s",
  ),
  unknownValue: entry(
    "MSA3012",
    "error",
    "values",
    "unknown value",
    "The word is not one the rule takes. The message lists what it takes: for example `limit rate` counts `messages`, `recipients` or a size, per `user`, `ip` or `domain`; `timeout` takes `command` or `data`; `masquerade ... in` takes `envelope` or `headers`.",
    "limit rate 100 mails per hour per user",
  ),
  replyCodeContradicts: entry(
    "MSA3013",
    "error",
    "values",
    "reply code that contradicts the rule",
    "`with CODE \"TEXT\"` sets the text of a rule's refusal; the code is fixed by what the rule means (a size limit is `552`, a refused sender `550`, a rate limit the temporary `451`) so that clients retry or give up as they should. Leave the code out, or write the rule's own.",
    'refuse header X-Spam with 451 "try later"',
  ),
  invalidReplyText: entry(
    "MSA3014",
    "error",
    "values",
    "invalid reply text",
    "A reply text is what the client sees after the codes: printable ASCII (RFC 5321 section 4.2), not empty, at most 400 characters so the reply line stays under SMTP's 512 octets.",
    'refuse header X-Spam with "naïve"',
  ),
  invalidPattern: entry(
    "MSA3015",
    "error",
    "values",
    "regular expression RE2 cannot take",
    'Patterns (`matching /PATTERN/FLAGS`) are RE2 syntax, run by an engine whose time is linear in the text it reads, so no pattern and no message can make the server backtrack for seconds. RE2 therefore has no backreferences (`\\1`), no lookahead (`(?=`, `(?!`), no lookbehind (`(?<=`, `(?<!`) and no atomic groups or possessive quantifiers; the message underlines what it could not take. Flags after the closing slash are `i` (case-insensitive), `m` (`^` and `$` at every line) and `s` (`.` matches a line feed). In `replace header ... with "VALUE"`, `$N` must name a group of the pattern. See https://github.com/google/re2/wiki/Syntax.',
    "refuse header Subject matching /(?=.*viagra)/i",
  ),
  invalidDovecotSocket: entry(
    "MSA3160",
    "error",
    "values",
    "invalid Dovecot auth socket",
    "`auth dovecot` names where Dovecot's auth service listens, as Postfix's `smtpd_sasl_path` does: the path of its `auth-client` unix socket (relative paths start at the policy's folder), or `inet:HOST:PORT` for an `inet_listener` in Dovecot's `service auth` block, the host an IPv4 address, `[IPv6]` in brackets or a host name, the port from 1 to 65535.",
    'auth dovecot "inet:127.0.0.1"',
  ),
  invalidNetwork: entry(
    "MSA3100",
    "error",
    "values",
    "invalid network",
    "`allow unauthenticated from` takes IP networks: `192.0.2.0/24`, `2001:db8::/32`, or a single address (`192.0.2.7`, `[2001:db8::7]`, which is a /32 or /128). The prefix length is 0 to 32 for IPv4 and 0 to 128 for IPv6, and the address must be the network's first one: `10.1.2.3/16` has host bits set, and whether `10.1.0.0/16` or the single host was meant is for you to say. Host names are not networks: msa looks nothing up.",
    "allow unauthenticated from 10.1.2.3/16 as @printers.example.com",
  ),
  invalidTrustedSender: entry(
    "MSA3101",
    "error",
    "values",
    "invalid sender of a trusted network",
    "The senders after `as` are written as in `senders`: an address (`scanner@example.com`), `@domain` for every address at exactly that domain, or `*` for any sender.",
    "allow unauthenticated from 10.1.0.0/16 as printers",
  ),

  invalidSqlUrl: entry(
    "MSA3180",
    "error",
    "values",
    "invalid database URL",
    'The database of `auth sql` is a PostgreSQL connection URL as libpq reads it: `postgresql://USER@HOST:PORT/DATABASE` (or `postgres://`), with a host (or `?host=/run/postgresql` for a Unix socket folder) and a database name. Parameters such as `?sslmode=verify-full` follow the database. The password goes into a file named by `password "FILE"`, not into the URL.',
    'auth sql "mysql://msa@db.example.net/mail" password query "SELECT password FROM users WHERE login = $1"',
  ),
  sqlQueryParameters: entry(
    "MSA3181",
    "error",
    "values",
    "query without the login parameter",
    "The queries of `auth sql` run as parameterised queries with one parameter, `$1`, the login; it never goes into the SQL text, so a login with a quote in it cannot change the query. A query without `$1` would return the same rows for every login; one with `$2` or beyond would fail on every login, since nothing fills it.",
    'auth sql "postgresql://msa@db.example.net/mail" password query "SELECT password FROM users"',
  ),
  submissionWithoutAuth: entry(
    "MSA4001",
    "error",
    "policy",
    "submission listener without `require auth`",
    "RFC 6409 section 4.3 (and the whole point of port 587 and 465): submission requires authentication. A policy with a `starttls` or `tls` listener must say `require auth`. For loopback testing, `allow unauthenticated` is the explicit opt-out, accepted only when every listener is on a loopback address.",
    "listen 587 starttls\n# no `require auth`",
  ),
  requireTlsWithoutTls: entry(
    "MSA4002",
    "error",
    "policy",
    "`require tls` but no listener offers TLS",
    "With only `plain` listeners no client can ever start TLS, so under `require tls` the server could take no mail at all. Add a `starttls` or `tls` listener, or remove `require tls`.",
    "listen 127.0.0.1:2525 plain\nrequire tls",
  ),
  tlsWithoutCertificate: entry(
    "MSA4003",
    "error",
    "policy",
    "TLS listener without a certificate",
    'A `starttls` or `tls` listener needs `tls certificate "FILE" key "FILE"`.',
    "listen 587 starttls\n# no `tls certificate ... key ...`",
  ),
  requireAuthWithoutUsers: entry(
    "MSA4004",
    "error",
    "policy",
    "`require auth` without an `auth` rule",
    'Nobody could ever authenticate: add `auth users "FILE"` with lines `LOGIN:HASH` (see `msac passwd`).',
    'require auth\n# no `auth users "FILE"`',
  ),
  rightsWithoutAuth: entry(
    "MSA4005",
    "warning",
    "policy",
    "rule has no effect without authentication",
    "Submission rights (`senders`), `add From` and `add Sender` apply to authenticated sessions. Without an `auth` rule (`auth users`, `auth sql`, `auth oauth`, ...) no session is ever authenticated, so the rule never applies.",
    'add Sender\n# no `auth users "FILE"`',
  ),
  plainWithoutAuth: entry(
    "MSA4006",
    "warning",
    "policy",
    "listener takes mail without authentication",
    "The policy has no `require auth`: any client that reaches a listener may submit mail. That is meant for loopback tests only.",
    "listen 127.0.0.1:2525 plain\n# neither `require auth` nor `allow unauthenticated`",
  ),
  hostnameNotQualified: entry(
    "MSA4007",
    "warning",
    "policy",
    "hostname is not fully qualified",
    "The hostname appears in the greeting, in Received fields and in every Message-ID the server adds; RFC 5321 section 4.1.4 wants a fully qualified domain name.",
    "hostname mail",
  ),
  missingHostname: entry(
    "MSA4008",
    "warning",
    "policy",
    "no `hostname`",
    "Without `hostname` the server uses the machine's host name, which is often not the name clients and other servers know it by.",
    "# no `hostname` rule",
  ),
  unauthenticatedNotLoopback: entry(
    "MSA4009",
    "error",
    "policy",
    "`allow unauthenticated` on a listener that is not loopback",
    "`allow unauthenticated` turns off authentication for submission; it is accepted only on listeners bound to a loopback address (127.0.0.0/8, ::1, localhost), so an open relay cannot be written by accident. In an `on` block it applies to that block's listeners.",
    "listen 2525 plain\nallow unauthenticated",
  ),
  unusedCertificate: entry(
    "MSA4010",
    "warning",
    "policy",
    "certificate without a TLS listener",
    "`tls certificate` is given but every listener is `plain`, so the certificate is never used.",
    'tls certificate "server.pem" key "server.key"\nlisten 127.0.0.1:2525 plain',
  ),
  postmasterWithoutAuth: entry(
    "MSA4011",
    "warning",
    "policy",
    "`allow postmaster` has no effect",
    "`allow postmaster` lets unauthenticated clients write to the postmaster under `require auth`; without `require auth` every recipient is already allowed.",
    "allow postmaster\n# no `require auth`",
  ),
  ownAddressUnqualified: entry(
    "MSA4012",
    "warning",
    "policy",
    "logins without a domain and no `qualify domains`",
    "A login's own address is the login itself when it contains `@`, otherwise the login qualified with the first `qualify domains` domain. Without `qualify domains` a login such as `alice` has no valid address of its own, so under `senders` it may use no address unless one is listed for it, and `add Sender` cannot name it. The warning points at the first such login, in `senders` or in the users file.",
    "senders {\n  alice: alice@example.com\n}\n# no `qualify domains`",
  ),
  notObservable: entry(
    "MSA4013",
    "error",
    "policy",
    "rule cannot be observed",
    "`observe` turns a rule that refuses into one that only logs and counts what it would have refused (event `would-reject`), so a new rule can be rolled out safely. Only refusing rules can be observed: `require`, `enforce`, `senders`, `refuse header`, `limit size`, `limit recipients`, `limit rate` and `limit hops`. Settings such as `hostname` or `deliver` refuse nothing. `enforce senders in headers` refuses as part of `senders`: `observe senders` observes both.",
    "observe hostname msa.example.com",
  ),
  perWorkerLimits: entry(
    "MSA4014",
    "warning",
    "policy",
    "rate limits are counted per worker",
    "With `workers` above one and no `limits store redis://...`, each server process keeps its own counters, so a client can send up to the limit once per worker. Share the counters with `limits store redis://HOST:PORT`.",
    "workers 4\nlimit rate 100 messages per hour per user",
  ),

  authBeforeTls: entry(
    "MSA4015",
    "warning",
    "policy",
    "passwords may be sent before TLS",
    "A `starttls` listener under `require auth` without `require tls` offers AUTH before STARTTLS, so a client may send its password in clear text over the network (RFC 8314 section 3; RFC 4954 section 4 leaves it to the server). Add `require tls`: AUTH and MAIL are then refused until TLS is active.",
    "listen 587 starttls\nrequire auth\n# no `require tls`",
  ),
  observedRequireTls: entry(
    "MSA4016",
    "warning",
    "policy",
    "`observe require tls` lets passwords be sent before TLS",
    "An observed `require tls` refuses nothing: AUTH is offered and taken before STARTTLS, so passwords may cross the network in clear text while the rule only logs. Observe it briefly to find old clients, then remove `observe`.",
    "observe require tls",
  ),
  swappedListenMode: entry(
    "MSA4017",
    "warning",
    "policy",
    "port and TLS mode swapped",
    "Port 587 is submission with STARTTLS (RFC 6409 section 3.1) and port 465 submission with implicit TLS (RFC 8314 section 3.3). A client configured for the usual port speaks the other protocol and the connection fails. Write `listen 587 starttls` and `listen 465 tls`.",
    "listen 587 tls\nlisten 465 starttls",
  ),
  port25Listener: entry(
    "MSA4018",
    "warning",
    "policy",
    "listener on port 25",
    "Port 25 is where mail servers relay to each other (RFC 5321); message submission belongs on 587 or 465 (RFC 6409 section 3.1, RFC 8314). An MSA on port 25 receives mail for which it is not the destination and that no login submits. Leave port 25 to the MTA.",
    "listen 25 starttls",
  ),
  recipientsAllRefused: entry(
    "MSA4019",
    "warning",
    "policy",
    "recipient limits refuse every recipient",
    "Every `limit recipients` rule that applies to a session must hold. Two `limit recipients to` lists with no recipient in common, or a `to` list whose every entry an `except` list refuses, leave no recipient that passes, for every session both rules apply to. Merge the two lists into the one you mean.",
    "limit recipients to @example.com\nlimit recipients to @example.org",
  ),
  loginUnknown: entry(
    "MSA4020",
    "warning",
    "policy",
    "login not in the users file",
    "A `senders` line grants addresses to a login that the users file does not have, or a group file lists one, so no session is ever authenticated as it and the line never applies. Logins are compared exactly, as written in the users file; fix the spelling or remove the line.",
    "senders {\n  alcie: alice@example.com   # the users file has `alice`\n}",
  ),
  removeRequiredField: entry(
    "MSA4021",
    "warning",
    "policy",
    "`remove header` of a field that must stay",
    "`Received` fields are the message's trace, which no mail program may delete (RFC 5321 section 4.4), and `From` is a field every message must have (RFC 5322 section 3.6). Removing them makes messages harder to trace or invalid for the next hop.",
    "remove header Received",
  ),
  replyOnNonRefusing: entry(
    "MSA4022",
    "error",
    "policy",
    "reply text on a rule that refuses nothing",
    '`with [CODE] "TEXT"` sets the text of a refusing rule\'s reply. Settings such as `hostname` or `deliver` refuse nothing. `enforce senders in headers` refuses as part of `senders`: its reply text is the one written after `senders`.',
    'hostname msa.example.com with "hello"',
  ),
  shadowedRule: entry(
    "MSA4023",
    "warning",
    "policy",
    "rule for a group that never applies",
    "A rule that says one value (`limit size`, `limit recipients`, `limit hops`, ...) written `for` a group applies to the group's members unless a rule of the same kind is written for the member by login. When every member has such a rule of its own, the group's rule never applies.",
    "group interns: carol, dave\nlimit size 5MB for interns\nlimit size 2MB for carol\nlimit size 3MB for dave",
  ),
  forNotApplicable: entry(
    "MSA4024",
    "error",
    "policy",
    "`for` on a rule that cannot be for some logins",
    "`for LOGINS-OR-GROUPS` after a refusing rule makes it judge only sessions with those logins. A rule that refuses nothing has nothing to limit, and `require auth` and `require tls` judge a session before it has a login.",
    "require auth for alice",
  ),
  onNotApplicable: entry(
    "MSA4025",
    "error",
    "policy",
    "rule that cannot stand in an `on` block",
    "An `on LISTENER { }` block holds the rules that judge the sessions on that listener differently: refusing rules (`require`, `limit`, `refuse`, `enforce`, ...) and `allow unauthenticated`. Settings of the whole server (`hostname`, `deliver`, `add`, ...) stand outside any block, and a rule in a block applies to every login on its listener, so it takes no `for`.",
    "on 2525 {\n  add Date\n}",
  ),
  unauthenticatedBehindProxy: entry(
    "MSA4027",
    "warning",
    "policy",
    "`allow unauthenticated` on a listener behind a load balancer",
    "A listener with `proxy` takes the clients a load balancer forwards, so its loopback address says nothing about where they are: under `allow unauthenticated` every client the load balancer accepts can send mail through msa. Keep it only when the load balancer itself admits trusted clients alone.",
    "listen 127.0.0.1:2525 plain proxy\nallow unauthenticated",
  ),
  dovecotOverNetwork: entry(
    "MSA4160",
    "warning",
    "policy",
    "passwords sent to Dovecot over the network",
    'Dovecot\'s auth protocol has no encryption of its own: with `auth dovecot "inet:HOST:PORT"` and a HOST other than the loopback, every password a client types crosses the network in clear between msa and Dovecot. Run msa next to Dovecot and name its `auth-client` socket, or keep the TCP listener on a network nobody else can read (a tunnel, a private link).',
    'auth dovecot "inet:192.0.2.10:12345"',
  ),
  sqlPasswordInUrl: entry(
    "MSA4182",
    "warning",
    "policy",
    "database password in the policy",
    'The URL of `auth sql` carries the database password (`user:password@` or `?password=`). A policy is read by people and tools (`msac print`, a compiled graph, version control); keep the secret in a file only the server\'s user can read and name it with `password "FILE"`, which replaces a password in the URL.',
    'auth sql "postgresql://msa:secret@db.example.net/mail" password query "SELECT password FROM users WHERE login = $1"',
  ),
  senderRelayWithoutRelay: entry(
    "MSA4026",
    "error",
    "policy",
    "`deliver from` without a relaying `deliver`",
    '`deliver from SENDER relay URL` picks another next hop for some senders, in the way the main `deliver` rule hands mail on: in line (`deliver relay URL`) or through the spool (`deliver spool "DIR" relay URL`). A policy that only spools (or says nothing, which spools) forwards nothing, so there is no hop to replace. Give the main `deliver` rule a relay.',
    'deliver spool "spool"\ndeliver from @a.example relay smtp://hop-a.example:25',
  ),
  oauthIncomplete: entry(
    "MSA4190",
    "error",
    "policy",
    "`auth oauth` cannot check tokens as written",
    'An `auth oauth` rule checks tokens in one of two ways. As JWTs: `issuer "URL"` and `audience "NAME"` are what the token\'s `iss` and `aud` must be, and `keys` is the issuer\'s JWKS, a file or an https URL. Or by asking the issuer: `introspect "URL"` (RFC 7662) with `audience "NAME"`, which the answer\'s `aud` or `client_id` must name (the issuer vouches for the tokens of every application it serves), and `client "FILE"` holding `CLIENT-ID:SECRET` when the endpoint wants it. `issuer` and `keys` do not mix with `introspect`.',
    'auth oauth issuer "https://id.example.com" keys "jwks.json"',
  ),
  receivedTlsWithoutTls: entry(
    "MSA4130",
    "warning",
    "policy",
    "`add Received with tls` without a TLS listener",
    "`add Received with tls` writes the TLS protocol and cipher of the session into the trace field, as Postfix's `smtpd_tls_received_header` does. When every listener is `plain`, no session ever has TLS and the field never says more than without it. Add a `starttls` or `tls` listener, or leave `with tls` out.",
    "listen 127.0.0.1:2525 plain\nallow unauthenticated\nadd Received with tls",
  ),
  receivedLoginWithoutAuth: entry(
    "MSA4131",
    "warning",
    "policy",
    "`add Received with login` without authentication",
    '`add Received with login` writes `(Authenticated sender: LOGIN)` into the trace field of authenticated sessions, as Postfix\'s `smtpd_sasl_authenticated_header` does. Without an `auth` rule no session is ever authenticated, so the field never names a login. Add `auth users "FILE"`, or leave `with login` out.',
    "listen 127.0.0.1:2525 plain\nallow unauthenticated\nadd Received with login",
  ),
  milterNotForLocal: entry(
    "MSA4230",
    "warning",
    "policy",
    "milters do not see local submissions",
    "A milter is asked along an SMTP session: its connect, HELO, MAIL, RCPT and message steps. A local submission (`listen local`, `msac sendmail`) has no such session, so msa does not show it to the milters: mail from cron, PHP's `mail()` or git send-email goes out unscored and unsigned by them. A site that needs its milters on that mail keeps local programs on Postfix's sendmail, whose mail Postfix's `non_smtpd_milters` filters.",
    'listen local "/var/spool/msa/maildrop"\nmilter inet:127.0.0.1:11332',
  ),
  localWithoutQualify: entry(
    "MSA4150",
    "warning",
    "policy",
    "`listen local` without `qualify domains`",
    "A local user submits through `msac sendmail` as the login of its unix user name, such as `alice`. Without `qualify domains` that name has no domain: a message sent without `-f user@domain` has the bare name as its envelope sender, which is refused as unqualified (RFC 6409 section 4.2), and the login has no address of its own for `senders` to grant. Add `qualify domains` with the domain local users' mail comes from.",
    'listen local "/var/spool/msa/maildrop"\n# no `qualify domains`',
  ),
  publicTrustedNetwork: entry(
    "MSA4100",
    "error",
    "policy",
    "public network trusted without `public`",
    "`allow unauthenticated from` lets clients in those networks submit without a password. A network that is not private (RFC 1918 `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`; RFC 4193 `fc00::/7`), loopback, link-local or documentation space holds machines that are not yours, and `0.0.0.0/0` or `::/0` is the whole internet: the server would be an open relay for it. When a public network is yours (a server's own public address, a data centre range) and meant, write `public` before it: `allow unauthenticated from public 203.0.114.7 as @example.com`. `msac analyze` names such networks in its relay proof.",
    "allow unauthenticated from 0.0.0.0/0 as *",
  ),
  trustedNetworkWithoutSenders: entry(
    "MSA4101",
    "error",
    "policy",
    "trusted network without its senders",
    "A client from a trusted network has no login, so `senders` cannot say what it may send as: the rule says it after `as`. Write the domains or addresses those machines send as (`as @printers.example.com`, `as scanner@example.com, alerts@example.com`), or `as *` when any sender is meant.",
    "allow unauthenticated from 10.1.0.0/16",
  ),
  ldapClauses: entry(
    "MSA4170",
    "error",
    "policy",
    "`auth ldap` clauses that do not make one lookup",
    'The block of `auth ldap` finds a login\'s entry one way: `bind "DN"` (bind at a DN built from the login) or `search base "DN" filter "FILTER"` (find the entry, then bind as it), optionally with `search as "DN" password file "FILE"` for the search. It needs exactly one of the two, `search as` needs `search base`, `starttls` makes no sense on an `ldaps://` URL, and each clause is written once.',
    'auth ldap "ldaps://ldap.example.com" {\n  cache 5m\n}',
  ),
  ldapClearText: entry(
    "MSA4171",
    "warning",
    "policy",
    "LDAP passwords in clear text",
    "An `ldap://` URL without `starttls` sends every login's password to the directory unencrypted. On loopback that stays on the machine; to any other host, add `starttls` to the block (RFC 4513 section 3) or use `ldaps://`.",
    'auth ldap "ldap://ldap.example.com" {\n  bind "uid=%u,ou=people,dc=example,dc=com"\n}',
  ),

  fileNotFound: entry(
    "MSA5001",
    "error",
    "files",
    "file not found",
    "A file the policy names does not exist. Relative paths resolve against the policy file's folder.",
    'auth users "users.passwd"   # and there is no users.passwd',
  ),
  usersFileLine: entry(
    "MSA5002",
    "error",
    "files",
    "invalid users file line",
    "Each line of a users file is `LOGIN:HASH`; `msac passwd LOGIN` prints one. Blank lines and `#` comments are allowed. msa verifies bcrypt (`$2a$`, `$2b$`, `$2y$`, as `htpasswd -B` writes), argon2id (`$argon2id$`), SHA-crypt (`$5$`, `$6$`, with `rounds=` from 1000 to 1000000, as `openssl passwd -5/-6` and `mkpasswd` write) and the output of `doveadm pw` for `{SHA512-CRYPT}`, `{SHA256-CRYPT}`, `{BLF-CRYPT}`, `{ARGON2ID}`, `{CRYPT}` (bcrypt or SHA-crypt inside), `{SSHA512}`, `{SSHA256}`, `{SHA512}` and `{SHA256}`. Anything else cannot be verified and is refused here rather than failing at login: DES `{CRYPT}`, MD5 (`{PLAIN-MD5}`, `$1$`), SHA-1 (`{SHA}`, `{SSHA}`), yescrypt (`$y$`), clear text (`{PLAIN}`) and unknown schemes. Such a user needs a new password (`docs/integrations/password-hashes.md`).",
    "# users.passwd:\nalice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
  ),
  fileUnreadable: entry(
    "MSA5003",
    "error",
    "files",
    "file cannot be read",
    "The file exists but cannot be read: it is a folder, a device (such as `/dev/zero`) or a FIFO rather than a regular file, it is larger than 64MiB, or the user running msac has no permission to read it. The server reads the files a policy names under the same rules.",
    'auth users "users"   # a folder',
  ),
  invalidCertificate: entry(
    "MSA5004",
    "error",
    "files",
    "invalid certificate or key",
    "The certificate must be a PEM X.509 certificate (chain) and the key a PEM private key matching it.",
    'tls certificate "server.key" key "server.pem"   # swapped',
  ),
  aliasesFileLine: entry(
    "MSA5005",
    "error",
    "files",
    "invalid aliases file line",
    "An aliases file has lines `name: target, target` as /etc/aliases does (continuation lines start with white space, `#` starts a comment). Targets are addresses or other names; pipes, files and `:include:` are not supported by a submission server.",
    "# aliases:\nsales |/usr/bin/procmail",
  ),
  aliasLoop: entry(
    "MSA5006",
    "error",
    "files",
    "aliases loop",
    "Following the aliases from this name comes back to it, so its mail would never reach a mailbox. Break the loop; a name may list itself (`alice: alice, archive`) to keep its own mailbox.",
    "# aliases:\na: b\nb: a",
  ),
  sendersFileLine: entry(
    "MSA5007",
    "error",
    "files",
    "invalid senders file line",
    "A senders file holds the same lines as a `senders { }` block: `login: address, @domain, *`. Blank lines and `#` comments are allowed.",
    "# senders.map:\nalice alice@example.com",
  ),
  invalidDkimKey: entry(
    "MSA5008",
    "error",
    "files",
    "invalid DKIM key",
    "The key of `sign dkim` must be a PEM private key, RSA of at least 1024 bits (2048 recommended) or Ed25519 (RFC 8463). `msac dkim keygen` writes one and prints its DNS record.",
    'sign dkim domain example.com selector s1 key "s1.txt"   # the DNS record, not the key',
  ),
  invalidCredentials: entry(
    "MSA5009",
    "error",
    "files",
    "invalid relay credentials file",
    "The `auth` file of a relay holds one line `USER:PASSWORD` for AUTH at the next hop. Keep it readable only by the server's user.",
    'deliver relay smtp://smarthost.example.com:587 auth "relay.secret"   # empty file',
  ),
  canonicalFileLine: entry(
    "MSA5010",
    "error",
    "files",
    "invalid sender rewriting file line",
    "The file of `rewrite senders` has lines `OLD NEW`: an address or `@domain` on each side (`@old.example @new.example` keeps the local part). Blank lines and `#` comments are allowed; each OLD is written once.",
    "# sender_canonical:\nalice@old.example",
  ),
  groupFileLine: entry(
    "MSA5011",
    "error",
    "files",
    "invalid group file line",
    'The file of `group NAME from "FILE"` lists the group\'s logins, one per line, as the users file names them. Blank lines and `#` comments are allowed.',
    "# interns.txt:\ncarol, dave",
  ),
  milterTimeoutTwice: entry(
    "MSA2120",
    "error",
    "names",
    "milter timeout given twice",
    "A `milter` rule bounds each of its waits once: `timeout connect` (reaching the milter), `timeout command` (its answer to each SMTP step) and `timeout content` (its answer to the end of the message). Keep the one you mean.",
    "milter inet:127.0.0.1:11332 timeout command 10s timeout command 20s",
  ),
  invalidMilterSocket: entry(
    "MSA3120",
    "error",
    "values",
    "invalid milter socket",
    "A milter listens on `inet:ADDRESS:PORT` (an IP address, IPv6 in brackets, or `localhost`; a port from 1 to 65535) or on a Unix socket `unix:/ABSOLUTE/PATH`, as Postfix's smtpd_milters writes them. Host names other than `localhost` are not taken: the server would have to look them up for every session.",
    "milter inet:mail.example.com:11332",
  ),
  sqlPasswordFile: entry(
    "MSA5180",
    "error",
    "files",
    "empty database password file",
    'The file named by `password "FILE"` in `auth sql` holds the database password on its first line; the rest of the file is ignored. An empty first line would log in with no password. Without a password (a `trust` or certificate login), leave out `password "FILE"`.',
    'auth sql "postgresql://msa@db.example.net/mail" password "db.secret" password query "SELECT password FROM users WHERE login = $1"   # db.secret is empty',
  ),
  invalidJwks: entry(
    "MSA5190",
    "error",
    "files",
    "invalid JWKS file",
    "The `keys` file of `auth oauth` is the issuer's JSON Web Key Set (RFC 7517): a JSON object with a `keys` array of public keys, as the issuer publishes it at its `jwks_uri`.",
    'auth oauth issuer "https://id.example.com" audience "msa" keys "issuer.pem"',
  ),
  ldapPasswordFile: entry(
    "MSA5170",
    "error",
    "files",
    "empty LDAP password file",
    "The `password file` of `search as` holds the service account's password on its first line (a final newline is not part of it). An empty first line would be an unauthenticated bind, which a directory accepts as anonymous: write the password, and keep the file readable only by the server's user.",
    'auth ldap "ldaps://ldap.example.com" {\n  search base "ou=people,dc=example,dc=com" filter "(uid=%u)"\n  search as "cn=msa,dc=example,dc=com" password file "ldap.secret"   # empty file\n}',
  ),
} as const satisfies Record<string, CatalogueEntry>;

export type DiagnosticKind = keyof typeof Catalogue;

export interface RelatedLocation {
  file: string;
  span: Span;
  message: string;
}

/**
 * An edit that resolves a diagnostic, offered only when the right edit is certain (a single close
 * spelling, a duplicate line, a word that must go): `msac fmt --fix` applies it, the language server
 * offers it as a quick fix. The span is in the diagnostic's file; `text` replaces it ("" deletes).
 */
export interface Fix {
  span: Span;
  text: string;
  /** What the fix does, as a menu shows it: "replace `hostnme` with `hostname`". */
  title: string;
}

/** What a diagnostic may carry besides its message. */
export interface DiagnosticExtra {
  hint?: string;
  related?: RelatedLocation[];
  fix?: Fix;
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
  fix?: Fix;
}

export function diagnostic(kind: DiagnosticKind, file: string, span: Span, message: string, extra: DiagnosticExtra = {}): Diagnostic {
  const { code, severity } = Catalogue[kind];
  const result: Diagnostic = { code, severity, file, span, message };
  if (extra.hint) result.hint = extra.hint;
  if (extra.related?.length) result.related = extra.related;
  if (extra.fix) result.fix = extra.fix;
  return result;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** The result of every phase: a value and what the phase had to say. Phases never throw for a user's mistake. */
export interface PhaseResult<T> {
  value: T;
  diagnostics: Diagnostic[];
}
