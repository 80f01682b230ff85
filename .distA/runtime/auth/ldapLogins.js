// `auth ldap`: logins checked by a simple bind as the user (RFC 4513 section 5.1.3) against an
// LDAP directory, and the addresses the user's entry grants, as Dovecot's auth_bind and Postfix's
// ldap_table do between them. One connection per verification; the entries are cached by login.
import { connect, isIP } from "node:net";
import { Client, InvalidCredentialsError, SizeLimitExceededError } from "ldapts";
import { LRUCache } from "lru-cache";
import { fillDnTemplate, fillFilterTemplate } from "../../formats/ldapTemplates.js";
import { readNamedFileAsync } from "../../formats/namedFile.js";
import { describeSourceError } from "./loginBackend.js";
/** How many logins' entries are kept at most: the least recently used goes first. */
const CACHED_LOGINS = 10_000;
// A directory value is a grant only when it is one address: `*` or `@domain` in a user's own
// entry (which some directories let users edit) must not widen what the login may send as.
const SINGLE_ADDRESS = /^[^@\s*]+@[^@\s*]+$/;
export class LdapLogins {
    source;
    tls;
    servicePassword;
    name;
    entries;
    constructor(source, tls, servicePassword) {
        this.source = source;
        this.tls = tls;
        this.servicePassword = servicePassword;
        this.name = `ldap ${source.url}`;
        this.entries = source.cacheTtlMs > 0 ? new LRUCache({ max: CACHED_LOGINS, ttl: source.cacheTtlMs }) : undefined;
    }
    /** Reads the CA and the service password the policy names; throws when a file cannot be read. */
    static async open(source) {
        const host = new URL(source.url).hostname.replace(/^\[|\]$/g, "");
        const tls = {
            ...(source.caPath ? { ca: await readNamedFileAsync(source.caPath) } : {}),
            // The name the certificate must hold; StartTLS upgrades a socket, which does not know it.
            host,
            // RFC 6066 section 3: a server name, never an IP address (checked against the certificate's IP names instead).
            ...(isIP(host) === 0 ? { servername: host } : {}),
        };
        const passwordPath = source.find.by === "search" ? source.find.as?.passwordPath : undefined;
        const servicePassword = passwordPath ? (await readNamedFileAsync(passwordPath)).split(/\r?\n/)[0] : undefined;
        return new LdapLogins(source, tls, servicePassword);
    }
    async verify(login, password) {
        // RFC 4513 section 5.1.2: a simple bind with an empty password is an unauthenticated bind, which succeeds.
        if (password === "")
            return { kind: "rejected", reason: "empty password" };
        const client = new Client({
            url: this.source.url,
            timeout: this.source.timeoutMs,
            connectTimeout: this.source.timeoutMs,
            // ldapts speaks TLS from the first byte whenever it has TLS options: only for ldaps://.
            ...(this.source.url.startsWith("ldaps:") ? { tlsOptions: { ...this.tls } } : {}),
            // ldapts reconnects a dropped connection by itself, without StartTLS: one connection per verification, never a second.
            ...(this.source.startTls ? { createConnection: onlyOnce() } : {}),
        });
        try {
            // A copy: ldapts writes the upgraded socket into the options it is given.
            if (this.source.startTls)
                await client.startTLS({ ...this.tls });
            const find = this.source.find;
            return await (find.by === "bind" ? this.bindWithTemplate(client, find.dn, login, password) : this.searchThenBind(client, find, login, password));
        }
        catch (error) {
            return { kind: "unavailable", reason: `${this.source.url}: ${describeSourceError(error)}` };
        }
        finally {
            await client.unbind().catch(() => undefined);
        }
    }
    async close() {
        this.entries?.clear();
    }
    /** Bind form: the DN is the template's; the addresses come from the entry, read once bound as the user. */
    async bindWithTemplate(client, template, login, password) {
        const dn = fillDnTemplate(template, login);
        if (!(await bindsAs(client, dn, password)))
            return { kind: "rejected", reason: "the directory refused the login's bind (wrong password or no such entry)" };
        let entry = this.entries?.get(login);
        if (!entry) {
            const found = await client.search(dn, { scope: "base", filter: "(objectClass=*)", attributes: this.source.addressAttributes });
            entry = { dn, addresses: this.addressesOf(found.searchEntries[0]) };
            this.entries?.set(login, entry);
        }
        return { kind: "accepted", addresses: entry.addresses };
    }
    /** Search form: the entry is found by the filter (as the service DN, or anonymously), then bound as. */
    async searchThenBind(client, { base, filter, as }, login, password) {
        let entry = this.entries?.get(login);
        if (!entry) {
            if (as && !(await bindsAs(client, as.dn, this.servicePassword ?? ""))) {
                return { kind: "unavailable", reason: `${this.source.url}: the directory refused the service bind as \`${as.dn}\`` };
            }
            const found = await searchOne(client, base, fillFilterTemplate(filter, login), this.source.addressAttributes);
            if (found === "ambiguous")
                return { kind: "rejected", reason: "the login matches more than one directory entry" };
            if (found === undefined) {
                // The same round trip a wrong password costs, so an unknown login does not answer sooner.
                await bindsAs(client, `cn=msa-no-such-login,${base}`, password);
                return { kind: "rejected", reason: "no directory entry matches the login" };
            }
            entry = { dn: found.dn, addresses: this.addressesOf(found) };
        }
        if (!(await bindsAs(client, entry.dn, password)))
            return { kind: "rejected", reason: "the directory refused the login's bind (wrong password)" };
        this.entries?.set(login, entry);
        return { kind: "accepted", addresses: entry.addresses };
    }
    /** The single addresses among the entry's values of the address attributes (names compared without case, as LDAP does). */
    addressesOf(entry) {
        if (!entry)
            return [];
        const wanted = new Set(this.source.addressAttributes.map((name) => name.toLowerCase()));
        const addresses = [];
        for (const [name, value] of Object.entries(entry)) {
            if (name === "dn" || !wanted.has(name.toLowerCase()))
                continue;
            for (const item of Array.isArray(value) ? value : [value]) {
                const text = item.toString().trim();
                if (SINGLE_ADDRESS.test(text) && !addresses.includes(text))
                    addresses.push(text);
            }
        }
        return addresses;
    }
}
/** Whether the directory accepts `password` for `dn`; any other failure than wrong credentials is thrown. */
async function bindsAs(client, dn, password) {
    try {
        await client.bind(dn, password);
        return true;
    }
    catch (error) {
        if (error instanceof InvalidCredentialsError)
            return false;
        throw error;
    }
}
/** The one entry the filter finds under `base`, none, or more than one. */
async function searchOne(client, base, filter, attributes) {
    try {
        const { searchEntries } = await client.search(base, { scope: "sub", filter, attributes, sizeLimit: 2 });
        return searchEntries.length > 1 ? "ambiguous" : searchEntries[0];
    }
    catch (error) {
        if (error instanceof SizeLimitExceededError)
            return "ambiguous";
        throw error;
    }
}
/** A `createConnection` for ldapts that connects once and refuses to reconnect (which would be in clear text after StartTLS). */
function onlyOnce() {
    let used = false;
    return ((port, host) => {
        if (used)
            throw new Error("the connection to the directory closed");
        used = true;
        return connect(port, host);
    });
}
//# sourceMappingURL=ldapLogins.js.map