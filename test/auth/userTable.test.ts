// Tests for the server's user table: loading a users file, skipping bad lines, and
// verifying known and unknown logins.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUserTable } from '../../runtime/auth/userTable.js';
import { hashPassword } from '../../runtime/auth/passwordHash.js';

describe('loadUserTable', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'msa-users-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies known logins and refuses unknown ones', async () => {
    const path = join(dir, 'users.passwd');
    const aliceHash = await hashPassword('alice-pw');
    const bobHash = (await bcrypt.hash('bob-pw', 4)).replace('$2b$', '$2y$');
    await writeFile(path, `# test users\nalice:${aliceHash}\nbob@example.test:${bobHash}\ncarol:plain\n`);

    const table = await loadUserTable(path);
    expect(table.size).toBe(2);
    expect(table.has('alice')).toBe(true);
    expect(table.has('carol')).toBe(false);
    expect(table.warnings).toEqual([
      {
        line: 4,
        column: 7,
        endColumn: 12,
        message: 'unsupported password hash for `carol`; use bcrypt ($2b$) or argon2id',
      },
    ]);

    expect(await table.verify('alice', 'alice-pw')).toBe(true);
    expect(await table.verify('alice', 'bob-pw')).toBe(false);
    expect(await table.verify('bob@example.test', 'bob-pw')).toBe(true);
    expect(await table.verify('bob', 'bob-pw')).toBe(false);
    expect(await table.verify('carol', 'plain')).toBe(false);
    expect(await table.verify('nobody', 'alice-pw')).toBe(false);
    expect(await table.verify('__proto__', 'x')).toBe(false);
  });

  it('matches logins exactly, including case', async () => {
    const path = join(dir, 'case.passwd');
    await writeFile(path, `Alice:${await bcrypt.hash('pw', 4)}\n`);
    const table = await loadUserTable(path);
    expect(await table.verify('Alice', 'pw')).toBe(true);
    expect(await table.verify('alice', 'pw')).toBe(false);
  });

  it('loads an empty file as an empty table that refuses everyone', async () => {
    const path = join(dir, 'empty.passwd');
    await writeFile(path, '');
    const table = await loadUserTable(path);
    expect(table.size).toBe(0);
    expect(await table.verify('alice', 'x')).toBe(false);
  });

  it('rejects when the file cannot be read', async () => {
    await expect(loadUserTable(join(dir, 'missing.passwd'))).rejects.toThrow(/ENOENT/);
  });
});
