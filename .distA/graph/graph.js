// The rule graph: what the compiler hands the runtime. Immutable, plain JSON,
// every node a discriminated-union member that remembers the policy line it
// came from. Stages follow the SMTP session; within a stage the node order is
// the evaluation order (STAGE_ORDER below says why each node stands where it does).
// Lookup tables (logins, domains) are prepared here so the runtime never scans.
// Each type is inferred from its schema, so a compiled graph on disk is checked
// against exactly what the runtime expects (graphJson.ts loadGraph).
import { z } from "zod";
export const GRAPH_FORMAT = "msa-rule-graph";
// 2: limits, dkim, aliases, metrics, workers, relay options, rights and rewriting nodes.
// 3: the built-in checks every session needs are fixed fields of their stage, not array members.
// 4: refusing nodes carry `replyText`, `for` and `notFor`; `groups`, `sniCertificates`; LimitHops,
//    RefuseBody and ReplaceHeader nodes, patterns on RefuseHeader and RemoveHeaders.
// 5: refusing nodes carry `on` and `notOn` (rules for some listeners); RewriteSenders nodes
//    (`rewrite senders "FILE"`); `bySender` next hops on the relaying deliver nodes.
// 6: `logins` (a login source of several kinds) instead of `users`; `oauth`.
export const GRAPH_VERSION = 6;
// Numbers the runtime would misuse when out of range: a negative limit or time, a port past 65535.
const Amount = z.number().nonnegative();
const Port = z.number().int().min(0).max(65535);
/** Offsets into the policy text (the same shape as the parser's spans). */
export const Span = z.strictObject({ start: Amount, end: Amount });
/** Where a node came from. Nodes the policy did not write (defaults) have line 0 and say which default. */
export const RuleOrigin = z.strictObject({
    file: z.string(),
    line: Amount,
    span: Span,
    /** For defaults: what the server does when the policy is silent. */
    builtin: z.string().optional(),
});
/** The TLS versions msa can offer: RFC 8996 retires the older ones. */
export const TLS_PROTOCOLS = ["TLSv1.2", "TLSv1.3"];
export const TlsProtocol = z.enum(TLS_PROTOCOLS);
/** A certificate and its key, as files (read when the server starts). */
export const TlsCertificate = z.strictObject({ certificate: z.string(), key: z.string(), origin: RuleOrigin });
export const ListenMode = z.enum(["starttls", "tls", "plain"]);
export const Listener = z.strictObject({
    host: z.string().nullable(),
    port: Port,
    mode: ListenMode,
    /** HAProxy PROXY protocol (v1 or v2) precedes SMTP on this listener. */
    proxy: z.boolean().optional(),
    /** `proxy from ADDRESS, ...`: only these peers may connect (and send the header); absent = any peer. */
    proxies: z.array(z.string()).optional(),
    origin: RuleOrigin,
});
/** How a listener is named in `on` blocks, nodes and log events: its port, or ADDRESS:PORT when it is bound to one address. */
export function listenerKey(listener) {
    if (listener.host === null || listener.host === "*")
        return String(listener.port);
    return listener.host.includes(":") ? `[${listener.host}]:${listener.port}` : `${listener.host}:${listener.port}`;
}
/** `127.0.0.1:2525`, `[::1]:2525`, `*:2525` or `2525` as listenerKey writes the listener it names. */
function normalListenerName(written) {
    const colon = written.lastIndexOf(":");
    if (colon < 0)
        return written;
    const host = written.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
    return listenerKey({ host: host === "*" ? null : host, port: Number(written.slice(colon + 1)) });
}
/** The listeners `written` names: the one with that ADDRESS:PORT, or every listener on a port written alone. */
export function listenersNamed(listeners, written) {
    const key = normalListenerName(written);
    return listeners.filter((l) => listenerKey(l) === key || String(l.port) === written);
}
/** The graph's listener that `endpoint` names (the first, for a port several listen on). */
export function findListener(listeners, endpoint) {
    return listenersNamed(listeners, endpoint)[0];
}
/**
 * A refusing node: `observe` logs and counts what it would refuse and refuses nothing (Postfix's
 * warn_if_reject, Exim's warn), so a new rule can be rolled out safely; `replyText` (from `with "TEXT"`) replaces
 * the text of its reply, never the codes; `for` (from `for NAMES`) limits it to those logins, the
 * names as written and the logins they stand for; `notFor` lists the logins a more specific rule
 * of the same kind decides for instead. `on` (from an `on LISTENER { }` block) limits it to
 * sessions on those listeners (listenerKey); `notOn` maps each listener whose own rule (its policy
 * line) decides instead to that line: a block's rule of the same kind, or its `allow unauthenticated`.
 */
