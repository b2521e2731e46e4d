import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DeadLetter, Telemetry } from '../domain/index.js';
import { createLogger } from '../logging/index.js';
import { openSqliteStore, type Store } from '../store/index.js';
import { BatchWriter, WRITE_FAILED_CODE } from './batch-writer.js';

const logger = createLogger({ level: 'silent', pretty: false });
const reading = (i: number, machineId = 'asm-001'): Telemetry => ({ machineId, tsMs: 1_700_000_000_000 + i, values: { temperature: 20 + (i % 10) } });

/** The real SQLite store with injected failures: `failNext` calls throw, and rows of `poison` machines always do. */
function faulty(store: Store) {
  const state = { failNext: 0, poison: new Set<string>(), telemetryCalls: 0, batchSizes: [] as number[] };
  const wrapped: Pick<Store, 'writeTelemetry' | 'writeDeadLetters'> = {
    async writeTelemetry(batch) {
      state.telemetryCalls++;
      state.batchSizes.push(batch.length);
      if (state.failNext > 0) {
        state.failNext--;
        throw new Error('disk I/O error (injected)');
      }
      if (batch.some((t) => state.poison.has(t.machineId))) throw new Error('constraint failed (injected)');
      return store.writeTelemetry(batch);
    },
    writeDeadLetters: (letters: readonly DeadLetter[]) => store.writeDeadLetters(letters),
  };
  return { state, wrapped };
}

describe('BatchWriter', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openSqliteStore({ file: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
  });

  it('resolves each write only after its batch is committed, in batches of at most batchSize', async () => {
    const { state, wrapped } = faulty(store);
    const writer = new BatchWriter({ store: wrapped, logger, batchSize: 100, flushIntervalMs: 50 });
    const outcomes = await Promise.all(Array.from({ length: 350 }, (_, i) => writer.write({ telemetry: reading(i), deadLetters: [] })));
    expect(outcomes.every((o) => o === 'stored')).toBe(true);
    expect((await store.stats()).telemetryRows).toBe(350);
    expect(Math.max(...state.batchSizes)).toBeLessThanOrEqual(100);
    expect(state.batchSizes.reduce((a, b) => a + b, 0)).toBe(350);
    expect(writer.counters()).toMatchObject({ inserted: 350, duplicates: 0, queueDepth: 0, flushes: state.telemetryCalls });
    await writer.stop();
  });

  it('retries a failing store with backoff and loses nothing', async () => {
    const { state, wrapped } = faulty(store);
    state.failNext = 3;
    const writer = new BatchWriter({ store: wrapped, logger, batchSize: 1000, flushIntervalMs: 5, retryBaseMs: 5, splitAfterFailures: 10 });
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => writer.write({ telemetry: reading(i), deadLetters: [] })));
    expect(outcomes).toEqual(Array(50).fill('stored'));
    expect(writer.counters().flushFailures).toBe(3);
    expect((await store.stats()).telemetryRows).toBe(50);
    await writer.stop();
  });

  it('writes row by row after repeated failures, dead-lettering only the poison row', async () => {
    const { state, wrapped } = faulty(store);
    state.poison.add('bad-machine');
    const writer = new BatchWriter({ store: wrapped, logger, batchSize: 1000, flushIntervalMs: 5, retryBaseMs: 1, splitAfterFailures: 2 });
    const letter = (reason: string): DeadLetter => ({ source: 'test', origin: 'x', receivedAtMs: 0, code: WRITE_FAILED_CODE, reason, payload: '{}' });
    const writes = Array.from({ length: 20 }, (_, i) => writer.write({ telemetry: reading(i, i === 7 ? 'bad-machine' : 'asm-001'), deadLetters: [], failedLetter: letter }));
    const outcomes = await Promise.all(writes);
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(19);
    expect(outcomes[7]).toBe('dead-lettered');
    const letters = await store.queryDeadLetters({});
    expect(letters).toHaveLength(1);
    expect(letters[0]!.reason).toBe('store refused the reading: constraint failed (injected)');
    await writer.stop();
  });

  it('reports duplicates the store found and dead-letters them', async () => {
    await store.writeTelemetry([reading(1)]);
    const writer = new BatchWriter({ store, logger, batchSize: 10, flushIntervalMs: 5 });
    const dup: DeadLetter = { source: 'test', origin: 'x', receivedAtMs: 0, code: 'PW_ERR_VALIDATION_DUPLICATE', reason: 'tsMs: already stored', payload: '{}' };
    const [a, b] = await Promise.all([writer.write({ telemetry: reading(1), deadLetters: [], duplicateLetter: () => dup }), writer.write({ telemetry: reading(2), deadLetters: [] })]);
    expect([a, b]).toEqual(['duplicate', 'stored']);
    expect(await store.queryDeadLetters({})).toEqual([dup]);
    await writer.stop();
  });

  it('stop() with the store down gives up after its timeout and rejects what was queued', async () => {
    const { state, wrapped } = faulty(store);
    state.failNext = Number.POSITIVE_INFINITY;
    const writer = new BatchWriter({ store: wrapped, logger, batchSize: 10, flushIntervalMs: 5, retryBaseMs: 5, retryMaxMs: 10 });
    const pending = writer.write({ telemetry: reading(1), deadLetters: [] });
    await writer.stop(100);
    await expect(pending).rejects.toMatchObject({ code: 'PW_ERR_STORE_WRITE_ABANDONED' });
    await expect(writer.write({ telemetry: reading(2), deadLetters: [] })).rejects.toMatchObject({ code: 'PW_ERR_STORE_WRITER_STOPPED' });
  });

  it('property: many writes store exactly the distinct readings, whatever the batch size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 300 }), fc.integer({ min: 1, max: 64 }), async (keys, batchSize) => {
        const s = await openSqliteStore({ file: ':memory:' });
        try {
          const writer = new BatchWriter({ store: s, logger, batchSize, flushIntervalMs: 1 });
          const outcomes = await Promise.all(keys.map((k) => writer.write({ telemetry: reading(k), deadLetters: [] })));
          await writer.stop();
          const distinct = new Set(keys).size;
          return (await s.stats()).telemetryRows === distinct && outcomes.filter((o) => o === 'stored').length === distinct && outcomes.filter((o) => o === 'duplicate').length === keys.length - distinct;
        } finally {
          await s.close();
        }
      }),
      { seed: 3, numRuns: 40 },
    );
  });
});
