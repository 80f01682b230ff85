// Verifies stored password hashes (bcrypt, argon2id, SHA-crypt, Dovecot's `{SCHEME}` forms), creates
// new ones, and spends the same work for unknown logins so response times do not reveal which logins exist.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import * as argon2 from "argon2";
import bcrypt from "bcryptjs";
import * as shaCrypt from "unixcrypt";
import { workerCalls } from "../threads/workerCalls.js";
import { argon2idParameters, readStoredHash, shaCryptRounds } from "../../formats/storedHash.js";
// SHA-crypt is synchronous in unixcrypt: verified in a worker so a login never holds other sessions.
const verifyShaCryptOffThread = workerCalls("auth/shaCryptWorker.js", "SHA-crypt");
// Cost for new bcrypt hashes: about 0.3 s in bcryptjs, OWASP asks for at least 10.
const BCRYPT_COST = 12;
/**
 * True when `password` matches the stored `hash`, in any form readStoredHash accepts (a users file's
 * HASH, an LDAP `userPassword`, an SQL column). Never throws: a malformed or unsupported hash
 * verifies nothing. bcrypt uses only the first 72 bytes of a password, as everywhere.
 */
export async function verifyPassword(hash, password) {
    const stored = readStoredHash(hash);
    if (!stored)
        return false;
    try {
        return await verifyStored(stored, password);
    }
    catch {
        return false;
    }
}
async function verifyStored({ kind, hash }, password) {
    switch (kind) {
        case "bcrypt":
            // `$2y$` (PHP, htpasswd, Dovecot) is the same algorithm as `$2b$`; spell it the OpenBSD way.
            return bcrypt.compare(password, hash.startsWith("$2y$") ? `$2b$${hash.slice(4)}` : hash);
        case "argon2id":
            return argon2.verify(hash, password);
        case "sha256-crypt":
        case "sha512-crypt":
            return verifyShaCryptOffThread({ password, hash });
        case "sha256":
        case "sha512":
        case "ssha256":
        case "ssha512": {
            // Dovecot's forms: base64 of H(password || salt) followed by the salt (none for the unsalted ones).
            const algorithm = kind.endsWith("512") ? "sha512" : "sha256";
            const stored = Buffer.from(hash, "base64");
            const digestLength = algorithm === "sha512" ? 64 : 32;
            const digest = createHash(algorithm).update(password, "utf8").update(stored.subarray(digestLength)).digest();
            return timingSafeEqual(digest, stored.subarray(0, digestLength));
        }
    }
}
/** A new hash for a users file line; argon2id with node-argon2's defaults (m=64 MiB, t=3, p=4) unless bcrypt is asked for. */
export async function hashPassword(password, scheme = "argon2id") {
    if (scheme === "bcrypt")
        return bcrypt.hash(password, BCRYPT_COST);
    return argon2.hash(password, { type: argon2.argon2id });
}
/**
 * What a verification against `hash` costs, as a key: hashes with the same key take the
 * same time to verify. Null for a hash that verifyPassword would refuse outright.
 */
