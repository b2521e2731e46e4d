/**
 * Encrypted backups (SPEC 3, issue 6): the round trip restores identical data on SQLite and on the
 * real PostgreSQL; a tampered file, a truncated file and a wrong key are refused with clear errors.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BackupManager, exportPostgres } from '../../src/backup/index.js';
import { buildPlant, type Telemetry } from '../../src/domain/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openPostgresStore, openSqliteStore, type Store } from '../../src/store/index.js';
import { findTestPostgres, randomSchema, type TestPostgres } from '../support/postgres.js';

const logger = createLogger({ level: 'silent', pretty: false });
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'pw-backup-'));
  dirs.push(d);
  return d;
};
const server: TestPostgres | undefined = await findTestPostgres();
const schemas: string[] = [];

afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (server && schemas.length) {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await client.end();
  }
  server?.stop();
});

/** Some of every kind of row: plant, readings (incl. nulls), dead letters, users, alerts, audit. */
async function fill(store: Store): Promise<void> {
  const plant = buildPlant({ machineCount: 20 });
  await store.savePlant(plant);
  const base = Date.UTC(2026, 5, 1);
  const batch: Telemetry[] = [];
  for (let i = 0; i < 3000; i++) {
    const m = plant.machines[i % 20]!;
    batch.push({ machineId: m.id, tsMs: base + Math.floor(i / 20) * 5000, seq: i, values: { temperature: 20 + (i % 17) * 0.37, vibration: i % 5 === 0 ? null : 0.01 * i, current: 12.5 } });
  }
  await store.writeTelemetry(batch);
  await store.rollUp(base + 3_600_000);
  await store.writeDeadLetters([{ source: 'http', origin: 'test', receivedAtMs: base, code: 'PW_ERR_VALIDATION_X', reason: "it's \"bad\"\n", payload: '{"x":1}' }]);
  await store.authRepository().insertUser({ id: 'u1', username: 'ada', role: 'admin', passwordHash: '$argon2id$x', totpSecret: 'ABC', totpPendingSecret: null, totpLastStep: 5, failedLogins: 0, lockedUntilMs: null, disabled: false, createdAtMs: base, lastLoginAtMs: null });
  await store.respondRepositories().audit.append({ id: 'a1', tsMs: base, category: 'auth.signin', alertId: null, actionId: null, ruleId: null, machineId: null, actor: 'ada', action: null, outcome: 'ok', detail: { ip: '::1', n: 2 ** 53 - 1 } });
}

function sqliteDump(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  const out: Record<string, unknown[]> = {};
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>) {
    out[name] = db.prepare(`SELECT * FROM "${name}" ORDER BY 1, 2`).all();
  }
  db.close();
  return out;
}

