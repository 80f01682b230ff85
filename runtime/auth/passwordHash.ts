// Verifies and creates the password hashes of a users file (bcrypt and argon2id), and
// spends the same work for unknown logins so response times do not reveal which logins exist.
import { randomBytes } from "node:crypto";
import * as argon2 from "argon2";
import bcrypt from "bcryptjs";
import { argon2idParameters, hashScheme, type PasswordHashScheme } from "../../formats/usersFile.js";

// Cost for new bcrypt hashes: about 0.3 s in bcryptjs, OWASP asks for at least 10.
const BCRYPT_COST = 12;

/**
 * True when `password` matches `hash`. Never throws: a malformed or unsupported hash
 * verifies nothing. bcrypt uses only the first 72 bytes of a password, as everywhere.
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    switch (hashScheme(hash)) {
      case "bcrypt":
        // `$2y$` (PHP, htpasswd) is the same algorithm as `$2b$`; spell it the OpenBSD way.
        return await bcrypt.compare(password, hash.startsWith("$2y$") ? `$2b$${hash.slice(4)}` : hash);
      case "argon2id":
        return await argon2.verify(hash, password);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** A new hash for a users file line; argon2id with node-argon2's defaults (m=64 MiB, t=3, p=4) unless bcrypt is asked for. */
export async function hashPassword(password: string, scheme: PasswordHashScheme = "argon2id"): Promise<string> {
  if (scheme === "bcrypt") return bcrypt.hash(password, BCRYPT_COST);
  return argon2.hash(password, { type: argon2.argon2id });
}

/**
 * What a verification against `hash` costs, as a key: hashes with the same key take the
 * same time to verify. Null for a hash that verifyPassword would refuse outright.
 */
export function costProfile(hash: string): string | null {
  switch (hashScheme(hash)) {
    case "bcrypt":
      return `bcrypt:${hash.slice(4, 6)}`;
    case "argon2id": {
      const params = argon2idParameters(hash);
      if (!params) return null;
      const digestLength = Buffer.from(hash.slice(hash.lastIndexOf("$") + 1), "base64").length;
      return `argon2id:v=${params.version},m=${params.m},t=${params.t},p=${params.p},len=${digestLength}`;
    }
    default:
      return null;
  }
}

// What one verification costs, in microseconds, measured with bcryptjs and node-argon2 under
// Node 20 on x86-64: a bcrypt cost c runs 2^c key-setup rounds (about 170 us each, cost 10 about
// 175 ms); argon2id fills m KiB t times (about 5.5 us per KiB and pass, the defaults about 1.1 s).
// Only the order matters: the model ranks kinds, a machine that is uniformly faster ranks them alike.
const BCRYPT_MICROS_PER_ROUND = 170;
const ARGON2ID_MICROS_PER_KIB_PASS = 5.5;

/** The estimated cost of verifying a password against `hash`, in microseconds; null for a hash verifyPassword refuses. */
export function verificationCost(hash: string): number | null {
  switch (hashScheme(hash)) {
    case "bcrypt":
      return 2 ** Number(hash.slice(4, 6)) * BCRYPT_MICROS_PER_ROUND;
    case "argon2id": {
      const params = argon2idParameters(hash);
      return params ? params.m * params.t * ARGON2ID_MICROS_PER_KIB_PASS : null;
    }
    default:
      return null;
  }
}

/**
 * The hash that costs most to verify (the first of equals), or undefined when none is usable.
 * Unknown logins are checked against a dummy like it, so that no real login, whatever its hash
 * kind, answers slower than an unknown one (a bcrypt user among argon2id ones would stand out).
 */
export function slowestToVerify(hashes: readonly string[]): string | undefined {
  let slowest: { hash: string; cost: number } | undefined;
  for (const hash of hashes) {
    const cost = verificationCost(hash);
    if (cost !== null && (!slowest || cost > slowest.cost)) slowest = { hash, cost };
  }
  return slowest?.hash;
}

const DEFAULT_PROFILE = "argon2id:default";
const dummyHashes = new Map<string, Promise<string>>();

/**
 * Makes (once per cost profile) the hash dummyVerify checks against, so that the first
 * unknown login does not pay for creating it. Call it when loading a users file.
 */
export function prepareDummyHash(likeHash?: string): Promise<string> {
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
export async function dummyVerify(password: string, likeHash?: string): Promise<false> {
  const dummy = await prepareDummyHash(likeHash);
  await verifyPassword(dummy, password);
  return false;
}

// The dummy hash protects a random secret nobody knows, so it matches no password.
async function makeDummyHash(likeHash: string | undefined): Promise<string> {
  const secret = randomBytes(32).toString("base64");
  if (likeHash === undefined) return hashPassword(secret);
  if (hashScheme(likeHash) === "bcrypt") return bcrypt.hash(secret, Number(likeHash.slice(4, 6)));
  const params = argon2idParameters(likeHash)!;
  return argon2.hash(secret, {
    type: argon2.argon2id,
    version: params.version,
    memoryCost: params.m,
    timeCost: params.t,
    parallelism: params.p,
    hashLength: Buffer.from(likeHash.slice(likeHash.lastIndexOf("$") + 1), "base64").length,
  });
}
