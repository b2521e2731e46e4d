import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/index.js';
import { createLogger } from '../../src/logging/index.js';
import { createStore, openPostgresStore, type Store } from '../../src/store/index.js';
import { findTestPostgres, randomSchema, type TestPostgres } from '../support/postgres.js';
import { defineStoreContract } from './store-contract.js';

// Top-level await: vitest collects tests after the server is found (or the suite is skipped).
const server: TestPostgres | undefined = await findTestPostgres();
const schemas: string[] = [];

afterAll(async () => {
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

const openFresh = (): Promise<Store> => {
  const schema = randomSchema();
  schemas.push(schema);
  return openPostgresStore({ url: server!.url, schema, poolSize: 4 });
};

describe.skipIf(!server)('PostgreSQL store', () => {
  defineStoreContract('PostgreSQL', { open: openFresh });

  let store: Store;
  beforeAll(async () => {
    store = await openFresh();
  });
  afterAll(async () => store?.close());

  it('takes concurrent batches without losing or doubling rows', async () => {
    const T0 = Date.UTC(2026, 0, 5);
    const batches = Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 1000 }, (_, i) => ({ machineId: `c-${i % 100}`, tsMs: T0 + (b * 10 + Math.floor(i / 100)) * 5000, values: { temperature: b } })),
    );
    // The same batch twice, concurrently: exactly one copy of each row is stored.
    const results = await Promise.all([...batches, batches[0]!].map((batch) => store.writeTelemetry(batch)));
    expect(results.reduce((a, r) => a + r.inserted, 0)).toBe(8000);
    expect(results.reduce((a, r) => a + r.duplicates.length, 0)).toBe(1000);
    expect((await store.stats()).telemetryRows).toBe(8000);
  });

  it('names the problem for a refused connection, a wrong password, a missing database and a malformed URL', async () => {
    const u = new URL(server!.url);
    await expect(openPostgresStore({ url: 'postgres://nobody:secret@127.0.0.1:1/none' })).rejects.toMatchObject({
      code: 'PW_ERR_STORE_CONNECT',
      message: expect.stringMatching(/ECONNREFUSED|connect/),
    });
    // The password never appears in the message.
    await expect(openPostgresStore({ url: 'postgres://nobody:secret@127.0.0.1:1/none' })).rejects.toSatisfy((e: Error) => !e.message.includes('secret'));
    const missingDb = new URL(u.href);
    missingDb.pathname = '/plantwatch_no_such_database';
    await expect(openPostgresStore({ url: missingDb.href })).rejects.toMatchObject({ code: 'PW_ERR_STORE_DATABASE_MISSING' });
    if (u.password) {
      const wrong = new URL(u.href);
      wrong.password = 'definitely-wrong';
      const schema = randomSchema();
      schemas.push(schema);
      const err = await openPostgresStore({ url: wrong.href, schema }).then(
        (s) => s.close().then(() => undefined),
        (e: unknown) => e,
      );
      // Servers set to trust local connections let any password in; when they don't, the code says why.
      if (err) expect(err).toMatchObject({ code: 'PW_ERR_STORE_AUTH' });
    }
    await expect(openPostgresStore({ url: 'mysql://x@y/z' })).rejects.toMatchObject({ code: 'PW_ERR_STORE_CONFIG', message: expect.stringContaining('postgres://') });
    await expect(openPostgresStore({ url: server!.url, schema: 'Robert"); DROP' })).rejects.toMatchObject({ code: 'PW_ERR_STORE_CONFIG' });
  });

  it('createStore opens PostgreSQL when the config says so, and refuses a missing URL', async () => {
    const logger = createLogger({ level: 'silent', pretty: false });
    await expect(createStore({ ...DEFAULT_CONFIG, store: { ...DEFAULT_CONFIG.store, kind: 'postgres', postgresUrl: null } }, logger)).rejects.toMatchObject({
      code: 'PW_ERR_STORE_CONFIG',
    });
    // Its own schema through the URL's `options`, so the test leaves nothing in `public`.
    const schema = randomSchema();
    schemas.push(schema);
    const client = new pg.Client({ connectionString: server!.url });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
    const url = new URL(server!.url);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const s = await createStore({ ...DEFAULT_CONFIG, store: { ...DEFAULT_CONFIG.store, kind: 'postgres', postgresUrl: url.href } }, logger);
    expect(s.kind).toBe('postgres');
    expect(await s.schemaVersion()).toBeGreaterThan(0);
    await s.close();
  });
});
