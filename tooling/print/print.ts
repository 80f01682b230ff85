// The effective policy: what the server will do, read back from the compiled
// rule graph (not the source), with every default written out, as `postconf`
// does for Postfix; `changed` keeps only what the policy itself wrote, as
// `postconf -n`. Output is valid policy text (defaults carry a `# default`
// comment; what is always on and cannot be written is listed as comments).
import path from "node:path";
import { formatDuration } from "../../compiler/duration.js";
import { envelopeNodes, messageNodes, type RuleGraph, type RuleOrigin } from "../../graph/graph.js";
import { DEFAULT_QUEUE_LIFETIME_MS } from "../../compiler/lower.js";

interface PrintedRule {
  text: string;
  /** Set when the policy did not write this rule: the default it stands for. */
  isDefault: boolean;
}

/** A size in the largest unit that divides it, so `25MB` prints as `25MB`, not 25000000. */
export function formatSize(bytes: number): string {
  const units: [string, number][] = [
    ["GiB", 1024 ** 3],
    ["GB", 1e9],
    ["MiB", 1024 ** 2],
    ["MB", 1e6],
    ["KiB", 1024],
    ["KB", 1e3],
  ];
  for (const [unit, factor] of units) if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  return `${bytes}B`;
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, "\\$&")}"`;
}

export interface PrintOptions {
  changed?: boolean;
  /** Whether the policy wrote `hostname` (the graph holds the name, not where it came from). */
  hostnameWritten: boolean;
  /** Whether the policy wrote `allow unauthenticated` (in the graph it is only the absence of RequireAuth). */
  allowUnauthenticated?: boolean;
}