export const Observable = z.strictObject({
    observe: z.literal(true).optional(),
    replyText: z.string().optional(),
    for: z.strictObject({ names: z.array(z.string()), logins: z.array(z.string()) }).optional(),
    notFor: z.array(z.string()).optional(),
    on: z.array(z.string()).optional(),
    notOn: z.record(z.string(), Amount).optional(),
});
/** Whether a refusing node judges this session: its listener (`on`), then its login (`for`). */
export function appliesTo(node, session) {
    if (node.on ? !node.on.includes(session.listener) : node.notOn?.[session.listener] !== undefined)
        return false;
    const login = session.login;
    // A group's rule yields to a rule for one of its logins by name (`notFor`), as everyone's does.
    if (node.for)
        return !!login && node.for.logins.includes(login) && !node.notFor?.includes(login);
    return !login || !node.notFor?.includes(login);
}
// ---- nodes, by stage ----
/** RFC 3207 / RFC 8314: refuse AUTH and MAIL until TLS is active. */
export const RequireTlsNode = z.strictObject({ kind: z.literal("RequireTls"), origin: RuleOrigin, ...Observable.shape });
/** RFC 6409 section 4.3: no transaction without authentication. `postmaster` moves the refusal to RCPT. */
export const RequireAuthNode = z.strictObject({
    kind: z.literal("RequireAuth"),
    origin: RuleOrigin,
    ...Observable.shape,
    /** Set by `allow postmaster`: lowercase domains whose postmaster needs no authentication. */
    postmaster: z.strictObject({ domains: z.array(z.string()), origin: RuleOrigin }).nullable(),
    /**
     * Set by `allow unauthenticated from NETWORKS as SENDERS` (Postfix's permit_mynetworks): a client
     * in one of `networks` (CIDR) needs no authentication, and may use as MAIL FROM only what
     * `senders` grants (addresses, `@domain`, `*`, as in `senders`).
     */
    trusted: z.array(z.strictObject({ networks: z.array(z.string()), senders: z.array(z.string()), origin: RuleOrigin })).optional(),
});
/**
 * `require helo`: MAIL is refused when the EHLO/HELO name is one of `ours` (lowercase) or an
 * address literal that is not the client's address (RFC 5321 section 4.1.4: the name is the client's).
 */
export const RequireHeloNode = z.strictObject({ kind: z.literal("RequireHelo"), origin: RuleOrigin, ...Observable.shape, ours: z.array(z.string()) });
/** RFC 6409 section 4.2 (domains must be fully qualified): unqualified addresses get the site's domain. */
export const QualifyEnvelopeNode = z.strictObject({ kind: z.literal("QualifyEnvelope"), origin: RuleOrigin, domain: z.string() });
/** RFC 5321 section 4.1.2 syntax of MAIL FROM / RCPT TO. */
export const EnforceAddressSyntaxNode = z.strictObject({ kind: z.literal("EnforceAddressSyntax"), origin: RuleOrigin, ...Observable.shape });
/** RFC 6409 section 4.2: an MSA must not pass on unqualified addresses. */
export const RefuseUnqualifiedNode = z.strictObject({ kind: z.literal("RefuseUnqualified"), origin: RuleOrigin });
/** RFC 6409 section 6.1: which MAIL FROM addresses each login may use. */
export const SubmissionRightsNode = z.strictObject({
    kind: z.literal("SubmissionRights"),
    origin: RuleOrigin,
    ...Observable.shape,
    /**
     * login -> what it may use: addresses (`alice@example.com`, domain in lowercase
     * A-labels), whole domains (`@example.com`) or everything (`*`). Logins not
     * listed may use their own address.
     */
    senders: z.record(z.string(), z.array(z.string())),
    /** `senders "FILE"`: the table lives in this file (same lines as the block) and is reloaded when it changes. */
    file: z.string().optional(),
    /** Domain that completes a login without `@` into its own address. */
    ownDomain: z.string().nullable(),
    /** `allow sender mismatch`: accept a MAIL FROM the login may not use, and add `Sender:` with its own address. */
    mismatch: z.enum(["refuse", "addSender"]),
    /** `enforce senders in headers`: From: and Sender: must also be addresses the login may use (550 5.7.1 after DATA). */
    checkHeaders: z.strictObject({ origin: RuleOrigin }).optional(),
});
/**
 * RFC 6409 section 6.2: `limit recipients to LIST [for LOGINS]`: those logins (all when null) may
 * write only to LIST; with `except`, to anyone but LIST.
 */
