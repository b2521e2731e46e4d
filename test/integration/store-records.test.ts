/**
 * Migration 3 on both adapters: respond's repository contract and the model registry
 * (activate, roll back, one active model per machine type).
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runRespondRepositoryContract } from '../../src/respond/repository-contract.js';
import { openPostgresStore, openSqliteStore, type NewModel, type Store } from '../../src/store/index.js';
import { findTestPostgres, randomSchema, type TestPostgres } from '../support/postgres.js';

const server: TestPostgres | undefined = await findTestPostgres();
const schemas: string[] = [];
const opened: Store[] = [];

afterAll(async () => {
  for (const s of opened) await s.close();
  if (!server) return;
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
    server.stop();
  }
});

async function openSqlite(): Promise<Store> {
  const s = await openSqliteStore({ file: ':memory:' });
  opened.push(s);
  return s;
}

async function openPg(): Promise<Store> {
  const schema = randomSchema('pw_records');
  schemas.push(schema);
  const s = await openPostgresStore({ url: server!.url, schema, poolSize: 2 });
  opened.push(s);
  return s;
}

const model = (over: Partial<NewModel> = {}): NewModel => ({
  machineType: 'welding',
  preset: 'small',
  engine: 'portable',
  dataFromMs: 0,
  dataToMs: 3_600_000,
  metrics: { valLoss: 0.01, thresholds: [0.1, 0.2] },
  artifact: '{"weights":"..."}',
  path: null,
  createdAtMs: 1_000,
  ...over,
});

function registryTests(name: string, open: () => Promise<Store>): void {
  describe(`model registry: ${name}`, () => {
    it('versions per machine type, activates one at a time, rolls back to the previous one', async () => {
      const reg = (await open()).modelRegistry();
      const v1 = await reg.saveModel(model());
      const v2 = await reg.saveModel(model({ createdAtMs: 2_000, metrics: { valLoss: 0.005 } }));
      const p1 = await reg.saveModel(model({ machineType: 'paint_booth' }));
      expect([v1.version, v2.version, p1.version]).toEqual([1, 2, 1]);
      expect(v1.id).toBe('welding-v1');
      expect(await reg.activeModel('welding')).toBeUndefined();
      await reg.activateModel(v1.id, 10);
      await reg.activateModel(p1.id, 11);
      const active = await reg.activateModel(v2.id, 20);
      expect(active).toMatchObject({ id: v2.id, active: true, activatedAtMs: 20, metrics: { valLoss: 0.005 }, artifact: '{"weights":"..."}' });
      expect((await reg.activeModel('welding'))!.id).toBe(v2.id);
      expect((await reg.activeModel('paint_booth'))!.id).toBe(p1.id);
      const listed = await reg.listModels('welding');
      expect(listed.map((m) => [m.id, m.active])).toEqual([
        [v2.id, true],
        [v1.id, false],
      ]);
      expect(listed[0]!.artifact).toBeNull(); // listing carries metadata only
      expect((await reg.rollback('welding', 30)).id).toBe(v1.id);
      expect((await reg.activeModel('welding'))!.id).toBe(v1.id);
      await expect(reg.rollback('assembly')).rejects.toMatchObject({ code: 'PW_ERR_STORE_NO_PREVIOUS_MODEL' });
      await expect(reg.activateModel('nope')).rejects.toMatchObject({ code: 'PW_ERR_STORE_MODEL_NOT_FOUND' });
      await expect(reg.saveModel(model({ artifact: null, path: null }))).rejects.toMatchObject({ code: 'PW_ERR_STORE_MODEL_EMPTY' });
    });
  });
}

runRespondRepositoryContract('SQLite', async () => (await openSqlite()).respondRepositories());
registryTests('SQLite', openSqlite);

describe.skipIf(!server)('PostgreSQL records', () => {
  runRespondRepositoryContract('PostgreSQL', async () => (await openPg()).respondRepositories());
  registryTests('PostgreSQL', openPg);
});
