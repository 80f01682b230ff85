// The users file as the server holds it: login to hash, checked with the same work
// whether or not the login exists.
import { readNamedFileAsync } from '../../compiler/namedFile.js';
import { parseUsersFile, type UsersFileProblem } from '../../compiler/usersFile.js';
import { CredentialCache } from './credentialCache.js';
import { costProfile, dummyVerify, prepareDummyHash, verifyPassword } from './passwordHash.js';

export interface UserTable {
  readonly path: string;
  readonly size: number;
  /** Lines that were skipped, with the reason. */
  readonly warnings: readonly UsersFileProblem[];
  has(login: string): boolean;
  verify(login: string, password: string): Promise<boolean>;
}

/** Reads and parses the users file; throws only when it cannot be read (not a regular file, or over the size cap included). */
export async function loadUserTable(path: string, cache = new CredentialCache()): Promise<UserTable> {
  const { entries, problems } = parseUsersFile(await readNamedFileAsync(path));
  const hashes = new Map(entries.map((entry) => [entry.login, entry.hash]));
  // Unknown logins are checked against a hash that costs what most real ones cost.
  const typicalHash = mostCommonCost(entries.map((entry) => entry.hash));
  await prepareDummyHash(typicalHash);

  return {
    path,
    size: hashes.size,
    warnings: problems,
    has: (login) => hashes.has(login),
    async verify(login, password) {
      const hash = hashes.get(login);
      if (hash === undefined) return dummyVerify(password, typicalHash);
      return cache.verify(login, password, hash, () => verifyPassword(hash, password));
    },
  };
}

function mostCommonCost(hashes: string[]): string | undefined {
  const byProfile = new Map<string, { hash: string; count: number }>();
  for (const hash of hashes) {
    const profile = costProfile(hash);
    if (profile === null) continue;
    const seen = byProfile.get(profile) ?? { hash, count: 0 };
    seen.count += 1;
    byProfile.set(profile, seen);
  }
  let best: { hash: string; count: number } | undefined;
  for (const candidate of byProfile.values()) {
    if (!best || candidate.count > best.count) best = candidate;
  }
  return best?.hash;
}