export const RecipientsToNode = z.strictObject({
    kind: z.literal("RecipientsTo"),
    origin: RuleOrigin,
    ...Observable.shape,
    except: z.literal(true).optional(),
    /** Addresses (lowercase domain) and domains (`@example.com`, lowercase A-labels). */
    targets: z.array(z.string()),
    logins: z.array(z.string()).nullable(),
});
/** RFC 6409 section 8.8: `masquerade`: host names in sender addresses become the domain. */
export const MasqueradeNode = z.strictObject({
    kind: z.literal("Masquerade"),
    origin: RuleOrigin,
    domains: z.array(z.string()),
    exceptions: z.array(z.string()),
});
/**
 * `rewrite senders "FILE"` (Postfix's sender_canonical_maps): the envelope sender and the sender
 * fields of the header are rewritten by the table in `file` (lines `OLD NEW`, read when the graph is loaded).
 */
export const RewriteSendersNode = z.strictObject({ kind: z.literal("RewriteSenders"), origin: RuleOrigin, file: z.string() });
/**
 * `matching /SOURCE/FLAGS`: a regular expression in RE2 syntax (linear-time matching), kept as
 * written; the runtime compiles it once per graph (runtime/decision/tables.ts). Flags: i, m, s.
 */
export const RegexPattern = z.strictObject({ source: z.string(), flags: z.string().regex(/^[ims]*$/) });
/** `remove header NAME, ... [matching /RE/]`: fields taken out of the message (and logged); with `matching`, only those whose value matches. */
export const RemoveHeadersNode = z.strictObject({ kind: z.literal("RemoveHeaders"), origin: RuleOrigin, names: z.array(z.string()), matching: RegexPattern.optional() });
/** `replace header NAME, ... matching /RE/ with "VALUE"`: each such field whose value matches gets VALUE (`$1`... from the match). */
export const ReplaceHeaderNode = z.strictObject({ kind: z.literal("ReplaceHeader"), origin: RuleOrigin, names: z.array(z.string()), matching: RegexPattern, value: z.string() });
/**
 * `refuse header NAME, ... [matching /RE/]`: a message carrying any of these fields (matched without regard to
 * case) is refused; with `matching`, only a field whose unfolded value matches.
 */
