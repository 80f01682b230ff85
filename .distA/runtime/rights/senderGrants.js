// Submission rights (RFC 6409 section 6.1): which addresses an authenticated login may use as
// MAIL FROM and, with `senders check headers`, in From: and Sender:. Pure: the table is compiled
// once from the policy's `senders` block or a senders map file, then each check is O(1) Set
// lookups. A grant that cannot be understood grants nothing (the checker reports it), so a typo
// never widens what a login may send as.
import { ownAddressOfLogin } from "../../formats/ownAddress.js";
import { listHeaderAddresses } from "../address/addressHeader.js";
import { addressKey } from "../../formats/addressKey.js";
import { parseSenderGrant } from "../../formats/sendersFile.js";
/**
 * Prepares the lookup table. A login listed twice has the union of its grants (the checker and
 * sendersFromFile report the duplicate line); logins are compared exactly, as the users file does.
 */
export function compileSenderGrants(entries) {
    const logins = new Map();
    for (const entry of entries) {
        let grants = logins.get(entry.login);
        if (!grants) {
            grants = { addresses: new Set(), domains: new Set(), all: false };
            logins.set(entry.login, grants);
        }
        for (const text of entry.grants) {
            const grant = parseSenderGrant(text);
            if ("problem" in grant)
                continue;
            if (grant.kind === "all")
                grants.all = true;
            else if (grant.kind === "domain")
                grants.domains.add(grant.domain);
            else
                grants.addresses.add(grant.key);
        }
    }
    return { logins };
}
/**
 * May `login` use `address` (MAIL FROM, or an address of From:/Sender:)? A listed login may use
 * exactly what its grants say; a login without a line may use only its own address
 * (ownAddressOfLogin with `ownDomain`, the first `qualify domains` domain), as msa does today.
 * The null reverse path is not an address and is left to the caller (RFC 5321 section 4.5.5).
 */
export function mayUse(table, login, address, ownDomain, given) {
    const key = addressKey(address);
    // What the login source gave with the login (a directory's addresses) adds to the table's line.
    if (given && allows(given, key))
        return true;
    const grants = table.logins.get(login);
    if (!grants)
        return !given && key.key === addressKey(ownAddressOfLogin(login, ownDomain)).key;
    return allows(grants, key);
}
function allows(grants, key) {
    if (grants.all)
        return true;
    if (grants.addresses.has(key.key))
        return true;
    return key.domain !== null && grants.domains.has(key.domain);
}
/**
 * The grants of the addresses a login source gave with a login (`alice@example.com`,
 * `@example.com`, `*`); undefined when it gave none, so the login is judged by the table alone.
 */
export function givenGrants(addresses) {
    if (!addresses)
        return undefined;
    // A session's states share the one array its login gave: compiled once, not at every MAIL and message.
    let grants = compiledGivenGrants.get(addresses);
    if (!grants) {
        grants = compileSenderGrants([{ login: "", grants: addresses }]).logins.get("");
        compiledGivenGrants.set(addresses, grants);
    }
    return grants;
}
const compiledGivenGrants = new WeakMap();
/**
 * For `senders check headers`: every address in every From: and Sender: field (RFC 5322 section
 * 3.6.2) that `login` may not use, in message order; empty when all are allowed. Run it after
 * header qualification, since an unqualified header address is compared as written.
 */
export function headerSenderViolations(header, login, table, ownDomain, given) {
    const violations = [];
    // One pass with the index at hand: looking each field up again (indexOf) was quadratic in the
    // number of From: fields.
    header.fields.forEach((field, index) => {
        if (!/^(from|sender)$/i.test(field.name))
            return;
        for (const address of listHeaderAddresses(field.value)) {
            if (!mayUse(table, login, address, ownDomain, given))
                violations.push({ field: field.name, index, address });
        }
    });
    return violations;
}
//# sourceMappingURL=senderGrants.js.map