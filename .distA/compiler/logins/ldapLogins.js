import { childrenOf, isReal, isToken, list, located, part, parts, spanOfToken, string, token } from "../../grammar/cstReader.js";
import { Duration, keywords, LBrace, Newline, RBrace, Url, Word } from "../../grammar/lexer.js";
import { LOGIN_PLACEHOLDER, ldapFilterProblem, ldapUrlProblem } from "../../formats/ldapTemplates.js";
import { formatDuration } from "../duration.js";
import { resolvePolicyPath } from "../checkFiles.js";
import { quote } from "../rules/ruleModule.js";
/** The words the LDAP form is written with (`auth` is the verb's). */
export const LDAP_KEYWORDS = keywords("ldap", "starttls", "ca", "bind", "search", "base", "filter", "as", "password", "file", "addresses", "cache", "timeout");
const K = LDAP_KEYWORDS;
/** What a login's entry grants when the rule does not say (the attributes of Netscape's and Sun's mail schemas). */
export const DEFAULT_ADDRESS_ATTRIBUTES = ["mail", "mailAlternateAddress"];
const DEFAULT_CACHE_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 5_000;
/** The alternative of the `auth` production: `ldap URL { CLAUSES }`. */
export function ldapAlternative($) {
    $.CONSUME(K.ldap);
    $.OR([{ ALT: () => $.CONSUME(Url, { LABEL: "ldapUrl" }) }, { ALT: () => $.SUBRULE($.stringValue, { LABEL: "ldapUrl" }) }]);
    $.SUBRULE($.production("ldapBlock"));
}
/** The productions of the block, one per clause so each takes its strings by name. */
export const LDAP_PRODUCTIONS = [
    {
        name: "ldapBlock",
        body: ($) => {
            $.CONSUME(LBrace);
            $.MANY(() => $.OR([{ ALT: () => $.CONSUME(Newline) }, { ALT: () => $.SUBRULE($.production("ldapClause")) }]));
            $.CONSUME(RBrace);
        },
    },
    {
        name: "ldapClause",
        body: ($) => {
            $.OR([
                { ALT: () => $.CONSUME(K.starttls) },
                {
                    ALT: () => {
                        $.CONSUME(K.ca);
                        $.SUBRULE($.stringValue, { LABEL: "ca" });
                    },
                },
                {
                    ALT: () => {
                        $.CONSUME(K.bind);
                        $.SUBRULE2($.stringValue, { LABEL: "bindDn" });
                    },
                },
                { ALT: () => $.SUBRULE($.production("ldapSearch")) },
                {
                    ALT: () => {
                        $.CONSUME(K.addresses);
                        $.SUBRULE($.nameList, { LABEL: "attributes" });
                    },
                },
                {
                    // cache 5m | cache off
                    ALT: () => {
                        $.CONSUME(K.cache);
                        $.OR2([{ ALT: () => $.CONSUME(Duration, { LABEL: "cache" }) }, { ALT: () => $.CONSUME(Word, { LABEL: "cache" }) }]);
                    },
                },
                {
                    ALT: () => {
                        $.CONSUME(K.timeout);
                        $.CONSUME2(Duration, { LABEL: "timeout" });
                    },
                },
            ]);
            $.CONSUME2(Newline);
        },
    },
    {
        // search base "DN" filter "FILTER" | search as "DN" password file "FILE"
        name: "ldapSearch",
        body: ($) => {
            $.CONSUME(K.search);
            $.OR([{ ALT: () => $.SUBRULE($.production("ldapSearchBase")) }, { ALT: () => $.SUBRULE($.production("ldapSearchAs")) }]);
        },
    },
    {
        name: "ldapSearchBase",
        body: ($) => {
            $.CONSUME(K.base);
            $.SUBRULE($.stringValue, { LABEL: "base" });
            $.CONSUME(K.filter);
            $.SUBRULE2($.stringValue, { LABEL: "filter" });
        },
    },
    {
        name: "ldapSearchAs",
        body: ($) => {
            $.CONSUME(K.as);
            $.SUBRULE($.stringValue, { LABEL: "serviceDn" });
            $.CONSUME(K.password);
            $.CONSUME(K.file);
            $.SUBRULE2($.stringValue, { LABEL: "passwordFile" });
        },
    },
];
/** The syntax-tree node of `auth ldap`, from the `auth` production's children. */
export function buildLdap(c, base) {
    // A bare URL token, or a quoted string (a production of its own).
    const bare = c.ldapUrl?.[0];
    const url = bare && isToken(bare) ? (isReal(bare) ? located(bare) : undefined) : string(c, "ldapUrl");
    const block = part(c, "ldapBlock");
    if (!url || !block)
        return undefined;
    const clauses = [];
    for (const node of parts(childrenOf(block), "ldapClause")) {
        const clause = buildClause(childrenOf(node));
        if (clause)
            clauses.push(clause);
    }
    return { kind: "authLdap", ...base, url, clauses };
}
function buildClause(c) {
    const keyword = (name) => {
        const found = token(c, name);
        return found && spanOfToken(found);
    };
    if (c.KwStarttls)
        return keyword("KwStarttls") && { kind: "starttls", at: keyword("KwStarttls") };
    if (c.KwCa) {
        const path = string(c, "ca");
        return path && { kind: "ca", at: keyword("KwCa"), path };
    }
    if (c.KwBind) {
        const dn = string(c, "bindDn");
        return dn && { kind: "bind", at: keyword("KwBind"), dn };
    }
    if (c.KwAddresses) {
        const attributes = list(c, "attributes");
        return attributes.length > 0 ? { kind: "addresses", at: keyword("KwAddresses"), attributes } : undefined;
    }
    if (c.KwCache) {
        const value = token(c, "cache");
        return value && { kind: "cache", at: keyword("KwCache"), value: located(value) };
    }
    if (c.KwTimeout) {
        const value = token(c, "timeout");
        return value && { kind: "timeout", at: keyword("KwTimeout"), value: located(value) };
    }
    const search = part(c, "ldapSearch");
    const at = search && token(childrenOf(search), "KwSearch");
    if (!search || !at)
        return undefined;
    const searchBase = part(childrenOf(search), "ldapSearchBase");
    if (searchBase) {
        const [base, filter] = [string(childrenOf(searchBase), "base"), string(childrenOf(searchBase), "filter")];
        return base && filter && { kind: "searchBase", at: spanOfToken(at), base, filter };
    }
    const searchAs = part(childrenOf(search), "ldapSearchAs");
    const [dn, passwordFile] = searchAs ? [string(childrenOf(searchAs), "serviceDn"), string(childrenOf(searchAs), "passwordFile")] : [];
    return dn && passwordFile && { kind: "searchAs", at: spanOfToken(at), dn, passwordFile };
}
/**
 * Checks the rule. The checked value comes back even after errors (the policy then has a login
 * source, so `require auth` is not reported as well); errors stop the lowering anyway.
 */