export const RefuseHeaderNode = z.strictObject({
    kind: z.literal("RefuseHeader"),
    origin: RuleOrigin,
    ...Observable.shape,
    names: z.array(z.string()),
    matching: RegexPattern.optional(),
});
/** `refuse body matching /RE/ [in first SIZE]`: a message whose body's first `bytes` match is refused. */
export const RefuseBodyNode = z.strictObject({ kind: z.literal("RefuseBody"), origin: RuleOrigin, ...Observable.shape, matching: RegexPattern, bytes: Amount });
/** RFC 6409 section 6.3 / RFC 5322 section 3.6: From present, Sender with several From, Date parses, single fields once. */
export const EnforceMessageSyntaxNode = z.strictObject({ kind: z.literal("EnforceMessageSyntax"), origin: RuleOrigin, ...Observable.shape });
/** RFC 1870: SIZE= and the actual message size. */
export const LimitSizeNode = z.strictObject({ kind: z.literal("LimitSize"), origin: RuleOrigin, ...Observable.shape, bytes: Amount });
/** Recipients per transaction. */
/** `limit hops N`: a message with more than `max` Received fields is looping (RFC 5321 section 6.3). */
export const LimitHopsNode = z.strictObject({ kind: z.literal("LimitHops"), origin: RuleOrigin, ...Observable.shape, max: Amount });
export const LimitRecipientsNode = z.strictObject({ kind: z.literal("LimitRecipients"), origin: RuleOrigin, ...Observable.shape, max: Amount });
/** RFC 5322 section 2.2 header syntax, always on. */
export const CheckHeaderSyntaxNode = z.strictObject({ kind: z.literal("CheckHeaderSyntax"), origin: RuleOrigin });
/** SMTP smuggling defence: bare CR or LF in DATA is refused; `allow bare line endings` turns them into CRLF instead. */
export const RefuseBareLineEndingsNode = z.strictObject({
    kind: z.literal("RefuseBareLineEndings"),
    origin: RuleOrigin,
    normalise: z.literal(true).optional(),
});
/** RFC 6409 sections 4.2 and 8.8 in header fields: From, Sender, Reply-To, To, Cc, Bcc and Resent- forms. */
export const QualifyHeadersNode = z.strictObject({
    kind: z.literal("QualifyHeaders"),
    origin: RuleOrigin,
    domain: z.string(),
    fields: z.array(z.string()),
});
/**
 * Message completion: Date (RFC 6409 section 8.2), Message-ID (8.3), From (the login's own address when the
 * message has none; RFC 5322 section 3.6 requires one), Sender (8.1), Received (RFC 5321 section 4.4).
 */
export const AddHeaderNode = z.strictObject({
    kind: z.literal("AddHeader"),
    origin: RuleOrigin,
    field: z.enum(["Date", "Message-ID", "From", "Sender", "Received"]),
    /** `add Received private`: the client's IP is left out for authenticated submissions. */
    private: z.literal(true).optional(),
    /** `add Received with tls`: the TLS protocol and cipher of the session, as Postfix's smtpd_tls_received_header writes them. */
    tls: z.literal(true).optional(),
    /** `add Received with login`: `(Authenticated sender: LOGIN)`, as Postfix's smtpd_sasl_authenticated_header writes it. */
    login: z.literal(true).optional(),
});
/** The variables an `add header` value may use: the login (the field is left out without one), the client's address, the queue id. */
export const FIELD_TEMPLATE_VARIABLES = ["login", "client", "queueid"];
/** `add header NAME "VALUE"`: a field of the site's own, appended; `{login}`, `{client}`, `{queueid}` in VALUE are filled in. */
export const AddFieldNode = z.strictObject({ kind: z.literal("AddField"), origin: RuleOrigin, name: z.string(), value: z.string() });
// Each stage's node kinds, in evaluation order. This is the one place the order is decided: a
// node kind belongs to a stage by standing in its list, and lower.ts sorts the nodes the rules
// give by these lists (the runtime then evaluates each array as it comes). Why each stands where
// it does: the session's standing (TLS, the greeting, then the login) before anything about an
// address, so a client that may not submit learns nothing about addresses (RFC 6409 section
// 4.3); qualification before every other address check (contract section 3); syntax before the
// unqualified-address refusal, which sits between `before` and `after`; the sender table's rewrite
// and masquerading change only the address passed on, so submission rights after them still judge
// the address the client sent; the table first, so that masquerading hides the host names of the
// address it gives (Postfix's cleanup order: canonical maps, then masquerading).
// In the message: size first (a message over it was not kept), then the hop count (a looping
// message is refused whatever it says), then the refusals by content and
// by field name (header, then body), before any change, so the client's own fields decide; header
// rights judge From: and Sender: as written, before qualification, the sender table and
// masquerading rewrite them (in that order, as in the envelope);
// replacements judge the values those left, then removals, before additions; the added fields last, `add header` fields before the standard ones so that Received
// (prepended) ends up on top (RFC 5321 section 4.4).
const AUTH_NODES = [RequireTlsNode];
const MAIL_BEFORE = [RequireTlsNode, RequireHeloNode, RequireAuthNode, QualifyEnvelopeNode, EnforceAddressSyntaxNode];
const MAIL_AFTER = [RewriteSendersNode, MasqueradeNode, SubmissionRightsNode, LimitSizeNode];
const RCPT_BEFORE = [RequireAuthNode, QualifyEnvelopeNode, EnforceAddressSyntaxNode];
const RCPT_AFTER = [RecipientsToNode, LimitRecipientsNode];
const MESSAGE_NODES = [
    LimitSizeNode,
    LimitHopsNode,
    EnforceMessageSyntaxNode,
    RefuseHeaderNode,
    RefuseBodyNode,
    SubmissionRightsNode,
    QualifyHeadersNode,
    RewriteSendersNode,
    MasqueradeNode,
    ReplaceHeaderNode,
    RemoveHeadersNode,
    AddFieldNode,
    AddHeaderNode,
];
export const MailNode = z.discriminatedUnion("kind", [...MAIL_BEFORE, ...MAIL_AFTER]);
export const RcptNode = z.discriminatedUnion("kind", [...RCPT_BEFORE, ...RCPT_AFTER]);
export const MessageNode = z.discriminatedUnion("kind", MESSAGE_NODES);
export const AuthNode = z.discriminatedUnion("kind", AUTH_NODES);
const kindsOf = (nodes) => nodes.map((node) => node.shape.kind.value);
/** The node kinds of each stage in evaluation order (see above); envelope stages split around the unqualified refusal. */
export const STAGE_ORDER = {
    auth: kindsOf(AUTH_NODES),
    mail: { before: kindsOf(MAIL_BEFORE), after: kindsOf(MAIL_AFTER) },
    rcpt: { before: kindsOf(RCPT_BEFORE), after: kindsOf(RCPT_AFTER) },
    message: kindsOf(MESSAGE_NODES),
};
/**
 * MAIL FROM and RCPT TO: `before` gets the session's standing and shapes the address (qualifies
 * it, checks its syntax); then the address must be fully qualified (RFC 6409 section 4.2), a check
 * no policy can leave out; `after` judges and rewrites the qualified address. Each list in order.
 */
