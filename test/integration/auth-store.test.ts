/** The auth repository (migration 4) on SQLite and the real PostgreSQL: one contract for both. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { UserRecord } from '../../src/domain/index.js';
import { openPostgresStore, openSqliteStore, type Store } from '../../src/store/index.js';
import { findTestPostgres, randomSchema, type TestPostgres } from '../support/postgres.js';

const server: TestPostgres | undefined = await findTestPostgres();
const schemas: string[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (server && schemas.length) {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await c.end();
  }
  server?.stop();
});

const user = (id: string, username: string, over: Partial<UserRecord> = {}): UserRecord => ({
  id,
  username,
  role: 'operator',
  passwordHash: '$argon2id$v=19$stub',
  totpSecret: null,
  totpPendingSecret: null,
  totpLastStep: null,
  failedLogins: 0,
  lockedUntilMs: null,
  disabled: false,
  createdAtMs: 1_700_000_000_000,
  lastLoginAtMs: null,
  ...over,
});

function contract(name: string, open: () => Promise<Store>): void {
  describe(`auth repository on ${name}`, () => {
    it('creates the first user once even when two setups race', async () => {
      const store = await open();
      const repo = store.authRepository();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => repo.insertFirstUser(user(`a${i}`, `first${i}`, { role: 'admin' }))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await repo.countUsers()).toBe(1);
      expect(await repo.insertFirstUser(user('c', 'third'))).toBe(false);
      expect(await repo.insertUser(user('d', 'dora'))).toBe(true);
      expect(await repo.insertUser(user('e', 'dora'))).toBe(false);
      await store.close();
    });

    it('round-trips users (booleans, nulls, large integers) and cascades deletes', async () => {
      const store = await open();
      const repo = store.authRepository();
      const u = user('u1', 'ada', { role: 'engineer', totpSecret: 'JBSWY3DPEHPK3PXP', totpLastStep: 59_000_000, lockedUntilMs: 2 ** 52, disabled: true, lastLoginAtMs: 1_800_000_000_123 });
      await repo.insertUser(u);
      expect(await repo.getUser('u1')).toEqual(u);
      expect(await repo.getUserByName('ada')).toEqual(u);
      await repo.updateUser({ ...u, disabled: false, failedLogins: 3, role: 'viewer' });
      expect(await repo.getUser('u1')).toMatchObject({ disabled: false, failedLogins: 3, role: 'viewer' });
      await repo.saveSession({ idHash: 'h1', userId: 'u1', csrfToken: 'c', createdAtMs: 1, expiresAtMs: 100, lastSeenAtMs: 1 });
      await repo.saveSession({ idHash: 'h2', userId: 'u1', csrfToken: 'c', createdAtMs: 1, expiresAtMs: 10_000, lastSeenAtMs: 1 });
      expect(await repo.deleteExpiredSessions(500)).toBe(1);
      expect(await repo.getSession('h2')).toMatchObject({ userId: 'u1', expiresAtMs: 10_000 });
      await repo.replaceRecoveryCodes('u1', ['x1', 'x2']);
      await repo.deleteUser('u1');
      expect(await repo.getUser('u1')).toBeUndefined();
      expect(await repo.getSession('h2')).toBeUndefined();
      expect(await repo.listRecoveryCodes('u1')).toEqual([]);
      await store.close();
    });

    it('uses a recovery code once, under concurrent attempts too', async () => {
      const store = await open();
      const repo = store.authRepository();
      await repo.insertUser(user('u2', 'bob'));
      await repo.replaceRecoveryCodes('u2', ['r1', 'r2']);
      const marks = await Promise.all([repo.markRecoveryCodeUsed('u2', 'r1', 5), repo.markRecoveryCodeUsed('u2', 'r1', 6)]);
      expect(marks.filter(Boolean)).toHaveLength(1);
      expect((await repo.listRecoveryCodes('u2')).filter((c) => c.usedAtMs === null).map((c) => c.codeHash)).toEqual(['r2']);
      await store.close();
    });

    it('keeps tokens (revocation, last use) and sign-in attempts, newest first', async () => {
      const store = await open();
      const repo = store.authRepository();
      const t = { id: '0123456789abcdef', name: 'press', role: 'operator' as const, secretHash: 'ff', createdBy: 'ada', createdAtMs: 1, lastUsedAtMs: null, expiresAtMs: null, revoked: false };
      await repo.saveToken(t);
      await repo.saveToken({ ...t, revoked: true, lastUsedAtMs: 9 });
      expect(await repo.getToken(t.id)).toEqual({ ...t, revoked: true, lastUsedAtMs: 9 });
      expect(await repo.listTokens()).toHaveLength(1);
      for (let i = 0; i < 3; i++) await repo.recordLoginAttempt({ tsMs: 100 + i, username: 'bob', ip: '10.0.0.1', ok: i === 2, reason: i === 2 ? 'totp' : 'password' });
      const attempts = await repo.listLoginAttempts({ username: 'bob', fromMs: 101 });
      expect(attempts).toEqual([
        { tsMs: 102, username: 'bob', ip: '10.0.0.1', ok: true, reason: 'totp' },
        { tsMs: 101, username: 'bob', ip: '10.0.0.1', ok: false, reason: 'password' },
      ]);
      await store.close();
    });
  });
}

contract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-auth-'));
  dirs.push(dir);
  return openSqliteStore({ file: join(dir, 'pw.db') });
});

// Without a server findTestPostgres() has printed why these tests do not run (and in CI, with
// PLANTWATCH_REQUIRE_SERVICES=1, it throws instead, so they can never be skipped there).
if (server) {
  contract('PostgreSQL', async () => {
    const schema = randomSchema();
    schemas.push(schema);
    return openPostgresStore({ url: server.url, schema, poolSize: 4 });
  });
}
