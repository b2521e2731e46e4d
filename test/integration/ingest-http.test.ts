/** HTTP batch ingest through app.inject into a real SQLite store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_CONFIG, type Config } from '../../src/config/index.js';
import { buildPlant } from '../../src/domain/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { VALIDATION_CODES as C, startIngestion, type RunningIngestion } from '../../src/ingest/index.js';
import { buildApp } from '../../src/api/index.js';

describe('POST /api/v1/telemetry', () => {
  let dir: string;
  let store: Store;
  let ingestion: RunningIngestion;
  let app: FastifyInstance;
  const plant = buildPlant({ machineCount: 5, plantId: 'http-test' });
  const logger = createLogger({ level: 'silent', pretty: false });
  const [a, b] = [plant.machines[0]!.id, plant.machines[1]!.id];
  const now = Date.now();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-http-'));
    store = await openSqliteStore({ file: join(dir, 'pw.db') });
    const config: Config = { ...DEFAULT_CONFIG, store: { ...DEFAULT_CONFIG.store, flushIntervalMs: 10 } };
    ingestion = await startIngestion({ config, store, plant, logger, mqtt: false });
    app = await buildApp({ logger, ingestor: ingestion.ingestor, bodyLimitBytes: 64 * 1024, health: () => ({ ingest: ingestion.counters() }) });
  });

  afterAll(async () => {
    await app?.close();
    await ingestion?.stop();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a JSON array batch and reports each refusal with its index after commit', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/telemetry',
      payload: [
        { machineId: a, tsMs: now - 2000, values: { temperature: 30.5 } },
        { machineId: b, tsMs: now - 2000, values: { temperature: 300, humidity: 40 } },
        { machineId: 'nope', tsMs: now, values: {} },
        'not an object',
        { machineId: a, tsMs: now - 2000, values: { temperature: 31 } },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      accepted: 2,
      rejected: [
        { index: 1, code: C.range, reason: 'values.temperature: 300 is above the HTS221 maximum 120 C' },
        { index: 2, code: C.unknownMachine, reason: 'machineId: the string "nope" is not a machine of this plant' },
        { index: 3, code: C.schema, reason: 'payload: expected a JSON object {machineId, tsMs, values}, got the string "not an object"' },
        { index: 4, code: C.duplicate, reason: expect.stringMatching(/^tsMs: a reading for .* was already received$/) },
      ],
    });
    // Answered after commit: the rows are there now.
    expect(await store.queryTelemetry({ machineId: a, fromMs: now - 2000, toMs: now })).toEqual([{ machineId: a, tsMs: now - 2000, values: { temperature: 30.5 } }]);
    expect(await store.queryTelemetry({ machineId: b, fromMs: now - 2000, toMs: now })).toEqual([{ machineId: b, tsMs: now - 2000, values: { temperature: null, humidity: 40 } }]);
    const letters = await store.queryDeadLetters({ source: 'http' });
    expect(letters.map((l) => l.origin).sort()).toEqual(['POST /api/v1/telemetry[1]', 'POST /api/v1/telemetry[2]', 'POST /api/v1/telemetry[3]', 'POST /api/v1/telemetry[4]']);
  });

  it('accepts NDJSON and reports the line of a bad one', async () => {
    const body = [JSON.stringify({ machineId: a, tsMs: now - 1000, values: { gas: 410 } }), '', '{"machineId": broken', JSON.stringify({ machineId: b, ts: new Date(now - 1000).toISOString(), values: { gas: 'NaN' } })].join('\n');
    const res = await app.inject({ method: 'POST', url: '/api/v1/telemetry', headers: { 'content-type': 'application/x-ndjson' }, payload: body });
    expect(res.statusCode).toBe(200);
    const json = res.json();
    expect(json.accepted).toBe(2);
    expect(json.rejected).toEqual([
      { index: 2, code: C.json, reason: expect.stringMatching(/^payload: not valid JSON/) },
      { index: 3, code: C.notFinite, reason: 'values.gas: the string "NaN" is not a finite number' },
    ]);
  });

  it('reports a reading already in the store as a duplicate', async () => {
    // A fresh ingestion has an empty recent-key cache, so this duplicate is found by the store.
    const other = await startIngestion({ config: DEFAULT_CONFIG, store, plant, logger, mqtt: false });
    const otherApp = await buildApp({ logger, ingestor: other.ingestor });
    const res = await otherApp.inject({ method: 'POST', url: '/api/v1/telemetry', payload: [{ machineId: a, tsMs: now - 2000, values: { temperature: 99 } }] });
    expect(res.json()).toEqual({ accepted: 0, rejected: [{ index: 0, code: C.duplicate, reason: expect.stringMatching(/already stored/) }] });
    await otherApp.close();
    await other.stop();
  });

  it.each([
    ['a JSON object', { 'content-type': 'application/json' }, JSON.stringify({ machineId: 'asm-001' }), 400, 'PW_ERR_VALIDATION_BODY', /expected a JSON array of telemetry payloads/],
    ['broken JSON', { 'content-type': 'application/json' }, '[{"machineId": ', 400, 'PW_ERR_VALIDATION_REQUEST', /JSON/i],
    ['an empty JSON body', { 'content-type': 'application/json' }, '', 400, 'PW_ERR_VALIDATION_REQUEST', /empty/i],
    ['an unsupported content type', { 'content-type': 'text/csv' }, 'a,b\n1,2', 415, 'PW_ERR_VALIDATION_REQUEST', /content-type/i],
    ['a body over the limit', { 'content-type': 'application/json' }, `[${'1,'.repeat(40_000)}1]`, 413, 'PW_ERR_VALIDATION_REQUEST', /body/i],
  ])('refuses %s with a 4xx and a clear message, never a 500', async (_what, headers, payload, status, code, message) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/telemetry', headers, payload });
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
    expect(res.json().message).toMatch(message);
  });

  it('serves /healthz with the counters and 404s unknown routes with a code', async () => {
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json().status).toBe('ok');
    expect(health.json().ingest.accepted).toBe(4);
    const missing = await app.inject({ method: 'GET', url: '/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ code: 'PW_ERR_NOT_FOUND_ROUTE', message: 'no route GET /nope' });
  });
});
