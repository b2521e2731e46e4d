/**
 * A worker's ingestion against Mosquitto (PLANTWATCH_TEST_MQTT_URL): one QoS 1 subscription per
 * owned machine, sent in batched SUBSCRIBE packets on a session named after the partition; other
 * machines' telemetry never reaches it, and a reading of another partition's machine that comes
 * another way (HTTP) is refused with a reason.
 */
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../../src/config/index.js';
import { buildPlant, machineTopic, machinesOfPartition, type DeadLetter, type Telemetry } from '../../src/domain/index.js';
import { createLogger } from '../../src/logging/index.js';
import { DEFAULT_SUBSCRIBE_BATCH_SIZE, VALIDATION_CODES, startIngestion, subscriberClientId } from '../../src/ingest/index.js';
import { connectClient, serviceUrl } from '../support/mqtt.js';

const url = serviceUrl('PLANTWATCH_TEST_MQTT_URL', 'scale-out worker subscriptions (Mosquitto)');

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!url)('a worker partition subscribes to its own machines only', () => {
  const plant = buildPlant({ machineCount: 2400, plantId: `wks-${process.pid}-${Date.now().toString(36)}` });
  const partition = { index: 1, count: 2 };
  const clientId = subscriberClientId(plant.id, partition);

  afterAll(async () => {
    if (!url) return;
    const c = await connectClient(url, { clientId, clean: true });
    await c.endAsync();
  });

  it('subscribes in batches on its own session, gets only its machines, refuses others with a reason', async () => {
    expect(clientId).toBe(`plantwatch-ingest-${plant.id}-p1of2`);
    const owned = machinesOfPartition(plant.machines, partition);
    const other = plant.machines.find((m) => !owned.includes(m))!;
    const rows: Telemetry[] = [];
    const letters: DeadLetter[] = [];
    const store = {
      writeTelemetry: async (batch: readonly Telemetry[]) => {
        rows.push(...batch);
        return { inserted: batch.length, duplicates: [] };
      },
      writeDeadLetters: async (batch: readonly DeadLetter[]) => {
        letters.push(...batch);
      },
    };
    const logs = new PassThrough();
    let logText = '';
    logs.on('data', (d: Buffer) => (logText += d.toString()));
    const config: Config = { ...DEFAULT_CONFIG, mqtt: { ...DEFAULT_CONFIG.mqtt, mode: 'external', url: url! }, store: { ...DEFAULT_CONFIG.store, flushIntervalMs: 10 } };
    const ingestion = await startIngestion({ config, store, plant, partition, logger: createLogger({ level: 'info', pretty: false }, logs) });
    const publisher = await connectClient(url!);
    try {
      const connected = logText.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; topics?: number; subscribePackets?: number }).find((l) => l.msg === 'connected to the MQTT broker');
      expect(connected).toMatchObject({ topics: owned.length, subscribePackets: Math.ceil(owned.length / DEFAULT_SUBSCRIBE_BATCH_SIZE) });
      expect(connected!.subscribePackets).toBeGreaterThan(1);

      const reading = (m: (typeof plant.machines)[number], tsMs: number) => ({
        topic: machineTopic({ plantId: plant.id, areaId: m.areaId, machineId: m.id, channel: 'telemetry' }),
        payload: JSON.stringify({ machineId: m.id, tsMs, values: { temperature: 25 } }),
      });
      const now = Date.now() - 1000;
      // The first and last owned machines (first and last SUBSCRIBE packet), then another partition's.
      for (const [m, ts] of [[owned[0]!, now], [owned[owned.length - 1]!, now], [other, now]] as const) {
        const r = reading(m, ts);
        await publisher.publishAsync(r.topic, r.payload, { qos: 1 });
      }
      await waitFor('the owned machines\' readings', () => rows.length === 2);
      await new Promise((r) => setTimeout(r, 300));
      expect(rows.map((r) => r.machineId).sort()).toEqual([owned[0]!.id, owned[owned.length - 1]!.id].sort());
      expect(ingestion.counters().received).toBe(2);

      // The same reading through the shared ingestor (as the HTTP route would send it) is refused.
      const outcome = ingestion.ingestor.ingestObject({ machineId: other.id, tsMs: now, values: { temperature: 25 } }, { source: 'http', origin: 'POST /api/v1/telemetry[0]' });
      expect(outcome.accepted).toBe(false);
      expect(outcome.rejections).toEqual([{ code: VALIDATION_CODES.notInPartition, field: 'machineId', reason: `machineId: ${other.id} belongs to partition 2/2; this worker owns 1/2` }]);
      await outcome.committed;
      expect(letters.map((l) => l.code)).toEqual([VALIDATION_CODES.notInPartition]);
    } finally {
      await publisher.endAsync();
      await ingestion.stop();
    }
  });
});
