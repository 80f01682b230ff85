// The users file as the server holds it: login to hash, checked with the same work
// whether or not the login exists.
import { readNamedFileAsync } from "../../formats/namedFile.js";
import { parseUsersFile } from "../../formats/usersFile.js";
import { CredentialCache } from "./credentialCache.js";
import { costProfile, dummyVerify, prepareDummyHash, slowestToVerify, verifyPassword } from "./passwordHash.js";
/** Reads and parses the users file; throws only when it cannot be read (not a regular file, or over the size cap included). */
export async function loadUserTable(path, cache = new CredentialCache()) {
    const { entries, problems } = parseUsersFile(await readNamedFileAsync(path));
    const hashes = new Map(entries.map((entry) => [entry.login, entry.hash]));
    // Unknown logins are checked against a hash that costs what the slowest real one costs.
    const slowestHash = slowestToVerify(entries.map((entry) => entry.hash));
    const dummy = await prepareDummyHash(slowestHash);
    return {
        path,
        size: hashes.size,
        warnings: problems,
        dummyProfile: costProfile(dummy),
        has: (login) => hashes.has(login),
        async verify(login, password) {
            const hash = hashes.get(login);
            if (hash === undefined)
                return dummyVerify(password, slowestHash);
            return cache.verify(login, password, hash, () => verifyPassword(hash, password));
        },
    };
}
//# sourceMappingURL=userTable.js.map