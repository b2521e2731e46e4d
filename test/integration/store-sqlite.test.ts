import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { createStore, openSqliteStore, SQLITE_MIGRATIONS, sqliteFilePath } from '../../src/store/index.js';
import { defineStoreContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'plantwatch-store-'));
let n = 0;
const nextFile = (): string => join(dir, `store-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

defineStoreContract('SQLite', { open: () => openSqliteStore({ file: nextFile() }) });
defineStoreContract('SQLite bulk load', { open: () => openSqliteStore({ file: nextFile(), bulkLoad: true }) });

const T0 = Date.UTC(2026, 0, 5);

describe('SQLite store', () => {
  it('finds its data after reopening the file (durability), and bulk-loaded files open as normal stores', async () => {
    for (const bulkLoad of [false, true]) {
      const file = nextFile();
      const store = await openSqliteStore({ file, bulkLoad });
      await store.writeTelemetry([{ machineId: 'm-1', tsMs: T0, seq: 1, values: { temperature: 21.5 } }]);
      await store.writeFaultLabels([{ id: 'f', machineId: 'm-1', type: 'gap', sensors: [], startMs: T0, endMs: T0 + 1, severity: 1 }]);
      await store.close();
      const again = await openSqliteStore({ file });
      expect(await again.queryTelemetry({ machineId: 'm-1', fromMs: T0, toMs: T0 + 1 })).toEqual([{ machineId: 'm-1', tsMs: T0, seq: 1, values: { temperature: 21.5 } }]);
      expect(await again.stats()).toEqual({ telemetryRows: 1, labelRows: 1, deadLetterRows: 0 });
      await again.close();
    }
  });

  it('keeps every committed batch when the writing process is killed with SIGKILL', () => {
    const file = nextFile();
    // A child commits batches, reports each commit on stdout, then kills itself mid-stream.
    const script = `
      const { openSqliteStore } = await import(${JSON.stringify(new URL('../../src/store/index.ts', import.meta.url).href)});
      const store = await openSqliteStore({ file: ${JSON.stringify(file)} });
      for (let b = 0; b < 20; b++) {
        const batch = Array.from({ length: 500 }, (_, i) => ({ machineId: 'm-' + (i % 50), tsMs: ${T0} + (b * 10 + Math.floor(i / 50)) * 5000, values: { temperature: 20 } }));
        await store.writeTelemetry(batch);
        process.stdout.write('committed ' + (b + 1) * 500 + '\\n');
        if (b === 12) process.kill(process.pid, 'SIGKILL');
      }`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
    expect(child.signal).toBe('SIGKILL');
    const acknowledged = Math.max(...child.stdout.trim().split('\n').map((l) => Number(l.split(' ')[1])));
    expect(acknowledged).toBe(6500);
    return (async () => {
      const store = await openSqliteStore({ file });
      expect((await store.stats()).telemetryRows).toBe(acknowledged);
      await store.close();
    })();
  });

  it('names the problem when the file is not a database, is a directory or cannot be created', async () => {
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, 'this is not a SQLite database, just text that is long enough to fill a header page '.repeat(100));
    await expect(openSqliteStore({ file: garbage })).rejects.toMatchObject({
      code: 'PW_ERR_STORE_NOT_A_DATABASE',
      message: expect.stringContaining(garbage),
    });
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    await expect(openSqliteStore({ file: folder })).rejects.toMatchObject({ code: 'PW_ERR_STORE_OPEN', message: expect.stringContaining('is a directory') });
    await expect(openSqliteStore({ file: join(dir, 'missing', 'deeper', 'x.db') })).rejects.toMatchObject({ code: 'PW_ERR_STORE_OPEN' });
  });

  it('upgrades a version-1 file in place, counting the rows it already holds', async () => {
    const file = nextFile();
    const raw = new Database(file);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)');
    raw.exec(SQLITE_MIGRATIONS[0]!.sql);
    raw.prepare('INSERT INTO schema_migrations VALUES (1, ?, 0)').run(SQLITE_MIGRATIONS[0]!.name);
    raw.exec("INSERT INTO machine_keys (mid, machine_id) VALUES (1, 'm-1')");
    const insert = raw.prepare('INSERT INTO telemetry (mid, ts_ms, mask, raw_mask, temperature) VALUES (1, ?, 1, 0, 215)');
    for (let i = 0; i < 5; i++) insert.run(T0 + i * 5000);
    raw.close();
    const store = await openSqliteStore({ file });
    expect(await store.schemaVersion()).toBe(SQLITE_MIGRATIONS.length);
    expect((await store.stats()).telemetryRows).toBe(5);
    expect((await store.queryTelemetry({ machineId: 'm-1', fromMs: T0, toMs: T0 + 1 }))[0]).toEqual({ machineId: 'm-1', tsMs: T0, values: { temperature: 21.5 } });
    await store.writeTelemetry([{ machineId: 'm-1', tsMs: T0 + 60_000, values: {} }]);
    expect((await store.stats()).telemetryRows).toBe(6);
    await store.close();
  });

  it('refuses a file written by a newer plantwatch (schema version above the known migrations)', async () => {
    const file = nextFile();
    const store = await openSqliteStore({ file });
    const known = await store.schemaVersion();
    await store.close();
    const raw = new Database(file);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)').run(known + 1, 'from the future', Date.now());
    raw.close();
    await expect(openSqliteStore({ file })).rejects.toMatchObject({
      code: 'PW_ERR_STORE_SCHEMA_TOO_NEW',
      message: expect.stringContaining(`schema version ${known + 1}`),
    });
  });

  it('refuses a file whose bulk load never finished', async () => {
    const file = nextFile();
    const store = await openSqliteStore({ file, bulkLoad: true });
    await store.writeTelemetry([{ machineId: 'm-1', tsMs: T0, values: {} }]);
    // Simulate a loader that died: the in-progress mark is still there when the next process opens it.
    (store as unknown as { db: { close(): void } }).db.close();
    await expect(openSqliteStore({ file })).rejects.toMatchObject({ code: 'PW_ERR_STORE_INCOMPLETE_BULK_LOAD', message: expect.stringContaining(file) });
  });

  it('createStore puts the SQLite file inside dataDir, creating the folder', async () => {
    const dataDir = join(dir, 'data-here', 'nested');
    const config = { ...DEFAULT_CONFIG, dataDir, store: { ...DEFAULT_CONFIG.store, sqliteFile: 'pw.db' } };
    expect(sqliteFilePath(config)).toBe(join(dataDir, 'pw.db'));
    const store = await createStore(config, createLogger({ level: 'silent', pretty: false }));
    expect(store.kind).toBe('sqlite');
    await store.close();
    const again = await openSqliteStore({ file: join(dataDir, 'pw.db') });
    expect(await again.schemaVersion()).toBeGreaterThan(0);
    await again.close();
  });
});