function envelopeStage(node) {
    return z.strictObject({ before: z.array(node), refuseUnqualified: RefuseUnqualifiedNode, after: z.array(node) });
}
export const MailStage = envelopeStage(MailNode);
export const RcptStage = envelopeStage(RcptNode);
/**
 * After DATA: the message must be readable before any node reads it: no bare CR or LF (SMTP
 * smuggling), a header section in RFC 5322 syntax. Both are fixed fields; `nodes` follow in order.
 */
export const MessageStage = z.strictObject({
    refuseBareLineEndings: RefuseBareLineEndingsNode,
    checkHeaderSyntax: CheckHeaderSyntaxNode,
    nodes: z.array(MessageNode),
});
/** How the next hop is reached (RFC 8314, RFC 4954). */
export const RelayOptions = z.strictObject({
    /** Refuse to hand over unless TLS is active. */
    requireTls: z.boolean(),
    /** `require 8bitmime`: 8-bit mail for a next hop without 8BITMIME is refused (554 5.6.3), not converted (RFC 6409 section 8.4). */
    require8BitMime: z.boolean(),
    /** `verify certificate` was written; the certificate is verified anyway for smtps:// and under requireTls. */
    verifyCertificate: z.boolean(),
    /** A file with one `USER:PASSWORD` line for AUTH at the next hop. */
    credentials: z.string().nullable(),
    /** `xforward`: the client's facts go to a next hop that offers Postfix's XFORWARD, before each MAIL FROM. */
    xforward: z.literal(true).optional(),
});
/**
 * `deliver from ADDRESS|@DOMAIN relay URL [OPTIONS]` (Postfix's sender_dependent_relayhost_maps):
 * mail whose envelope sender (after rewriting) is `sender` goes to this next hop instead of the
 * main one. `sender` is an address (domain in lowercase A-labels) or `@domain`; an address wins
 * over its domain.
 */
