// The LDAP values an `auth ldap` rule writes: its URL, and the DN and filter templates in which
// `%u` stands for the login. The checker judges them; the runtime fills them in, escaping the
// login so that it can only ever be one attribute value (RFC 4514 for DNs, RFC 4515 for filters).
import { Filter, FilterParser } from "ldapts";
/** What a login stands for in a DN template or a filter template. */
export const LOGIN_PLACEHOLDER = "%u";
/** `value` as one attribute value of a DN (RFC 4514 section 2.4): each special character as `\XX`. */
export function escapeDnValue(value) {
    const hex = (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
    return value
        .replace(/[\\"+,;<>=\0]/g, hex)
        .replace(/^[ #]/, hex)
        .replace(/ $/, hex);
}
/** A DN template with every `%u` replaced by the login. */
export function fillDnTemplate(template, login) {
    return template.replaceAll(LOGIN_PLACEHOLDER, escapeDnValue(login));
}
/** A filter template with every `%u` replaced by the login, `*`, `(`, `)`, `\` and NUL escaped (RFC 4515 section 3). */
export function fillFilterTemplate(template, login) {
    return template.replaceAll(LOGIN_PLACEHOLDER, Filter.escape(login));
}
/** Why `url` cannot name an LDAP server, or undefined when it can (`ldap://HOST[:PORT]` or `ldaps://...`). */
export function ldapUrlProblem(url) {
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        return `\`${url}\` is not a URL`;
    }
    if (parsed.protocol !== "ldap:" && parsed.protocol !== "ldaps:")
        return `\`${url}\` is not an \`ldap://\` or \`ldaps://\` URL`;
    if (parsed.hostname === "")
        return `\`${url}\` names no host`;
    if (parsed.username || parsed.password)
        return `\`${url}\` carries credentials; the service account goes in \`search as\``;
    // RFC 4516's DN, attributes, scope and filter after the host are written as clauses here.
    if ((parsed.pathname !== "" && parsed.pathname !== "/") || parsed.search || parsed.hash)
        return `\`${url}\` has more than a host and port`;
    return undefined;
}
/** Why a filter template is no LDAP filter (RFC 4515), or undefined. */
export function ldapFilterProblem(template) {
    const filter = template.replaceAll(LOGIN_PLACEHOLDER, "login");
    if (!filter.startsWith("(") || !filter.endsWith(")"))
        return "an LDAP filter is enclosed in parentheses";
    // ldapts's parser forgives unbalanced parentheses; a directory would not.
    let depth = 0;
    for (let i = 0; i < filter.length; i++) {
        if (filter[i] === "\\")
            i++;
        else if (filter[i] === "(")
            depth++;
        else if (filter[i] === ")" && --depth < 0)
            break;
        if (depth === 0 && i < filter.length - 1)
            return "the filter's parentheses close before its end";
    }
    if (depth !== 0)
        return "the filter's parentheses are not balanced";
    try {
        FilterParser.parseString(filter);
        return undefined;
    }
    catch (error) {
        return error.message;
    }
}
//# sourceMappingURL=ldapTemplates.js.map