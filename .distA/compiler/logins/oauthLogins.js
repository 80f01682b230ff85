import { resolvePolicyPath } from "../checkFiles.js";
import { quote } from "../rules/ruleModule.js";
const isHttpUrl = (text) => /^https?:\/\/[^\s/]+/i.test(text);
/** Reports what makes the clauses unusable; true when they describe one way of checking tokens. */
export function checkOauth(clauses, context) {
    const { issuer, audience, keys, introspect, client } = clauses;
    if (clauses.repeated) {
        for (const value of clauses.repeated)
            context.report("oauthIncomplete", value.span, "this clause is written twice in the rule", { hint: "keep one" });
        return false;
    }
    if (introspect && (keys || issuer)) {
        const extra = (keys ?? issuer);
        context.report("oauthIncomplete", extra.span, "`introspect` asks the issuer about each token, so `issuer` and `keys` do not apply", {
            hint: 'keep `introspect "URL" audience "NAME"` (and `client`), or check tokens yourself with `issuer`, `audience` and `keys`',
        });
        return false;
    }
    if (introspect && !audience) {
        // The issuer vouches for tokens it gave any application; only `aud` says the token is meant for msa.
        context.report("oauthIncomplete", introspect.span, "`introspect` needs `audience`: the issuer vouches for tokens of every application it serves", {
            hint: 'write `auth oauth introspect "URL" audience "msa"` with the name the issuer gives msa',
        });
        return false;
    }
    if (!introspect) {
        const missing = ["issuer", "audience", "keys"].filter((name) => !clauses[name]);
        if (missing.length > 0) {
            context.report("oauthIncomplete", clauses.oauth.span, `\`auth oauth\` needs ${missing.map((m) => `\`${m}\``).join(" and ")}`, {
                hint: 'write `auth oauth issuer "https://id.example.com" audience "msa" keys "jwks.json"`, or `auth oauth introspect "URL" audience "msa"`',
            });
            return false;
        }
        if (client) {
            context.report("oauthIncomplete", client.span, "`client` names the credentials for `introspect`, which this rule does not use");
            return false;
        }
    }
    for (const url of [introspect, keys && isHttpUrl(keys.value) ? keys : undefined]) {
        if (url && !/^https?:\/\/[^\s/]+/i.test(url.value)) {
            context.report("oauthIncomplete", url.span, `\`${url.value}\` is not an http or https URL`);
            return false;
        }
    }
    return true;
}
export function lowerOauth(clauses, at, rule) {
    const origin = at.origin(rule);
    const loginClaim = clauses.claim?.value ?? "sub";
    if (clauses.introspect) {
        return {
            kind: "introspection",
            url: clauses.introspect.value,
            audience: clauses.audience.value,
            ...(clauses.client ? { client: resolvePolicyPath(at.file, clauses.client.value) } : {}),
            loginClaim,
            origin,
        };
    }
    const keys = clauses.keys.value;
    return {
        kind: "jwt",
        issuer: clauses.issuer.value,
        audience: clauses.audience.value,
        keys: isHttpUrl(keys) ? { url: keys } : { file: resolvePolicyPath(at.file, keys) },
        loginClaim,
        origin,
    };
}
export function printOauth(oauth, at) {
    const claim = oauth.loginClaim === "sub" ? "" : ` login claim ${oauth.loginClaim}`;
    if (oauth.kind === "introspection") {
        return `auth oauth introspect ${quote(oauth.url)} audience ${quote(oauth.audience)}${oauth.client ? ` client ${quote(at.path(oauth.client))}` : ""}${claim}`;
    }
    const keys = "url" in oauth.keys ? oauth.keys.url : at.path(oauth.keys.file);
    return `auth oauth issuer ${quote(oauth.issuer)} audience ${quote(oauth.audience)} keys ${quote(keys)}${claim}`;
}
//# sourceMappingURL=oauthLogins.js.map