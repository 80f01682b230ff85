// Reads a stored password hash (a users file's HASH, an LDAP `userPassword`, an SQL column) into the
// kind of hash and the text its verifier takes, or says why msa cannot verify it. No I/O, no crypto.
const UNSUPPORTED_ADVICE = "use bcrypt ($2b$) or argon2id";
const REHASH_ADVICE = "set a new password with `msac passwd`";
// bcrypt: `$2a$`, `$2b$` or `$2y$`, two cost digits, then 22 characters of salt and
// 31 of hash in bcrypt's own base64 alphabet (60 characters in all).
const BCRYPT_SHAPE = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const BCRYPT_MIN_COST = 4;
const BCRYPT_MAX_COST = 31;
// argon2id in PHC string format. node-argon2 writes the parameters in the order m,p,t
// and the reference implementation in the order m,t,p, so any order is accepted.
const ARGON2ID_SHAPE = /^\$argon2id\$(?:v=(\d+)\$)?([^$]*)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const ARGON2_VERSIONS = new Set([16, 19]);
// Limits of the reference implementation (argon2.h): salt at least 8 bytes, output at least 4.
const ARGON2_MIN_SALT_CHARS = 11;
const ARGON2_MIN_HASH_CHARS = 6;
const ARGON2_MAX_PARALLELISM = 0xffffff;
const ARGON2_MAX_UINT32 = 0xffffffff;
// SHA-crypt (Drepper's specification, as glibc, openssl passwd -5/-6 and doveadm write it): an
// optional `rounds=N`, up to 16 salt characters, then 43 ($5$) or 86 ($6$) characters of digest.
const SHA_CRYPT_SHAPE = /^\$([56])\$(?:rounds=(0|[1-9]\d{0,9})\$)?([./0-9A-Za-z]{1,16})\$([./0-9A-Za-z]+)$/;
const SHA_CRYPT_DIGEST_CHARS = { "5": 43, "6": 86 };
const SHA_CRYPT_DEFAULT_ROUNDS = 5000;
// The specification's lower bound; a hash below it was not written by a conforming implementation.
const SHA_CRYPT_MIN_ROUNDS = 1000;
// SHA-crypt costs about 1.4 us a round, in one worker thread shared by all logins: a million rounds
// hold that thread (and every SHA-crypt login queued behind it) for more than a second, so more
// than that is refused rather than served.
export const SHA_CRYPT_MAX_ROUNDS = 1_000_000;
// Dovecot's `{SHA256}`, `{SSHA512}`...: base64 of the digest, followed by the salt for the salted forms.
const DIGEST_BYTES = { sha256: 32, sha512: 64 };
// Schemes sites have that msa refuses, with the reason a reader needs to act on it.
const REFUSED_SCHEMES = {
    PLAIN: "a password in clear text",
    CLEAR: "a password in clear text",
    CLEARTEXT: "a password in clear text",
    "PLAIN-TRUNC": "a password in clear text",
    "PLAIN-MD5": "unsalted MD5",
    "LDAP-MD5": "unsalted MD5",
    MD5: "unsalted MD5",
    SMD5: "salted MD5",
    "MD5-CRYPT": "MD5-crypt ($1$)",
    SHA: "unsalted SHA-1",
    SHA1: "unsalted SHA-1",
    SSHA: "salted SHA-1",
    "CRAM-MD5": "a CRAM-MD5 secret",
    "DIGEST-MD5": "a DIGEST-MD5 secret",
    "HMAC-MD5": "a CRAM-MD5 secret",
    NTLM: "an NTLM hash",
    LANMAN: "a LANMAN hash",
    OTP: "an OTP secret",
    ARGON2I: "argon2i",
    PBKDF2: "Dovecot's PBKDF2",
};
/** The kind of a hash this server can verify, or null for anything else (including malformed hashes). */
export function hashScheme(hash) {
    return readStoredHash(hash)?.kind ?? null;
}
/** The hash as its verifier reads it, or null when msa cannot verify it. */
export function readStoredHash(hash) {
    const verdict = examineHash(hash);
    return "kind" in verdict ? verdict : null;
}
/** The parameters of an argon2id hash (without a `{ARGON2ID}` prefix) that readStoredHash accepts, or null. */
export function argon2idParameters(hash) {
    const shape = ARGON2ID_SHAPE.exec(hash);
    if (!shape)
        return null;
    const params = parseArgon2Params(shape[2]);
    if (!params)
        return null;
    return { version: shape[1] === undefined ? 16 : Number(shape[1]), ...params };
}
/** The rounds of a SHA-crypt hash (without a prefix) that readStoredHash accepts: `rounds=N`, or the default 5000. */
export function shaCryptRounds(hash) {
    const rounds = SHA_CRYPT_SHAPE.exec(hash)?.[2];
    return rounds === undefined ? SHA_CRYPT_DEFAULT_ROUNDS : Number(rounds);
}
/** What a stored hash is: a kind msa verifies, or a problem naming the login it belongs to. */
export function examineHash(hash) {
    const prefixed = /^\{([A-Za-z0-9._-]+)\}(.*)$/s.exec(hash);
    if (!prefixed)
        return examineBare(hash, null);
    // Dovecot compares scheme names without regard to case.
    const scheme = prefixed[1].toUpperCase();
    const inner = prefixed[2];
    const written = `{${prefixed[1]}}`;
    switch (scheme) {
        case "SHA512-CRYPT":
        case "SHA256-CRYPT":
        case "BLF-CRYPT":
        case "ARGON2ID": {
            const verdict = examineBare(inner, written);
            if (!("kind" in verdict))
                return verdict;
            const expected = { "SHA512-CRYPT": "sha512-crypt", "SHA256-CRYPT": "sha256-crypt", "BLF-CRYPT": "bcrypt", ARGON2ID: "argon2id" }[scheme];
            if (verdict.kind !== expected) {
                return { problem: (login) => `\`${written}\` hash for \`${login}\` holds a hash of another scheme; write the scheme that matches it` };
            }
            return verdict;
        }
        // `{CRYPT}` is whatever the system's crypt(3) reads: only the modern forms are verifiable.
        case "CRYPT":
            if (/^[./0-9A-Za-z]{13}$/.test(inner)) {
                return { problem: (login) => `\`{CRYPT}\` hash for \`${login}\` is DES crypt, which uses only 8 characters of a password and is not verified; ${REHASH_ADVICE}` };
            }
            return examineBare(inner, written);
        case "SHA256":
        case "SHA512":
        case "SSHA256":
        case "SSHA512":
            return examineSha(scheme, inner, written);
        default: {
            const reason = REFUSED_SCHEMES[scheme];
            if (reason)
                return { problem: (login) => `\`${written}\` hash for \`${login}\` is ${reason}, which msa does not verify; ${REHASH_ADVICE}` };
            return { problem: (login) => `unknown password scheme \`${written}\` for \`${login}\`; ${REHASH_ADVICE}` };
        }
    }
}
// A hash in crypt(3) or PHC form; `prefix` is the `{SCHEME}` it was written after, if any.
function examineBare(hash, prefix) {
    const after = prefix ? `\`${prefix}\` ` : "";
    if (/^\$2[aby]\$/.test(hash)) {
        const shape = BCRYPT_SHAPE.exec(hash);
        if (!shape) {
            return {
                problem: (login) => `malformed ${after}bcrypt hash for \`${login}\`; expected $2b$, a two-digit cost, $ and 53 characters of salt and hash`,
            };
        }
        const cost = Number(shape[1]);
        if (cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
            return { problem: (login) => `bcrypt cost ${shape[1]} for \`${login}\` is out of range; use 04 to 31` };
        }
        return { kind: "bcrypt", hash };
    }
    if (hash.startsWith("$argon2id$")) {
        const shape = ARGON2ID_SHAPE.exec(hash);
        const salt = shape?.[3] ?? "";
        const digest = shape?.[4] ?? "";
        if (!shape ||
            (shape[1] !== undefined && !ARGON2_VERSIONS.has(Number(shape[1]))) ||
            !isUnpaddedBase64(salt, ARGON2_MIN_SALT_CHARS) ||
            !isUnpaddedBase64(digest, ARGON2_MIN_HASH_CHARS)) {
            return {
                problem: (login) => `malformed ${after}argon2id hash for \`${login}\`; expected $argon2id$v=19$m=MEMORY,t=TIME,p=LANES$SALT$HASH`,
            };
        }
        if (!parseArgon2Params(shape[2])) {
            return {
                problem: (login) => `argon2id parameters for \`${login}\` are invalid; give m, t and p once each with t >= 1, p from 1 to 16777215 and m >= 8*p`,
            };
        }
        return { kind: "argon2id", hash };
    }
    if (/^\$[56]\$/.test(hash)) {
        const shape = SHA_CRYPT_SHAPE.exec(hash);
        const id = hash[1];
        if (!shape || shape[4].length !== SHA_CRYPT_DIGEST_CHARS[id]) {
            return {
                problem: (login) => `malformed ${after}SHA-crypt hash for \`${login}\`; expected $${id}$, an optional rounds=N$, up to 16 characters of salt, $ and ${SHA_CRYPT_DIGEST_CHARS[id]} characters of hash`,
            };
        }
        const rounds = shaCryptRounds(hash);
        if (rounds < SHA_CRYPT_MIN_ROUNDS || rounds > SHA_CRYPT_MAX_ROUNDS) {
            return {
                problem: (login) => rounds < SHA_CRYPT_MIN_ROUNDS
                    ? `\`rounds=${rounds}\` of the SHA-crypt hash for \`${login}\` is below the minimum of ${SHA_CRYPT_MIN_ROUNDS}; ${REHASH_ADVICE}`
                    : `\`rounds=${rounds}\` of the SHA-crypt hash for \`${login}\` is over ${SHA_CRYPT_MAX_ROUNDS}, which would hold the server for seconds at each login; ${REHASH_ADVICE}`,
            };
        }
        return { kind: id === "5" ? "sha256-crypt" : "sha512-crypt", hash };
    }
    if (hash.startsWith("$1$"))
        return { problem: (login) => `${after}\`$1$\` (MD5-crypt) hash for \`${login}\` is not verified; ${REHASH_ADVICE}` };
    if (hash.startsWith("$y$") || hash.startsWith("$7$")) {
        return { problem: (login) => `${after}yescrypt or scrypt hash for \`${login}\` is not verified; ${REHASH_ADVICE}` };
    }
    return { problem: (login) => `unsupported password hash for \`${login}\`; ${UNSUPPORTED_ADVICE}` };
}
function examineSha(scheme, text, written) {
    const salted = scheme.startsWith("S");
    const algorithm = salted ? scheme.slice(1).toLowerCase() : scheme.toLowerCase();
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0 ? Buffer.from(text, "base64") : undefined;
    const digestBytes = DIGEST_BYTES[algorithm];
    if (!bytes || (salted ? bytes.length <= digestBytes : bytes.length !== digestBytes)) {
        return {
            problem: (login) => `malformed \`${written}\` hash for \`${login}\`; expected base64 of a ${digestBytes}-byte digest${salted ? " followed by the salt" : ""}`,
        };
    }
    return { kind: scheme.toLowerCase(), hash: text };
}
function parseArgon2Params(text) {
    const values = new Map();
    for (const pair of text.split(",")) {
        const match = /^([mtp])=(0|[1-9]\d{0,9})$/.exec(pair);
        if (!match || values.has(match[1]))
            return null;
        values.set(match[1], Number(match[2]));
    }
    const m = values.get("m");
    const t = values.get("t");
    const p = values.get("p");
    if (m === undefined || t === undefined || p === undefined)
        return null;
    if (t < 1 || t > ARGON2_MAX_UINT32 || p < 1 || p > ARGON2_MAX_PARALLELISM || m < 8 * p || m > ARGON2_MAX_UINT32) {
        return null;
    }
    return { m, t, p };
}
// A base64 text without padding cannot have a length of 1 modulo 4.
function isUnpaddedBase64(text, minChars) {
    return text.length >= minChars && text.length % 4 !== 1;
}
//# sourceMappingURL=storedHash.js.map