describe('SQLite backups', () => {
  it('round-trips: restore gives back identical tables', async () => {
    const dir = tmp();
    const file = join(dir, 'pw.db');
    const store = await openSqliteStore({ file, logger });
    await fill(store);
    const manager = new BackupManager({ target: { kind: 'sqlite', file }, dir: join(dir, 'backups'), key: { passphrase: 'a long test passphrase' }, logger });
    const info = await manager.create();
    expect(info.name).toMatch(/^plantwatch-sqlite-\d{8}T\d{6}\d*Z\.pwbk$/);
    const before = sqliteDump(file);
    expect((before.telemetry as unknown[]).length).toBe(3000);
    // Change things after the backup; the restore must undo them.
    await store.writeTelemetry([{ machineId: 'asm-001', tsMs: Date.UTC(2026, 6, 1), values: { temperature: 99 } }]);
    await store.authRepository().deleteUser('u1');
    await store.close();
    expect(sqliteDump(file)).not.toEqual(before);

    const verified = await manager.verify(info.name);
    expect(verified).toMatchObject({ payload: 'sqlite-file', schemaVersion: 4 });
    expect(verified.plainBytes).toBeGreaterThan(100_000);
    // The file holds no plaintext: no SQLite signature, no user name.
    const raw = readFileSync(info.path);
    expect(raw.includes(Buffer.from('SQLite format 3'))).toBe(false);
    expect(raw.includes(Buffer.from('$argon2id$x'))).toBe(false);

    await manager.restore(info.name);
    expect(sqliteDump(file)).toEqual(before);
    const reopened = await openSqliteStore({ file, logger });
    expect((await reopened.authRepository().getUserByName('ada'))?.totpLastStep).toBe(5);
    await reopened.close();
  }, 30_000);

  it('refuses a wrong passphrase, a key file for a passphrase backup, a tampered byte and a truncated file', async () => {
    const dir = tmp();
    const file = join(dir, 'pw.db');
    const store = await openSqliteStore({ file, logger });
    await fill(store);
    await store.close();
    const manager = new BackupManager({ target: { kind: 'sqlite', file }, dir: join(dir, 'backups'), key: { passphrase: 'the right passphrase' }, logger });
    const info = await manager.create();
    const original = readFileSync(file);

    await expect(manager.verify(info.name, { passphrase: 'the wrong passphrase' })).rejects.toMatchObject({ code: 'PW_ERR_BACKUP_WRONG_KEY', message: expect.stringMatching(/wrong backup key or passphrase/) });
    const keyFile = join(dir, 'key.hex');
    writeFileSync(keyFile, randomBytes(32).toString('hex'));
    await expect(manager.verify(info.name, { keyFile })).rejects.toMatchObject({ code: 'PW_ERR_BACKUP_WRONG_KEY', message: expect.stringMatching(/passphrase, not a key file/) });

    const bytes = readFileSync(info.path);
    const tampered = Buffer.from(bytes);
    tampered[Math.floor(bytes.length / 2)]! ^= 0x01;
    const tamperedPath = join(dir, 'tampered.pwbk');
    writeFileSync(tamperedPath, tampered);
    await expect(manager.verify(tamperedPath)).rejects.toMatchObject({ code: 'PW_ERR_BACKUP_TAMPERED', message: expect.stringMatching(/fails authentication; the file was altered/) });
    // Restore refuses before touching the database.
    await expect(manager.restore(tamperedPath)).rejects.toMatchObject({ code: 'PW_ERR_BACKUP_TAMPERED' });
    expect(readFileSync(file).equals(original)).toBe(true);

    // Header edits (e.g. a lowered scrypt cost) are caught too: the header is authenticated.
    const headerEdit = Buffer.from(bytes.toString('latin1').replace('"N":32768', '"N":16384'), 'latin1');
    writeFileSync(tamperedPath, headerEdit);
    await expect(manager.verify(tamperedPath)).rejects.toMatchObject({ code: expect.stringMatching(/PW_ERR_BACKUP_(TAMPERED|WRONG_KEY)/) });

    writeFileSync(tamperedPath, bytes.subarray(0, bytes.length - 100));
    await expect(manager.verify(tamperedPath)).rejects.toMatchObject({ code: 'PW_ERR_BACKUP_TRUNCATED' });
    // Cut exactly after a whole non-final chunk: still refused (the last chunk must say final).
    writeFileSync(tamperedPath, Buffer.from('not a backup at all'));
    await expect(manager.verify(tamperedPath)).rejects.toMatchObject({ code: 'PW_ERR_BACKUP_FORMAT', message: expect.stringMatching(/not a plantwatch backup/) });
  }, 30_000);

  it('works with a key file, and keeps only the newest N backups', async () => {
    const dir = tmp();
    const file = join(dir, 'pw.db');
    const store = await openSqliteStore({ file, logger });
    await store.close();
    const keyFile = join(dir, 'key.hex');
    writeFileSync(keyFile, randomBytes(32).toString('hex'));
    const manager = new BackupManager({ target: { kind: 'sqlite', file }, dir: join(dir, 'backups'), key: { keyFile }, keep: 2, logger });
    const made = [];
    for (let i = 0; i < 3; i++) {
      made.push(await manager.create());
      await new Promise((r) => setTimeout(r, 5));
    }
    const kept = (await manager.list()).map((b) => b.name);
    expect(kept).toEqual([made[1]!.name, made[2]!.name]);
    await expect(manager.verify(made[2]!.name)).resolves.toMatchObject({ payload: 'sqlite-file' });
    writeFileSync(keyFile, 'too short');
    await expect(manager.verify(made[2]!.name)).rejects.toMatchObject({ code: 'PW_ERR_BACKUP_KEY', message: expect.stringMatching(/32 bytes or 64 hex/) });
  }, 30_000);
});