export const SenderRelay = z.strictObject({ sender: z.string(), origin: RuleOrigin, url: z.string(), relay: RelayOptions });
export const DeliveryNode = z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("Relay"), origin: RuleOrigin, url: z.string(), relay: RelayOptions, bySender: z.array(SenderRelay).optional() }),
    z.strictObject({ kind: z.literal("Spool"), origin: RuleOrigin, dir: z.string() }),
    z.strictObject({
        kind: z.literal("SpoolThenRelay"),
        origin: RuleOrigin,
        dir: z.string(),
        url: z.string(),
        relay: RelayOptions,
        lifetimeMs: Amount,
        bySender: z.array(SenderRelay).optional(),
    }),
]);
/** `limit rate N UNIT per WINDOW per SUBJECT`: counted on accepted messages, refused with 451 4.7.1. */
export const RateRuleNode = z.strictObject({
    origin: RuleOrigin,
    count: Amount,
    unit: z.enum(["messages", "recipients", "bytes"]),
    windowMs: Amount,
    per: z.enum(["user", "ip", "domain"]),
    ...Observable.shape,
});
const ThrottleWindow = z.strictObject({ count: Amount, windowMs: Amount, blockMs: Amount });
/** Issue 6: rate limits, login throttling, session limits and timeouts (all with defaults). */
export const LimitsConfig = z.strictObject({
    store: z.discriminatedUnion("kind", [z.strictObject({ kind: z.literal("memory") }), z.strictObject({ kind: z.literal("redis"), url: z.string(), origin: RuleOrigin })]),
    rates: z.array(RateRuleNode),
    sessions: z.strictObject({ max: Amount, perIp: Amount, origin: RuleOrigin, perIpOrigin: RuleOrigin }),
    throttle: z.strictObject({
        failuresPerSession: Amount,
        ip: ThrottleWindow,
        login: ThrottleWindow,
        delayBaseMs: Amount,
        delayMaxMs: Amount,
        origin: RuleOrigin,
    }),
    /** `origin` is the `timeout command` rule, `dataOrigin` the `timeout data` rule (or their defaults). */
    timeouts: z.strictObject({ commandMs: Amount, dataMs: Amount, origin: RuleOrigin, dataOrigin: RuleOrigin }),
});
/** What the server does when the policy says nothing about limits (`docs/limits.md`). */
export const DEFAULT_LIMITS = {
    sessions: 500,
    sessionsPerIp: 20,
    failuresPerSession: 3,
    ip: { count: 5, windowMs: 10 * 60_000, blockMs: 15 * 60_000 },
    login: { count: 10, windowMs: 60 * 60_000, blockMs: 60 * 60_000 },
    delayBaseMs: 1000,
    delayMaxMs: 8000,
    commandMs: 5 * 60_000,
    dataMs: 10 * 60_000,
};
/** `sign dkim domain D selector S key "FILE"` (RFC 6376, RFC 8463). */
export const DkimSignatureNode = z.strictObject({
    domain: z.string(),
    selector: z.string(),
    keyPath: z.string(),
    headers: z.array(z.string()).optional(),
    oversign: z.array(z.string()).optional(),
    origin: RuleOrigin,
});
/** `milter SOCKET`: one milter (Sendmail/Postfix milter protocol 6), asked in the order written. */
export const MilterNode = z.strictObject({
    /** Where the milter listens: TCP (`inet`) or a Unix socket (`unix`, an absolute path). */
    socket: z.discriminatedUnion("kind", [z.strictObject({ kind: z.literal("inet"), host: z.string(), port: Port }), z.strictObject({ kind: z.literal("unix"), path: z.string() })]),
    /** When the milter cannot be asked (down, too slow, speaking nonsense): refuse for now (451 4.7.1) or go on without it. */
    onFailure: z.enum(["tempfail", "accept"]),
    /** Postfix's milter_connect_timeout, milter_command_timeout and milter_content_timeout. */
    timeouts: z.strictObject({ connectMs: z.number().int().positive(), commandMs: z.number().int().positive(), contentMs: z.number().int().positive() }),
    origin: RuleOrigin,
});
/**
 * `auth ldap`: logins bound as at an LDAP directory (RFC 4513), found at a DN built from the login
 * (`%u`) or by a search; the entry's `addressAttributes` are the addresses the login may send as.
 */