export function checkLdap(rule, context) {
    const urlProblem = ldapUrlProblem(rule.url.value);
    if (urlProblem) {
        context.report("invalidLdapUrl", rule.url.span, urlProblem, { hint: 'write `auth ldap "ldap://HOST:PORT" { ... }` or `ldaps://`' });
    }
    // Each clause once: a second one would silently win or lose.
    const seen = new Map();
    for (const clause of rule.clauses) {
        const first = seen.get(clause.kind);
        if (first) {
            context.report("ldapClauses", clause.at, `\`${clauseName(clause)}\` is written twice in \`auth ldap\``, {
                related: context.related(first, "first written here"),
                hint: "keep one",
            });
        }
        else
            seen.set(clause.kind, clause.at);
    }
    const find = (kind) => rule.clauses.find((c) => c.kind === kind);
    const [bind, searchBase, searchAs, starttls] = [find("bind"), find("searchBase"), find("searchAs"), find("starttls")];
    if (!bind && !searchBase) {
        context.report("ldapClauses", rule.verb, "`auth ldap` has neither `bind` nor `search base`, so it cannot find a login's entry", {
            hint: 'add `bind "uid=%u,ou=people,dc=example,dc=com"` or `search base "DN" filter "(uid=%u)"`',
        });
    }
    if (bind && searchBase) {
        context.report("ldapClauses", searchBase.at, "`auth ldap` has both `bind` and `search base`; a login's entry is found one way", {
            related: context.related(bind.at, "`bind` is written here"),
            hint: "keep `bind` to bind at a DN built from the login, or `search` to find the entry first",
        });
    }
    if (searchAs && !searchBase) {
        context.report("ldapClauses", searchAs.at, "`search as` without `search base`: there is no search to bind for", { hint: 'add `search base "DN" filter "FILTER"`' });
    }
    const ldaps = rule.url.value.startsWith("ldaps:");
    if (starttls && ldaps) {
        context.report("ldapClauses", starttls.at, "`starttls` with an `ldaps://` URL: the connection is already TLS", { hint: "remove `starttls`, or use `ldap://`" });
    }
    for (const [template, what] of [
        [bind?.dn, "the `bind` DN"],
        [searchBase?.filter, "the `search` filter"],
    ]) {
        if (template && !template.value.includes(LOGIN_PLACEHOLDER)) {
            context.report("ldapLoginPlaceholder", template.span, `${what} has no \`${LOGIN_PLACEHOLDER}\`, so every login would be the same entry`, {
                hint: `write \`${LOGIN_PLACEHOLDER}\` where the login goes`,
            });
        }
    }
    const filterProblem = searchBase && ldapFilterProblem(searchBase.filter.value);
    if (searchBase && filterProblem) {
        context.report("invalidLdapFilter", searchBase.filter.span, `\`${searchBase.filter.value}\` is not an LDAP filter: ${filterProblem}`, {
            hint: "write a filter such as `(&(objectClass=inetOrgPerson)(uid=%u))`",
        });
    }
    if (!urlProblem && !ldaps && !starttls && !isLoopback(new URL(rule.url.value).hostname)) {
        context.report("ldapClearText", rule.url.span, `passwords go to \`${new URL(rule.url.value).host}\` in clear text`, {
            hint: "add `starttls` to the block, or use an `ldaps://` URL",
        });
    }
    const cache = find("cache");
    let cacheTtlMs = DEFAULT_CACHE_MS;
    if (cache) {
        cacheTtlMs = (cache.value.value === "off" ? 0 : context.duration(cache.value)) ?? DEFAULT_CACHE_MS;
    }
    const timeout = find("timeout");
    const timeoutMs = (timeout && context.duration(timeout.value)) ?? DEFAULT_TIMEOUT_MS;
    const ca = find("ca")?.path;
    return {
        url: rule.url.value,
        startTls: starttls !== undefined,
        ...(ca ? { ca } : {}),
        find: !searchBase
            ? { by: "bind", dn: bind?.dn.value ?? "" }
            : { by: "search", base: searchBase.base.value, filter: searchBase.filter.value, ...(searchAs ? { as: { dn: searchAs.dn.value, passwordFile: searchAs.passwordFile } } : {}) },
        addressAttributes: find("addresses")?.attributes.map((a) => a.value) ?? DEFAULT_ADDRESS_ATTRIBUTES,
        cacheTtlMs,
        timeoutMs,
    };
}
function clauseName(clause) {
    return clause.kind === "searchBase" ? "search base" : clause.kind === "searchAs" ? "search as" : clause.kind;
}
function isLoopback(host) {
    return host === "localhost" || host === "[::1]" || /^127\./.test(host);
}
/** The graph's login source for the checked rule: paths resolved against the policy's folder. */
export function lowerLdap(checked, file, origin) {
    const { ca, find, ...rest } = checked;
    return {
        kind: "ldap",
        ...rest,
        ...(ca ? { caPath: resolvePolicyPath(file, ca.value) } : {}),
        find: find.by === "bind"
            ? find
            : { by: "search", base: find.base, filter: find.filter, ...(find.as ? { as: { dn: find.as.dn, passwordPath: resolvePolicyPath(file, find.as.passwordFile.value) } } : {}) },
        origin,
    };
}
/** The rule as `msac print` writes it back, every default written out. */
export function printLdap(source, at) {
    const { find } = source;
    return [
        `auth ldap ${quote(source.url)} {`,
        ...(source.startTls ? ["  starttls"] : []),
        ...(source.caPath ? [`  ca ${quote(at.path(source.caPath))}`] : []),
        ...(find.by === "bind" ? [`  bind ${quote(find.dn)}`] : [`  search base ${quote(find.base)} filter ${quote(find.filter)}`]),
        ...(find.by === "search" && find.as ? [`  search as ${quote(find.as.dn)} password file ${quote(at.path(find.as.passwordPath))}`] : []),
        `  addresses ${source.addressAttributes.join(", ")}`,
        `  cache ${source.cacheTtlMs === 0 ? "off" : formatDuration(source.cacheTtlMs)}`,
        `  timeout ${formatDuration(source.timeoutMs)}`,
        "}",
    ].join("\n");
}
//# sourceMappingURL=ldapLogins.js.map