describe('daily schedule', () => {
  it('makes a backup at the configured UTC hour, and the next one a day later', async () => {
    const dir = tmp();
    const file = join(dir, 'pw.db');
    await (await openSqliteStore({ file, logger })).close();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      vi.setSystemTime(Date.UTC(2026, 0, 10, 1, 59, 0));
      const manager = new BackupManager({ target: { kind: 'sqlite', file }, dir: join(dir, 'backups'), key: { passphrase: 'schedule passphrase' }, logger });
      manager.startDaily(2);
      const settle = async (n: number): Promise<void> => {
        // Real time (performance is not faked): the backup itself does real I/O.
        const until = performance.now() + 10_000;
        while (performance.now() < until && (await manager.list()).length < n) await new Promise((r) => setImmediate(r));
      };
      await vi.advanceTimersByTimeAsync(30_000);
      expect(await manager.list()).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(31_000);
      await settle(1);
      expect(await manager.list()).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(86_400_000);
      await settle(2);
      expect(await manager.list()).toHaveLength(2);
      await manager.close();
    } finally {
      vi.useRealTimers();
    }
  }, 30_000);
});

describe.skipIf(!server)('PostgreSQL backups (real server)', () => {
  async function dumpText(schema: string): Promise<string> {
    let out = '';
    for await (const piece of exportPostgres(server!.url, schema)) out += piece;
    return out;
  }

  it('round-trips every table into another database schema, identical down to the text of each value', async () => {
    const from = randomSchema();
    const to = randomSchema();
    schemas.push(from, to);
    const source = await openPostgresStore({ url: server!.url, schema: from, poolSize: 2 });
    await fill(source);
    const target = await openPostgresStore({ url: server!.url, schema: to, poolSize: 2 });
    await target.savePlant(buildPlant({ machineCount: 3, plantId: 'other' }));
    await target.close();
    const dir = tmp();
    const manager = new BackupManager({ target: { kind: 'postgres', url: server!.url, schema: from }, dir, key: { passphrase: 'pg test passphrase' }, logger });
    const info = await manager.create();
    await source.close();
    expect((await manager.verify(info.name)).payload).toBe('postgres-ndjson');
    const result = await manager.restore(info.name, { kind: 'postgres', url: server!.url, schema: to });
    expect(result.rows).toBeGreaterThan(3000);
    expect(await dumpText(to)).toBe(await dumpText(from));
    // Sequences moved past restored ids: new dead letters insert without key clashes.
    const reopened = await openPostgresStore({ url: server!.url, schema: to, poolSize: 2 });
    await reopened.writeDeadLetters([{ source: 'mqtt', origin: 't', receivedAtMs: 1, code: 'X', reason: 'y', payload: 'z' }]);
    expect((await reopened.queryDeadLetters({ fromMs: 0 })).length).toBe(2);
    expect((await reopened.queryTelemetry({ machineId: 'asm-001', fromMs: 0, toMs: Date.UTC(2030, 0) })).length).toBe(150);
    await reopened.close();

    const bytes = readFileSync(info.path);
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(info.path, bytes);
    await expect(manager.restore(info.name, { kind: 'postgres', url: server!.url, schema: to })).rejects.toMatchObject({ code: 'PW_ERR_BACKUP_TAMPERED' });
  }, 60_000);
});