export const LdapLoginSource = z.strictObject({
    kind: z.literal("ldap"),
    /** `ldap://HOST[:PORT]` or `ldaps://HOST[:PORT]`. */
    url: z.string(),
    /** StartTLS before anything else (an `ldap://` URL only). */
    startTls: z.boolean(),
    /** The CA certificates (PEM) the directory's certificate must chain to; the system's when absent. */
    caPath: z.string().optional(),
    find: z.discriminatedUnion("by", [
        z.strictObject({ by: z.literal("bind"), dn: z.string() }),
        z.strictObject({
            by: z.literal("search"),
            base: z.string(),
            filter: z.string(),
            /** The service account the search binds as (its password the file's first line); anonymous when absent. */
            as: z.strictObject({ dn: z.string(), passwordPath: z.string() }).optional(),
        }),
    ]),
    addressAttributes: z.array(z.string()).min(1),
    /** How long a login's entry is remembered after a successful login; 0 for never. */
    cacheTtlMs: z.number().int().nonnegative(),
    timeoutMs: z.number().int().positive(),
    origin: RuleOrigin,
});
export const LogLevel = z.enum(["errors", "info", "debug"]);
/** `auth users "FILE"`: the logins and password hashes of a users file (formats/usersFile.ts). */
export const UsersFileLogins = z.strictObject({ kind: z.literal("usersFile"), path: z.string(), origin: RuleOrigin });
/**
 * `auth sql "URL" ...`: a PostgreSQL query for the login's password hash and, optionally, one for
 * the addresses it may use; both take the login as `$1` (runtime/auth/sqlLogins.ts).
 */
export const SqlLogins = z.strictObject({
    kind: z.literal("sql"),
    url: z.string(),
    /** A file whose first line is the database password, read when the server starts. */
    passwordPath: z.string().nullable(),
    passwordQuery: z.string(),
    sendersQuery: z.string().nullable(),
    poolSize: z.number().int().positive(),
    timeoutMs: z.number().int().positive(),
    origin: RuleOrigin,
});
/** Where Dovecot's auth service listens: its `auth-client` unix socket, or a TCP `inet_listener`. */
export const DovecotEndpoint = z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("unix"), path: z.string() }),
    z.strictObject({ kind: z.literal("inet"), host: z.string(), port: Port }),
]);
/** `auth dovecot "SOCKET"`: Dovecot's auth service checks each login (runtime/auth/dovecotAuthClient.ts), each answer awaited at most `timeoutMs`. */
export const DovecotLogins = z.strictObject({ kind: z.literal("dovecot"), endpoint: DovecotEndpoint, timeoutMs: z.number().int().positive(), origin: RuleOrigin });
/** Who checks a login's password: one source per policy, as Postfix has one SASL backend. */
export const LoginSource = z.discriminatedUnion("kind", [UsersFileLogins, SqlLogins, LdapLoginSource, DovecotLogins]);
/**
 * `auth oauth`: bearer tokens (OAUTHBEARER, RFC 7628, and XOAUTH2) beside the login source. A JWT
 * is checked against the issuer's keys; otherwise the issuer's introspection endpoint (RFC 7662)
 * is asked. Either way the token must name `audience`. The login is the token's `loginClaim`.
 */
