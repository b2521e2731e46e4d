/**
 * One contract for every Store adapter (STYLE 7, after MQTT.js's abstract store test): each adapter's
 * test file calls {@link defineStoreContract} with a way to open fresh, empty stores.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPlant, type DeadLetter, type FaultLabel, type SensorKind, type Telemetry } from '../../src/domain/index.js';
import type { Store } from '../../src/store/index.js';

export interface StoreHarness {
  /** A fresh, empty, migrated store; the harness closes and removes it after the test file. */
  open(): Promise<Store>;
}

/** An hour boundary, so minute and hour buckets are easy to check by hand. */
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function reading(machineId: string, tsMs: number, values: Telemetry['values'], seq?: number): Telemetry {
  return seq === undefined ? { machineId, tsMs, values } : { machineId, tsMs, seq, values };
}

export function defineStoreContract(name: string, harness: StoreHarness): void {
  describe(`Store contract: ${name}`, () => {
    const opened: Store[] = [];
    const fresh = async (): Promise<Store> => {
      const store = await harness.open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('migrates twice without changing anything', async () => {
      const store = await fresh();
      const version = await store.schemaVersion();
      expect(version).toBeGreaterThanOrEqual(1);
      await store.writeTelemetry([reading('m-1', T0, { temperature: 20 })]);
      await store.migrate();
      await store.migrate();
      expect(await store.schemaVersion()).toBe(version);
      expect((await store.stats()).telemetryRows).toBe(1);
    });

    it('saves and loads a plant, replacing its machines on a second save', async () => {
      const store = await fresh();
      const plant = buildPlant({ machineCount: 7, plantId: 'plant-a', name: 'Plant A' });
      await store.savePlant(plant);
      expect(await store.loadPlant('plant-a')).toEqual(plant);
      expect(await store.listMachines()).toEqual(plant.machines);
      const smaller = buildPlant({ machineCount: 3, plantId: 'plant-a', name: 'Plant A, renamed' });
      await store.savePlant(smaller);
      expect(await store.loadPlant('plant-a')).toEqual(smaller);
      const other = { ...buildPlant({ machineCount: 2, plantId: 'plant-b' }), machines: [] };
      await store.savePlant({ ...other, machines: [{ id: 'b-1', areaId: other.areas[0]!.id, type: 'welding', criticality: 'high', sensors: ['temperature'] }] });
      expect((await store.listMachines()).map((m) => m.id)).toEqual([...smaller.machines.map((m) => m.id), 'b-1']);
      expect(await store.loadPlant('no-such-plant')).toBeUndefined();
    });

    it('writes a batch and answers time-range queries: from inclusive, to exclusive, oldest first, limit', async () => {
      const store = await fresh();
      const rows = Array.from({ length: 10 }, (_, i) => reading('m-1', T0 + i * 5000, { temperature: 20 + i / 10 }, i));
      const shuffled = [rows[7]!, rows[2]!, rows[9]!, rows[0]!, rows[5]!, rows[1]!, rows[8]!, rows[3]!, rows[6]!, rows[4]!];
      const other = reading('m-2', T0 + 10_000, { temperature: 99 });
      const result = await store.writeTelemetry([...shuffled, other]);
      expect(result).toEqual({ inserted: 11, duplicates: [] });

      const range = await store.queryTelemetry({ machineId: 'm-1', fromMs: T0 + 10_000, toMs: T0 + 30_000 });
      expect(range).toEqual(rows.slice(2, 6));
      expect(await store.queryTelemetry({ machineId: 'm-1', fromMs: T0 + 10_000, toMs: T0 + 30_000, limit: 2 })).toEqual(rows.slice(2, 4));
      expect(await store.queryTelemetry({ machineId: 'm-1', fromMs: T0 + 10_001, toMs: T0 + 10_002 })).toEqual([]);
      expect(await store.queryTelemetry({ machineId: 'm-2', fromMs: T0, toMs: T0 + HOUR })).toEqual([other]);
      expect(await store.queryTelemetry({ machineId: 'unknown', fromMs: T0, toMs: T0 + HOUR })).toEqual([]);

      const series = await store.querySeries({ machineId: 'm-1', sensor: 'temperature', fromMs: T0 + 40_000, toMs: T0 + HOUR });
      expect(series).toEqual([
        { tsMs: T0 + 40_000, value: 20.8 },
        { tsMs: T0 + 45_000, value: 20.9 },
      ]);
    });

    it('returns duplicates within a batch and across batches instead of storing them', async () => {
      const store = await fresh();
      const a = reading('m-1', T0, { temperature: 1 }, 1);
      const b = reading('m-1', T0 + 5000, { temperature: 2 }, 2);
      const aAgain = reading('m-1', T0, { temperature: 111 }, 3);
      expect(await store.writeTelemetry([a, b, aAgain])).toEqual({ inserted: 2, duplicates: [aAgain] });
      const aThird = reading('m-1', T0, { temperature: 222 });
      const c = reading('m-2', T0, { temperature: 3 });
      expect(await store.writeTelemetry([aThird, c])).toEqual({ inserted: 1, duplicates: [aThird] });
      expect(await store.queryTelemetry({ machineId: 'm-1', fromMs: T0, toMs: T0 + 1 })).toEqual([a]);
      expect((await store.stats()).telemetryRows).toBe(3);
    });

    it('keeps nulls, absent sensors, missing seq and exact values as written', async () => {
      const store = await fresh();
      const rows = [
        reading('m-1', T0, { temperature: null, humidity: 50.5 }),
        reading('m-1', T0 + 5000, {}, 0),
        reading('m-1', T0 + 10_000, { temperature: 0.123456789, vibration: 1e-7, speed: 1234.5, current: -40, gas: 123456.789, coolant_pressure: 3.21, supply_voltage: 24 }, 7),
      ];
      await store.writeTelemetry(rows);
      expect(await store.queryTelemetry({ machineId: 'm-1', fromMs: T0, toMs: T0 + HOUR })).toEqual(rows);
      expect(await store.querySeries({ machineId: 'm-1', sensor: 'temperature', fromMs: T0, toMs: T0 + HOUR })).toEqual([
        { tsMs: T0, value: null },
        { tsMs: T0 + 10_000, value: 0.123456789 },
      ]);
      expect(await store.querySeries({ machineId: 'm-1', sensor: 'humidity', fromMs: T0, toMs: T0 + HOUR })).toEqual([{ tsMs: T0, value: 50.5 }]);
    });

    it('rolls up 1 min and 1 h buckets (count, min, max, mean checked by hand), idempotently, and takes in late data', async () => {
      const store = await fresh();
      await store.writeTelemetry([
        reading('m-1', T0, { temperature: 10, humidity: 50 }),
        reading('m-1', T0 + 5000, { temperature: 20 }),
        reading('m-1', T0 + 10_000, { temperature: null }),
        reading('m-1', T0 + 55_000, { temperature: 30 }),
        reading('m-1', T0 + MIN, { temperature: 100 }),
        reading('m-1', T0 + HOUR, { temperature: 7 }),
        reading('m-2', T0 + 30_000, { temperature: -5 }),
      ]);
      const q = { machineId: 'm-1', sensor: 'temperature' as SensorKind, fromMs: T0, toMs: T0 + 2 * HOUR };
      for (let i = 0; i < 2; i++) {
        await store.rollUp(T0 + 2 * HOUR);
        expect(await store.queryRollup({ ...q, resolution: '1m' })).toEqual([
          { tsMs: T0, count: 3, min: 10, max: 30, mean: 20 },
          { tsMs: T0 + MIN, count: 1, min: 100, max: 100, mean: 100 },
          { tsMs: T0 + HOUR, count: 1, min: 7, max: 7, mean: 7 },
        ]);
        expect(await store.queryRollup({ ...q, resolution: '1h' })).toEqual([
          { tsMs: T0, count: 4, min: 10, max: 100, mean: 40 },
          { tsMs: T0 + HOUR, count: 1, min: 7, max: 7, mean: 7 },
        ]);
      }
      expect(await store.queryRollup({ ...q, sensor: 'humidity', resolution: '1m' })).toEqual([{ tsMs: T0, count: 1, min: 50, max: 50, mean: 50 }]);
      expect(await store.queryRollup({ ...q, machineId: 'm-2', resolution: '1h' })).toEqual([{ tsMs: T0, count: 1, min: -5, max: -5, mean: -5 }]);
      // The bucket starting at fromMs is in, the one starting at toMs is out.
      expect(await store.queryRollup({ ...q, fromMs: T0 + MIN, toMs: T0 + HOUR, resolution: '1m' })).toEqual([{ tsMs: T0 + MIN, count: 1, min: 100, max: 100, mean: 100 }]);

      // A late reading below the watermark is folded in by the next roll-up.
      await store.writeTelemetry([reading('m-1', T0 + 15_000, { temperature: 40 })]);
      await store.rollUp(T0 + 2 * HOUR);
      expect((await store.queryRollup({ ...q, resolution: '1m' }))[0]).toEqual({ tsMs: T0, count: 4, min: 10, max: 40, mean: 25 });
      expect((await store.queryRollup({ ...q, resolution: '1h' }))[0]).toEqual({ tsMs: T0, count: 5, min: 10, max: 100, mean: 40 });
    });

    it('rolls up only buckets that end by untilMs', async () => {
      const store = await fresh();
      await store.writeTelemetry([reading('m-1', T0, { temperature: 1 }), reading('m-1', T0 + 70_000, { temperature: 2 })]);
      const q = { machineId: 'm-1', sensor: 'temperature' as SensorKind, fromMs: T0, toMs: T0 + DAY };
      await store.rollUp(T0 + 90_000);
      expect(await store.queryRollup({ ...q, resolution: '1m' })).toEqual([{ tsMs: T0, count: 1, min: 1, max: 1, mean: 1 }]);
      expect(await store.queryRollup({ ...q, resolution: '1h' })).toEqual([]);
      await store.rollUp(T0 + HOUR);
      expect((await store.queryRollup({ ...q, resolution: '1m' })).map((p) => p.tsMs)).toEqual([T0, T0 + MIN]);
      expect(await store.queryRollup({ ...q, resolution: '1h' })).toEqual([{ tsMs: T0, count: 2, min: 1, max: 2, mean: 1.5 }]);
    });

    it('applies retention: rolls up first, deletes raw, minute and hour rows past their age, keeps roll-ups of deleted raw', async () => {
      const store = await fresh();
      // Two days of readings every 10 minutes: k = 0..287, temperature = k % 50.
      const rows = Array.from({ length: 288 }, (_, k) => reading('m-1', T0 + k * 10 * MIN, { temperature: k % 50 }));
      await store.writeTelemetry(rows);
      const result = await store.applyRetention({ nowMs: T0 + 2 * DAY, rawMaxAgeMs: DAY, minuteMaxAgeMs: 1.5 * DAY, hourMaxAgeMs: 100 * DAY });
      // Raw before T0 + 1 d (k < 144) goes; minute buckets before T0 + 12 h (k < 72) go; no hour bucket is old enough.
      expect(result).toEqual({ rawDeleted: 144, minuteDeleted: 72, hourDeleted: 0 });
      const raw = await store.queryTelemetry({ machineId: 'm-1', fromMs: T0, toMs: T0 + 3 * DAY });
      expect(raw).toEqual(rows.slice(144));
      expect((await store.stats()).telemetryRows).toBe(144);
      const q = { machineId: 'm-1', sensor: 'temperature' as SensorKind, fromMs: T0, toMs: T0 + 3 * DAY };
      expect((await store.queryRollup({ ...q, resolution: '1m' }))[0]!.tsMs).toBe(T0 + 12 * HOUR);
      const hours = await store.queryRollup({ ...q, resolution: '1h' });
      expect(hours).toHaveLength(24);
      expect(hours[0]).toEqual({ tsMs: T0, count: 6, min: 0, max: 5, mean: 2.5 });
      // Rolling up again never rebuilds buckets whose source rows are gone.
      await store.rollUp(T0 + 3 * DAY);
      const after = await store.queryRollup({ ...q, resolution: '1h' });
      expect(after).toHaveLength(48);
      expect(after[0]).toEqual({ tsMs: T0, count: 6, min: 0, max: 5, mean: 2.5 });
      expect(after.every((h) => h.count === 6)).toBe(true);
      const again = await store.applyRetention({ nowMs: T0 + 2 * DAY, rawMaxAgeMs: DAY, minuteMaxAgeMs: 1.5 * DAY, hourMaxAgeMs: 100 * DAY });
      expect(again).toEqual({ rawDeleted: 0, minuteDeleted: 0, hourDeleted: 0 });
    });

    it('misses nothing written while a roll-up runs', async () => {
      const store = await fresh();
      await store.writeTelemetry(Array.from({ length: 288 }, (_, k) => reading('m-1', T0 + k * 10 * MIN, { temperature: 1 })));
      const rolling = store.rollUp(T0 + 2 * DAY);
      // Late readings (an hour long rolled up, or about to be) and one past the roll-up, while it runs.
      const writing = store.writeTelemetry([
        reading('m-1', T0 + 5 * MIN, { temperature: 3 }),
        reading('m-1', T0 + DAY + 5 * MIN, { temperature: 3 }),
        reading('m-1', T0 + 2 * DAY + 5 * MIN, { temperature: 3 }),
      ]);
      await Promise.all([rolling, writing]);
      await store.rollUp(T0 + 2 * DAY);
      const hours = await store.queryRollup({ machineId: 'm-1', sensor: 'temperature', resolution: '1h', fromMs: T0, toMs: T0 + 3 * DAY });
      expect(hours).toHaveLength(48);
      expect(hours[0]).toEqual({ tsMs: T0, count: 7, min: 1, max: 3, mean: 9 / 7 });
      expect(hours[24]).toEqual({ tsMs: T0 + DAY, count: 7, min: 1, max: 3, mean: 9 / 7 });
      expect(hours.filter((h) => h.count === 6)).toHaveLength(46);
    });

    it('stores fault labels, replaces them by id and finds them by machine and overlap', async () => {
      const store = await fresh();
      const labels: FaultLabel[] = [
        { id: 'f1', machineId: 'm-1', type: 'overheating', sensors: ['temperature'], startMs: T0, endMs: T0 + HOUR, severity: 0.8 },
        { id: 'f2', machineId: 'm-1', type: 'drift', sensors: ['humidity', 'gas'], startMs: T0 + 2 * HOUR, endMs: T0 + 3 * HOUR, severity: 0.25 },
        { id: 'f3', machineId: 'm-2', type: 'gap', sensors: [], startMs: T0 + 30 * MIN, endMs: T0 + 90 * MIN, severity: 1 },
      ];
      await store.writeFaultLabels(labels);
      expect(await store.queryFaultLabels({})).toEqual([labels[0], labels[2], labels[1]]);
      expect(await store.queryFaultLabels({ machineId: 'm-1' })).toEqual([labels[0], labels[1]]);
      // [T0 + 1 h, T0 + 2 h): f1 ends exactly at its start and f2 starts exactly at its end, so only f3 overlaps.
      expect(await store.queryFaultLabels({ fromMs: T0 + HOUR, toMs: T0 + 2 * HOUR })).toEqual([labels[2]]);
      const changed = { ...labels[0]!, severity: 0.5, endMs: T0 + 2 * HOUR };
      await store.writeFaultLabels([changed]);
      expect(await store.queryFaultLabels({ machineId: 'm-1', fromMs: T0 + HOUR, toMs: T0 + 2 * HOUR })).toEqual([changed]);
      expect((await store.stats()).labelRows).toBe(3);
    });

    it('stores dead letters with their reason and finds them by time and source, oldest first, with a limit', async () => {
      const store = await fresh();
      const letters: DeadLetter[] = [
        { source: 'mqtt', origin: 'plantwatch/p/a/m-1/telemetry', receivedAtMs: T0 + 2000, code: 'PW_ERR_VALIDATION_RANGE', reason: 'values.temperature 500 is above 120 C', payload: '{"t":500}', machineId: 'm-1' },
        { source: 'http', origin: 'POST /api/ingest', receivedAtMs: T0 + 1000, code: 'PW_ERR_VALIDATION_JSON', reason: 'body is not JSON', payload: '\u00ff\u0001garbage' },
        { source: 'mqtt', origin: 'plantwatch/p/a/m-9/telemetry', receivedAtMs: T0 + 3000, code: 'PW_ERR_VALIDATION_DUPLICATE', reason: 'duplicate reading', payload: 'x'.repeat(100_000), machineId: 'm-9' },
      ];
      await store.writeDeadLetters(letters);
      expect(await store.queryDeadLetters({})).toEqual([letters[1], letters[0], letters[2]]);
      expect(await store.queryDeadLetters({ source: 'mqtt' })).toEqual([letters[0], letters[2]]);
      expect(await store.queryDeadLetters({ fromMs: T0 + 2000 })).toEqual([letters[0], letters[2]]);
      expect(await store.queryDeadLetters({ limit: 1 })).toEqual([letters[1]]);
      expect((await store.stats()).deadLetterRows).toBe(3);
    });

    it('refuses a malformed row with a code naming the field, storing nothing of that batch', async () => {
      const store = await fresh();
      const bad = [reading('m-1', T0, { temperature: 1 }), reading('m-1', T0 + 0.5, { temperature: 2 })];
      await expect(store.writeTelemetry(bad)).rejects.toMatchObject({ code: 'PW_ERR_STORE_INVALID_ROW', message: expect.stringContaining('telemetry[1].tsMs') });
      await expect(store.queryTelemetry({ machineId: 'm-1', fromMs: T0, toMs: T0 + 1, limit: -1 })).rejects.toMatchObject({ code: 'PW_ERR_STORE_INVALID_QUERY' });
      expect((await store.stats()).telemetryRows).toBe(0);
    });

    it('refuses calls after close with PW_ERR_STORE_CLOSED', async () => {
      const store = await harness.open();
      await store.close();
      await expect(store.stats()).rejects.toMatchObject({ code: 'PW_ERR_STORE_CLOSED' });
      await store.close();
    });

    it('property: writing a batch equals writing its items one by one', async () => {
      const store = await fresh();
      const value = fc.oneof(fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0)), fc.integer({ min: -400, max: 4000 }).map((k) => k / 10));
      const row = fc.record({
        machine: fc.integer({ min: 0, max: 2 }),
        tick: fc.integer({ min: 0, max: 6 }),
        seq: fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined }),
        values: fc.record({ temperature: value, humidity: value, speed: value, gas: value }, { requiredKeys: [] }),
      });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(row, { maxLength: 25 }), async (items) => {
          run++;
          const as = (prefix: string): Telemetry[] =>
            items.map((it) => reading(`${prefix}${run}-${it.machine}`, T0 + it.tick * 5000, it.values as Telemetry['values'], it.seq));
          const batch = await store.writeTelemetry(as('b'));
          const singles = { inserted: 0, duplicates: [] as Telemetry[] };
          for (const r of as('s')) {
            const one = await store.writeTelemetry([r]);
            singles.inserted += one.inserted;
            singles.duplicates.push(...one.duplicates);
          }
          const strip = (rows: Telemetry[]): unknown[] => rows.map((r) => ({ ...r, machineId: r.machineId.slice(1) }));
          expect(batch.inserted).toBe(singles.inserted);
          expect(strip(batch.duplicates)).toEqual(strip(singles.duplicates));
          for (let m = 0; m <= 2; m++) {
            const q = { fromMs: T0, toMs: T0 + HOUR };
            const viaBatch = await store.queryTelemetry({ ...q, machineId: `b${run}-${m}` });
            const viaSingles = await store.queryTelemetry({ ...q, machineId: `s${run}-${m}` });
            expect(strip(viaBatch)).toEqual(strip(viaSingles));
            // And what was stored is exactly the first reading of each timestamp.
            const firsts = new Map<number, Telemetry>();
            for (const r of as('b').filter((r) => r.machineId === `b${run}-${m}`)) if (!firsts.has(r.tsMs)) firsts.set(r.tsMs, r);
            expect(viaBatch).toEqual([...firsts.values()].sort((x, y) => x.tsMs - y.tsMs));
          }
        }),
        { numRuns: 30, seed: 42 },
      );
    });
  });
}