export function costProfile(hash) {
    const stored = readStoredHash(hash);
    if (!stored)
        return null;
    const inner = stored.hash;
    switch (stored.kind) {
        case "bcrypt":
            return `bcrypt:${inner.slice(4, 6)}`;
        case "argon2id": {
            const params = argon2idParameters(inner);
            const digestLength = Buffer.from(inner.slice(inner.lastIndexOf("$") + 1), "base64").length;
            return `argon2id:v=${params.version},m=${params.m},t=${params.t},p=${params.p},len=${digestLength}`;
        }
        case "sha256-crypt":
        case "sha512-crypt":
            return `${stored.kind}:rounds=${shaCryptRounds(inner)}`;
        default:
            // One digest over a password and a few bytes of salt: the salt's length does not change the cost.
            return stored.kind;
    }
}
// What one verification costs, in microseconds, measured with bcryptjs, node-argon2 and unixcrypt
// under Node 20 on x86-64: a bcrypt cost c runs 2^c key-setup rounds (about 170 us each, cost 10 about
// 175 ms); argon2id fills m KiB t times (about 5.5 us per KiB and pass, the defaults about 1.1 s);
// SHA-crypt about 1.4 us a round (the default 5000 rounds about 8 ms); one SHA-2 digest a few us.
// Only the order matters: the model ranks kinds, a machine that is uniformly faster ranks them alike.
const BCRYPT_MICROS_PER_ROUND = 170;
const ARGON2ID_MICROS_PER_KIB_PASS = 5.5;
const SHA_CRYPT_MICROS_PER_ROUND = 1.4;
const SHA_DIGEST_MICROS = 2;
/** The estimated cost of verifying a password against `hash`, in microseconds; null for a hash verifyPassword refuses. */
export function verificationCost(hash) {
    const stored = readStoredHash(hash);
    if (!stored)
        return null;
    switch (stored.kind) {
        case "bcrypt":
            return 2 ** Number(stored.hash.slice(4, 6)) * BCRYPT_MICROS_PER_ROUND;
        case "argon2id": {
            const params = argon2idParameters(stored.hash);
            return params.m * params.t * ARGON2ID_MICROS_PER_KIB_PASS;
        }
        case "sha256-crypt":
        case "sha512-crypt":
            return shaCryptRounds(stored.hash) * SHA_CRYPT_MICROS_PER_ROUND;
        default:
            return SHA_DIGEST_MICROS;
    }
}
/**
 * The hash that costs most to verify (the first of equals), or undefined when none is usable.
 * Unknown logins are checked against a dummy like it, so that no real login, whatever its hash
 * kind, answers slower than an unknown one (a bcrypt user among argon2id ones would stand out).
 */
export function slowestToVerify(hashes) {
    let slowest;
    for (const hash of hashes) {
        const cost = verificationCost(hash);
        if (cost !== null && (!slowest || cost > slowest.cost))
            slowest = { hash, cost };
    }
    return slowest?.hash;
}
const DEFAULT_PROFILE = "argon2id:default";
const dummyHashes = new Map();
/**
 * Makes (once per cost profile) the hash dummyVerify checks against, so that the first
 * unknown login does not pay for creating it. Call it when loading a users file.
 */
export function prepareDummyHash(likeHash) {
    const profile = (likeHash !== undefined && costProfile(likeHash)) || DEFAULT_PROFILE;
    let dummy = dummyHashes.get(profile);
    if (!dummy) {
        dummy = makeDummyHash(profile === DEFAULT_PROFILE ? undefined : likeHash);
        dummyHashes.set(profile, dummy);
        // A failure is not remembered: the next unknown login tries again.
        dummy.catch(() => dummyHashes.delete(profile));
    }
    return dummy;
}
/**
 * Spends the work of verifying `password` against a hash with the cost of `likeHash`
 * (by default, of a hash made by hashPassword) and answers false: used for unknown logins.
 */
export async function dummyVerify(password, likeHash) {
    const dummy = await prepareDummyHash(likeHash);
    await verifyPassword(dummy, password);
    return false;
}
// The dummy hash protects a random secret nobody knows, so it matches no password.
async function makeDummyHash(likeHash) {
    const secret = randomBytes(32).toString("base64");
    const like = likeHash === undefined ? null : readStoredHash(likeHash);
    if (!like)
        return hashPassword(secret);
    const inner = like.hash;
    switch (like.kind) {
        case "bcrypt":
            return bcrypt.hash(secret, Number(inner.slice(4, 6)));
        case "argon2id": {
            const params = argon2idParameters(inner);
            return argon2.hash(secret, {
                type: argon2.argon2id,
                version: params.version,
                memoryCost: params.m,
                timeCost: params.t,
                parallelism: params.p,
                hashLength: Buffer.from(inner.slice(inner.lastIndexOf("$") + 1), "base64").length,
            });
        }
        case "sha256-crypt":
        case "sha512-crypt": {
            const salt = randomBytes(12).toString("base64").replaceAll("+", ".");
            return shaCrypt.encrypt(secret, `$${like.kind === "sha256-crypt" ? 5 : 6}$rounds=${shaCryptRounds(inner)}$${salt}`);
        }
        default: {
            const algorithm = like.kind.endsWith("512") ? "sha512" : "sha256";
            const salt = like.kind.startsWith("ssha") ? randomBytes(8) : Buffer.alloc(0);
            const digest = createHash(algorithm).update(secret).update(salt).digest();
            return `{${like.kind.toUpperCase()}}${Buffer.concat([digest, salt]).toString("base64")}`;
        }
    }
}
//# sourceMappingURL=passwordHash.js.map