export const OauthLogins = z.discriminatedUnion("kind", [
    z.strictObject({
        kind: z.literal("jwt"),
        issuer: z.string(),
        audience: z.string(),
        keys: z.union([z.strictObject({ file: z.string() }), z.strictObject({ url: z.string() })]),
        loginClaim: z.string(),
        origin: RuleOrigin,
    }),
    z.strictObject({
        kind: z.literal("introspection"),
        url: z.string(),
        /** What the answer's `aud` (or `client_id`) must name: the issuer vouches for every application's tokens. */
        audience: z.string(),
        /** A `CLIENT-ID:SECRET` file for the endpoint's HTTP Basic authentication. */
        client: z.string().optional(),
        loginClaim: z.string(),
        origin: RuleOrigin,
    }),
]);
export const RuleGraph = z.strictObject({
    format: z.literal(GRAPH_FORMAT),
    version: z.literal(GRAPH_VERSION),
    source: z.strictObject({
        /** The policy file as named on the command line: what log events and traces print. */
        file: z.string(),
        /** SHA-256 of the policy text: the policy's version. */
        sha256: z.string(),
    }),
    hostname: z.string(),
    listeners: z.array(Listener),
    tls: TlsCertificate.nullable(),
    /** `tls certificate` written again: the server presents one of these when the client asks (SNI) for a name it holds. */
    sniCertificates: z.array(TlsCertificate),
    /** `tls ciphers`: the OpenSSL cipher list for TLS 1.2 (TLS 1.2 is the floor), or null for Node's default. */
    tlsCiphers: z.string().nullable(),
    /** `tls protocols`: the TLS versions offered (both by default). */
    tlsProtocols: z.array(TlsProtocol).min(1),
    /** `auth ...`: who checks the passwords of AUTH; null when nobody can log in. */
    logins: LoginSource.nullable(),
    oauth: OauthLogins.optional(),
    /** Domains whose postmaster and own addresses are local (hostname and qualify domains), lowercase. */
    localDomains: z.array(z.string()),
    log: z.strictObject({ level: LogLevel, origin: RuleOrigin }),
    stages: z.strictObject({
        auth: z.array(AuthNode),
        mail: MailStage,
        rcpt: RcptStage,
        message: MessageStage,
    }),
    deliver: DeliveryNode,
    limits: LimitsConfig,
    /** Signatures applied after every other change to the message. */
    dkim: z.array(DkimSignatureNode),
    /** `aliases "FILE"`: recipients expanded before delivery (RFC 6409 section 8.7). */
    aliases: z.strictObject({ path: z.string(), origin: RuleOrigin }).nullable(),
    metrics: z.strictObject({ host: z.string(), port: Port, origin: RuleOrigin }).nullable(),
    /** Server processes sharing the listeners; "auto" is one per core. */
    workers: z.union([z.number().int().positive(), z.literal("auto")]),
    /** `copy to ADDRESS, ...`: every accepted message also goes to these addresses, with NOTIFY=NEVER. */
    copyTo: z.strictObject({ addresses: z.array(z.string()), origin: RuleOrigin }).optional(),
    /** `milter SOCKET`: the milters every transaction is shown to, in order (absent when none). */
    milters: z.array(MilterNode).optional(),
    /**
     * `listen local "DIR"`: the drop folder of `msac sendmail`. A file's owner (set by the kernel)
     * is the local user, whose name is the session's login; `DIR/submit.socket` is where sendmail
     * names its file and waits for the verdict (docs/integrations/sendmail.md).
     */
    localSubmission: z.strictObject({ dir: z.string(), origin: RuleOrigin }).optional(),
    /** `group NAME: LOGIN, ...`: the logins of each group, by name (nodes written `for` a group carry its logins too). */
    groups: z.record(z.string(), z.array(z.string())),
});
/** An envelope stage's nodes in evaluation order, the fixed one included: for readers (print, coverage), not the interpreter. */
export function envelopeNodes(stage) {
    return [...stage.before, stage.refuseUnqualified, ...stage.after];
}
/** The message stage's nodes in evaluation order, the fixed ones included. */
export function messageNodes(stage) {
    return [stage.refuseBareLineEndings, stage.checkHeaderSyntax, ...stage.nodes];
}
/** The users file of the policy, when its logins are checked against one (tooling lists its logins). */
export function usersFileOf(graph) {
    return graph.logins?.kind === "usersFile" ? graph.logins : null;
}
/** How traces name the check of a login's password, by its source. */
export function loginSourceNode(source) {
    switch (source.kind) {
        case "usersFile":
            return "AuthUsers";
        case "sql":
            return "AuthSql";
        case "ldap":
            return "AuthLdap";
        case "dovecot":
            return "AuthDovecot";
    }
}
/** `FILE:LINE`, how log events and traces name the rule that decided. */
export function ruleLocation(origin) {
    return `${origin.file}:${origin.line}`;
}
//# sourceMappingURL=graph.js.map