export function printPolicy(graph: RuleGraph, options: PrintOptions): string {
  const folder = path.dirname(path.resolve(graph.source.file));
  // Paths are kept resolved in the graph; shown relative to the policy when they lie below it.
  const shownPath = (p: string) => {
    const relative = path.relative(folder, p);
    return relative.startsWith("..") || path.isAbsolute(relative) ? p : relative;
  };
  const written = (origin: RuleOrigin) => origin.line > 0;
  /** `observe ` before a rule that only logs what it would refuse. */
  const observed = (node: { observe?: true } | undefined) => (node?.observe ? "observe " : "");
  const sections: PrintedRule[][] = [];
  const section = (...rules: (PrintedRule | undefined)[]) => sections.push(rules.filter((r): r is PrintedRule => !!r));
  const rule = (text: string, origin: RuleOrigin | null): PrintedRule => ({ text, isDefault: origin ? !written(origin) : false });
  const absent = (text: string, why: string): PrintedRule => ({ text: `# ${text}: not set (${why})`, isDefault: true });

  const mail = envelopeNodes(graph.stages.mail);
  const rcpt = envelopeNodes(graph.stages.rcpt);
  const message = messageNodes(graph.stages.message);
  const requireTls = mail.find((n) => n.kind === "RequireTls");
  const requireAuth = mail.find((n) => n.kind === "RequireAuth") ?? rcpt.find((n) => n.kind === "RequireAuth");
  const qualify = mail.find((n) => n.kind === "QualifyEnvelope");
  const syntax = mail.find((n) => n.kind === "EnforceAddressSyntax");
  const rights = mail.find((n) => n.kind === "SubmissionRights");
  const size = mail.find((n) => n.kind === "LimitSize");
  const recipients = rcpt.find((n) => n.kind === "LimitRecipients");

  section({ text: `hostname ${graph.hostname}`, isDefault: !options.hostnameWritten });
  section(
    graph.tls ? rule(`tls certificate ${quote(shownPath(graph.tls.certificate))} key ${quote(shownPath(graph.tls.key))}`, graph.tls.origin) : absent("tls certificate", "no TLS"),
    graph.tlsCiphers ? { text: `tls ciphers ${quote(graph.tlsCiphers)}`, isDefault: false } : absent("tls ciphers", "Node's default list; TLS 1.2 is the floor"),
    ...graph.listeners.map((l) => rule(`listen ${l.host ? `${l.host.includes(":") ? `[${l.host}]` : l.host}:` : ""}${l.port} ${l.mode}${l.proxy ? " proxy" : ""}`, l.origin)),
  );
  section(
    graph.users ? rule(`auth users ${quote(shownPath(graph.users.path))}`, graph.users.origin) : absent("auth users", "nobody can authenticate"),
    requireTls ? rule(`${observed(requireTls)}require tls`, requireTls.origin) : absent("require tls", "AUTH and MAIL are allowed before TLS"),
    requireAuth
      ? rule(`${observed(requireAuth)}require auth`, requireAuth.origin)
      : options.allowUnauthenticated
        ? { text: "allow unauthenticated", isDefault: false }
        : absent("require auth", "mail is taken without authentication"),
  );
  const otherDomains = graph.localDomains.filter((d) => d !== graph.hostname && d !== qualify?.domain);
  section(
    qualify ? rule(`qualify domains ${[qualify.domain, ...otherDomains].join(" ")}`, qualify.origin) : absent("qualify domains", "unqualified addresses are refused"),
    syntax ? rule(`${observed(syntax)}enforce address syntax`, syntax.origin) : absent("enforce address syntax", "addresses are not checked beyond qualification"),
    requireAuth?.kind === "RequireAuth" && requireAuth.postmaster
      ? rule("allow postmaster", requireAuth.postmaster.origin)
      : absent("allow postmaster", "postmaster too needs authentication"),
  );
  if (rights?.kind === "SubmissionRights") {
    const entries = Object.entries(rights.senders).map(([login, addresses]) => `  ${login}: ${addresses.join(", ")}`);
    section(
      rights.file
        ? rule(`${observed(rights)}senders ${quote(shownPath(rights.file))}`, rights.origin)
        : rule([`${observed(rights)}senders {`, ...entries, "}"].join("\n"), rights.origin),
      rights.mismatch === "addSender" ? { text: "allow sender mismatch", isDefault: false } : absent("allow sender mismatch", "a MAIL FROM the login may not use is refused"),
      rights.checkHeaders ? rule("enforce senders in headers", rights.checkHeaders.origin) : absent("enforce senders in headers", "only MAIL FROM is checked"),
    );
  } else section(absent("senders", "submission rights are not checked"));
  const restrictions = rcpt.flatMap((n) =>
    n.kind === "RecipientsTo"
      ? [rule(`${observed(n)}limit recipients ${n.except ? "except" : "to"} ${n.targets.join(", ")}${n.logins ? ` for ${n.logins.join(", ")}` : ""}`, n.origin)]
      : [],
  );
  const masquerade = [...mail, ...message].find((n) => n.kind === "Masquerade");
  const inEnvelope = mail.some((n) => n.kind === "Masquerade");
  const inHeaders = message.some((n) => n.kind === "Masquerade");
  const messageSyntax = message.find((n) => n.kind === "EnforceMessageSyntax");
  const bare = message.find((n) => n.kind === "RefuseBareLineEndings");
  section(
    ...(restrictions.length > 0 ? restrictions : [absent("limit recipients to", "every recipient is allowed")]),
    graph.aliases ? rule(`aliases ${quote(shownPath(graph.aliases.path))}`, graph.aliases.origin) : absent("aliases", "recipients are not expanded"),
    masquerade?.kind === "Masquerade"
      ? rule(
          `masquerade ${masquerade.domains.join(", ")}${masquerade.exceptions.length ? ` except ${masquerade.exceptions.join(", ")}` : ""}${inEnvelope && inHeaders ? "" : inEnvelope ? " in envelope" : " in headers"}`,
          masquerade.origin,
        )
      : absent("masquerade", "host names in sender addresses are kept"),
    ...message.flatMap((n) => (n.kind === "RemoveHeaders" ? [rule(`remove header ${n.names.join(", ")}`, n.origin)] : [])),
    messageSyntax
      ? rule(`${observed(messageSyntax)}enforce message syntax`, messageSyntax.origin)
      : absent("enforce message syntax", "From, Date and single fields are not checked"),
    bare?.kind === "RefuseBareLineEndings" && bare.normalise ? rule("allow bare line endings", bare.origin) : absent("allow bare line endings", "a bare CR or LF is refused"),
  );
  section(
    size?.kind === "LimitSize" ? rule(`${observed(size)}limit size ${formatSize(size.bytes)}`, size.origin) : absent("limit size", "no size limit"),
    recipients?.kind === "LimitRecipients"
      ? rule(`${observed(recipients)}limit recipients ${recipients.max}`, recipients.origin)
      : absent("limit recipients", "no recipient limit"),
  );
  const limits = graph.limits;
  const t = limits.throttle;
  const throttleDefault = !written(t.origin);
  section(
    ...limits.rates.map((r) =>
      rule(`${observed(r)}limit rate ${r.unit === "bytes" ? formatSize(r.count) : `${r.count} ${r.unit}`} per ${formatDuration(r.windowMs)} per ${r.per}`, r.origin),
    ),
    limits.rates.length === 0 ? absent("limit rate", "no rate limits") : undefined,
    limits.store.kind === "redis" ? rule(`limits store ${limits.store.url}`, limits.store.origin) : { text: "limits store memory", isDefault: true },
    rule(`limit sessions ${limits.sessions.max}`, limits.sessions.origin),
    rule(`limit sessions per ip ${limits.sessions.perIp}`, limits.sessions.perIpOrigin),
    { text: `throttle auth failures ${t.failuresPerSession} per session`, isDefault: throttleDefault },
    { text: `throttle auth failures ${t.ip.count} per ${formatDuration(t.ip.windowMs)} per ip block ${formatDuration(t.ip.blockMs)}`, isDefault: throttleDefault },
    { text: `throttle auth failures ${t.login.count} per ${formatDuration(t.login.windowMs)} per login block ${formatDuration(t.login.blockMs)}`, isDefault: throttleDefault },
    { text: `throttle auth delay ${formatDuration(t.delayBaseMs)} up to ${formatDuration(t.delayMaxMs)}`, isDefault: throttleDefault },
    rule(`timeout command ${formatDuration(limits.timeouts.commandMs)}`, limits.timeouts.origin),
    rule(`timeout data ${formatDuration(limits.timeouts.dataMs)}`, limits.timeouts.dataOrigin),
  );
  const adds = message.flatMap((n) => (n.kind === "AddHeader" ? [rule(`add ${n.field}${n.private ? " private" : ""}`, n.origin)] : []));
  section(...(adds.length > 0 ? adds : [absent("add", "messages are passed on without completion")]));
  const deliver = graph.deliver;
  const relayOptions =
    deliver.kind === "Spool"
      ? ""
      : [
          deliver.relay.requireTls ? " require tls" : "",
          deliver.relay.require8BitMime ? " require 8bitmime" : "",
          deliver.relay.verifyCertificate ? " verify certificate" : "",
          deliver.relay.credentials ? ` auth ${quote(shownPath(deliver.relay.credentials))}` : "",
        ].join("");
  const deliverText =
    deliver.kind === "Relay"
      ? `deliver relay ${deliver.url}${relayOptions}`
      : deliver.kind === "Spool"
        ? `deliver spool ${quote(shownPath(deliver.dir))}`
        : `deliver spool ${quote(shownPath(deliver.dir))} relay ${deliver.url}${relayOptions}`;
  section(
    ...graph.dkim.map((d) =>
      rule(
        `sign dkim domain ${d.domain} selector ${d.selector} key ${quote(shownPath(d.keyPath))}${d.headers ? ` headers ${d.headers.join(", ")}` : ""}${d.oversign ? ` oversign ${d.oversign.join(", ")}` : ""}`,
        d.origin,
      ),
    ),
    graph.dkim.length === 0 ? absent("sign dkim", "messages are not signed") : undefined,
  );
  section(
    rule(`log ${graph.log.level}`, graph.log.origin),
    graph.metrics ? rule(`metrics listen ${graph.metrics.host}:${graph.metrics.port}`, graph.metrics.origin) : absent("metrics listen", "no metrics endpoint"),
    { text: `workers ${graph.workers}`, isDefault: graph.workers === 1 },
    rule(deliverText, deliver.origin),
    deliver.kind === "SpoolThenRelay"
      ? { text: `limit queue lifetime ${formatDuration(deliver.lifetimeMs)}`, isDefault: deliver.lifetimeMs === DEFAULT_QUEUE_LIFETIME_MS }
      : undefined,
  );

  const builtins = [...new Set([...mail, ...rcpt, ...message].filter((n) => n.origin.builtin).map((n) => n.origin.builtin!))];
  const out: string[] = [`# effective policy of ${graph.source.file}${options.changed ? " (only what differs from the defaults)" : ""}`];
  for (const rules of sections) {
    const shown = rules.filter((r) => !options.changed || !r.isDefault);
    if (shown.length === 0) continue;
    out.push("");
    for (const r of shown) out.push(r.isDefault && !r.text.startsWith("#") ? `${r.text}  # default` : r.text);
  }
  if (!options.changed) {
    out.push("", "# always on, whatever the policy says:");
    for (const b of builtins) out.push(`#   ${b}`);
  }
  return out.join("\n") + "\n";
}
