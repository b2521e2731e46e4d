/**
 * Ingestion from an external broker (Mosquitto at PLANTWATCH_TEST_MQTT_URL): QoS 1, a persistent
 * session, so readings published while ingestion is down arrive when it comes back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../../src/config/index.js';
import { buildPlant, machineTopic } from '../../src/domain/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openSqliteStore, type Store } from '../../src/store/index.js';
import { VALIDATION_CODES, startIngestion } from '../../src/ingest/index.js';
import { connectClient, publishAll, serviceUrl } from '../support/mqtt.js';

const url = serviceUrl('PLANTWATCH_TEST_MQTT_URL', 'external MQTT broker');

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!url)('ingestion from an external MQTT broker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-ext-'));
  const plant = buildPlant({ machineCount: 10, plantId: `ext-${process.pid}-${Date.now().toString(36)}` });
  const logger = createLogger({ level: 'silent', pretty: false });
  const config: Config = { ...DEFAULT_CONFIG, mqtt: { ...DEFAULT_CONFIG.mqtt, mode: 'external', url: url ?? null }, store: { ...DEFAULT_CONFIG.store, flushIntervalMs: 10 } };
  let store: Store | undefined;

  afterAll(async () => {
    // Drop the persistent session this test created on the shared broker.
    if (url) {
      const c = await connectClient(url, { clientId: `plantwatch-ingest-${plant.id}`, clean: true });
      await c.endAsync();
    }
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const message = (i: number, extra: Record<string, unknown> = {}) => {
    const m = plant.machines[i % plant.machines.length]!;
    return {
      topic: machineTopic({ plantId: plant.id, areaId: m.areaId, machineId: m.id, channel: 'telemetry' }),
      payload: JSON.stringify({ machineId: m.id, tsMs: Date.now() - 10_000 + i, seq: i, values: { temperature: 30, vibration: 1.5 }, ...extra }),
    };
  };

  it('stores valid readings, dead-letters bad ones, and gets what was published while it was down', async () => {
    store = await openSqliteStore({ file: join(dir, 'pw.db') });
    const s = store;
    let ingestion = await startIngestion({ config, store: s, plant, logger });
    expect(ingestion.subscriber).toBeDefined();
    const publisher = await connectClient(url!);

    const firstBatch = [...Array.from({ length: 300 }, (_, i) => message(i)), { topic: message(0).topic, payload: '{"not json' }, message(1000, { values: { temperature: 999 } })];
    await publishAll(publisher, firstBatch, 50);
    await waitFor('the first batch to be stored', async () => (await s.stats()).telemetryRows === 301 && (await s.stats()).deadLetterRows === 2);
    const letters = await s.queryDeadLetters({ source: 'mqtt' });
    expect(letters.map((l) => l.code).sort()).toEqual([VALIDATION_CODES.json, VALIDATION_CODES.range].sort());
    expect(letters.find((l) => l.code === VALIDATION_CODES.range)!.reason).toBe('values.temperature: 999 is above the HTS221 maximum 120 C');

    // Ingestion goes away; the broker keeps our session and queues what arrives meanwhile.
    await ingestion.stop();
    await publishAll(publisher, Array.from({ length: 200 }, (_, i) => message(2000 + i)), 50);
    expect((await s.stats()).telemetryRows).toBe(301);

    ingestion = await startIngestion({ config, store: s, plant, logger });
    await waitFor('the readings published while ingestion was down', async () => (await s.stats()).telemetryRows === 501);
    await new Promise((r) => setTimeout(r, 300));
    expect((await s.stats()).telemetryRows).toBe(501);
    expect(ingestion.counters().accepted).toBe(200);
    await publisher.endAsync();
    await ingestion.stop();
  });

  it('acknowledges the broker only after commit: readings held when ingestion dies come back on restart', async () => {
    const crashPlant = buildPlant({ machineCount: 3, plantId: `${plant.id}-crash` });
    const s = await openSqliteStore({ file: join(dir, 'crash.db') });
    // A store whose commits never finish, until the "process" dies and every write fails.
    let dead = false;
    const stuck = {
      writeTelemetry: () => new Promise<never>((_, reject) => {
        const timer = setInterval(() => {
          if (dead) {
            clearInterval(timer);
            reject(new Error('process died'));
          }
        }, 10);
      }),
      writeDeadLetters: () => Promise.reject(new Error('process died')),
    };
    const first = await startIngestion({ config, store: stuck, plant: crashPlant, logger });
    const publisher = await connectClient(url!);
    const topicOf = (i: number): string => {
      const m = crashPlant.machines[i % 3]!;
      return machineTopic({ plantId: crashPlant.id, areaId: m.areaId, machineId: m.id, channel: 'telemetry' });
    };
    const msgs = Array.from({ length: 60 }, (_, i) => ({ topic: topicOf(i), payload: JSON.stringify({ machineId: crashPlant.machines[i % 3]!.id, tsMs: Date.now() - 5000 + i, values: { temperature: 25 } }) }));
    await publishAll(publisher, msgs, 20);
    await waitFor('the first ingestion to receive messages', async () => first.counters().received > 0);
    // Crash: the connection drops without a single PUBACK having been sent.
    first.subscriber!.client.end(true);
    dead = true;
    await first.writer.stop(50).catch(() => undefined);

    const second = await startIngestion({ config, store: s, plant: crashPlant, logger });
    try {
      await waitFor('every reading to be redelivered and stored', async () => (await s.stats()).telemetryRows === 60);
      expect((await s.stats()).deadLetterRows).toBe(0);
    } finally {
      await publisher.endAsync();
      await second.stop();
      const c = await connectClient(url!, { clientId: `plantwatch-ingest-${crashPlant.id}`, clean: true });
      await c.endAsync();
      await s.close();
    }
  });
});
