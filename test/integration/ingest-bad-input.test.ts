/**
 * Must-show "bad input": 10,000 payloads over MQTT, malformed ones mixed with valid ones, through the
 * embedded broker into SQLite. The process stays up, every valid reading is stored, every invalid one
 * is in the dead-letter store with a reason naming the field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { DEFAULT_CONFIG, type Config } from '../../src/config/index.js';
import { buildPlant, machineTopic, type Plant } from '../../src/domain/index.js';
import { createLogger } from '../../src/logging/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { VALIDATION_CODES as C, startEmbeddedBroker, startIngestion, type EmbeddedBroker, type RunningIngestion } from '../../src/ingest/index.js';
import { connectClient, publishAll } from '../support/mqtt.js';

const TOTAL = 10_000;

/** Seeded PRNG (mulberry32) so the mix is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  kind: string;
  topic: string;
  payload: Buffer | string;
  /** The reading that must be stored (values after nulling refused fields), if any. */
  stored?: { machineId: string; tsMs: number; values: Record<string, number | null> };
  /** Dead-letter codes it must produce, with the field each reason must name. */
  letters: Array<{ code: string; field: string }>;
}

function buildCases(plant: Plant, nowMs: number): Case[] {
  const random = rng(2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const topicOf = (machineId: string): string => {
    const m = plant.machines.find((x) => x.id === machineId)!;
    return machineTopic({ plantId: plant.id, areaId: m.areaId, machineId, channel: 'telemetry' });
  };
  let tsCounter = 0;
  // Every generated reading gets its own timestamp, so only deliberate duplicates collide.
  const nextTs = (): number => nowMs - 3_600_000 + tsCounter++;
  const goodValues = (): Record<string, number | null> => ({
    temperature: Math.round((20 + random() * 60) * 10) / 10,
    humidity: Math.round(random() * 1000) / 10,
    vibration: Math.round(random() * 500) / 100,
    current: random() < 0.1 ? null : Math.round(random() * 2000) / 100,
  });
  const valids: Case[] = [];
  const cases: Case[] = [];
  const machine = (): string => pick(plant.machines).id;

  for (let i = 0; i < TOTAL; i++) {
    const r = random();
    const id = machine();
    const tsMs = nextTs();
    const values = goodValues();
    const topic = topicOf(id);
    let c: Case;
    if (r < 0.4 || valids.length < 10) {
      c = { kind: 'valid', topic, payload: JSON.stringify({ machineId: id, tsMs, seq: i, values }), stored: { machineId: id, tsMs, values }, letters: [] };
      valids.push(c);
    } else if (r < 0.45) {
      const bytes = Buffer.alloc(1 + Math.floor(random() * 200));
      for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(random() * 256);
      bytes[0] = 0xff; // never valid UTF-8, so never accidentally valid JSON
      c = { kind: 'random bytes', topic, payload: bytes, letters: [{ code: C.json, field: 'payload' }] };
    } else if (r < 0.5) {
      const variant = pick(['machineId', 'tsMs', 'values', 'seq', 'array'] as const);
      const obj: Record<string, unknown> = { machineId: id, tsMs, values };
      if (variant === 'machineId') obj.machineId = 12345;
      if (variant === 'tsMs') obj.tsMs = String(tsMs);
      if (variant === 'values') obj.values = [1, 2, 3];
      if (variant === 'seq') obj.seq = 'first';
      c = { kind: `wrong type ${variant}`, topic, payload: variant === 'array' ? JSON.stringify([obj]) : JSON.stringify(obj), letters: [{ code: C.schema, field: variant === 'array' ? 'payload' : variant }] };
    } else if (r < 0.55) {
      // NaN / Infinity as strings, as an overflowing number literal (parses to Infinity), and as a bare literal (not JSON).
      const variant = pick(['NaN-string', 'Infinity-string', 'overflow', 'bare-NaN'] as const);
      if (variant === 'bare-NaN') {
        c = { kind: variant, topic, payload: `{"machineId":"${id}","tsMs":${tsMs},"values":{"temperature":NaN}}`, letters: [{ code: C.json, field: 'payload' }] };
      } else {
        const bad = variant === 'NaN-string' ? '"NaN"' : variant === 'Infinity-string' ? '"-Infinity"' : '1e999';
        const payload = `{"machineId":"${id}","tsMs":${tsMs},"values":{"temperature":${values.temperature},"humidity":${bad}}}`;
        c = { kind: variant, topic, payload, stored: { machineId: id, tsMs, values: { temperature: values.temperature!, humidity: null } }, letters: [{ code: C.notFinite, field: 'values.humidity' }] };
      }
    } else if (r < 0.62) {
      const bad = { ...values, temperature: 250, current: -3 };
      c = {
        kind: 'out of range',
        topic,
        payload: JSON.stringify({ machineId: id, tsMs, values: bad }),
        stored: { machineId: id, tsMs, values: { ...values, temperature: null, current: null } },
        letters: [
          { code: C.range, field: 'values.temperature' },
          { code: C.range, field: 'values.current' },
        ],
      };
    } else if (r < 0.67) {
      c = { kind: 'unknown machine', topic: topic.replace(`/${id}/`, '/ghost-1/'), payload: JSON.stringify({ machineId: 'ghost-1', tsMs, values }), letters: [{ code: C.unknownMachine, field: 'machineId' }] };
    } else if (r < 0.7) {
      const other = plant.machines.find((m) => m.id !== id)!.id;
      c = { kind: 'topic mismatch', topic: topicOf(other), payload: JSON.stringify({ machineId: id, tsMs, values }), letters: [{ code: C.topicMismatch, field: 'machineId' }] };
    } else if (r < 0.702) {
      c = { kind: '1 MB', topic, payload: JSON.stringify({ machineId: id, tsMs, values, pad: 'x'.repeat(1024 * 1024) }), letters: [{ code: C.payloadSize, field: 'payload' }] };
    } else if (r < 0.76) {
      c = { kind: 'far future', topic, payload: JSON.stringify({ machineId: id, tsMs: nowMs + 365 * 86_400_000, values }), letters: [{ code: C.tsFuture, field: 'tsMs' }] };
    } else if (r < 0.82) {
      c = { kind: 'far past', topic, payload: JSON.stringify({ machineId: id, ts: '1999-12-31T23:59:59Z', values }), letters: [{ code: C.tsPast, field: 'tsMs' }] };
    } else if (r < 0.9) {
      const original = pick(valids);
      c = { kind: 'duplicate', topic: original.topic, payload: original.payload, letters: [{ code: C.duplicate, field: 'tsMs' }] };
    } else {
      c = { kind: 'unknown sensor', topic, payload: JSON.stringify({ machineId: id, tsMs, values: { ...values, flux_capacitor: 1.21 } }), stored: { machineId: id, tsMs, values }, letters: [{ code: C.unknownSensor, field: 'values.flux_capacitor' }] };
    }
    cases.push(c);
  }
  return cases;
}

describe('ingestion of bad input over MQTT (embedded broker, SQLite)', () => {
  let dir: string;
  let store: Store;
  let broker: EmbeddedBroker;
  let ingestion: RunningIngestion;
  let client: MqttClient;
  const plant = buildPlant({ machineCount: 20, plantId: 'bad-input' });
  const logger = createLogger({ level: 'silent', pretty: false });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-bad-input-'));
    store = await openSqliteStore({ file: join(dir, 'pw.db') });
    await store.savePlant(plant);
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger });
    const config: Config = { ...DEFAULT_CONFIG, store: { ...DEFAULT_CONFIG.store, batchSize: 500, flushIntervalMs: 20 } };
    ingestion = await startIngestion({ config, store, plant, logger, broker });
    client = await connectClient(broker.url);
  });

  afterAll(async () => {
    await client?.endAsync();
    await ingestion?.stop();
    await broker?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every valid reading and dead-letters every invalid one with its reason', async () => {
    const cases = buildCases(plant, Date.now());
    const kinds = new Set(cases.map((c) => c.kind.split(' ')[0]));
    expect(kinds.size).toBeGreaterThanOrEqual(10);

    const acked = await publishAll(client, cases, 200);
    expect(acked.length).toBe(TOTAL);
    // Every message was PUBACKed, and a PUBACK comes only after the commit: no waiting needed.

    const expectedRows = cases.filter((c) => c.stored);
    const expectedLetters = cases.flatMap((c) => c.letters);
    const stats = await store.stats();
    expect(stats.telemetryRows).toBe(expectedRows.length);
    expect(stats.deadLetterRows).toBe(expectedLetters.length);

    // Every expected reading is stored with exactly the expected values (refused fields nulled).
    for (const m of plant.machines) {
      const rows = await store.queryTelemetry({ machineId: m.id, fromMs: 0, toMs: Number.MAX_SAFE_INTEGER });
      const expected = expectedRows.filter((c) => c.stored!.machineId === m.id).map((c) => c.stored!);
      expect(rows.map((r) => ({ machineId: r.machineId, tsMs: r.tsMs, values: r.values })).sort((a, b) => a.tsMs - b.tsMs)).toEqual(expected.sort((a, b) => a.tsMs - b.tsMs));
    }

    // Dead letters: the same count per code, and every reason names its field.
    const letters = await store.queryDeadLetters({ limit: 100_000 });
    expect(letters.length).toBe(expectedLetters.length);
    const byCode = (xs: Array<{ code: string }>): Record<string, number> => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x.code]: (acc[x.code] ?? 0) + 1 }), {});
    expect(byCode(letters)).toEqual(byCode(expectedLetters));
    for (const l of letters) {
      expect(l.source).toBe('mqtt');
      expect(l.reason).toMatch(/^(payload|machineId|tsMs|seq|values(\.[a-z_]+)?): /);
      expect(l.payload.length).toBeLessThanOrEqual(2100);
    }
    const fieldsByCode = new Map<string, Set<string>>();
    for (const l of expectedLetters) fieldsByCode.set(l.code, (fieldsByCode.get(l.code) ?? new Set()).add(l.field));
    for (const l of letters) expect([...fieldsByCode.get(l.code)!].some((f) => l.reason.startsWith(`${f}: `))).toBe(true);
    expect(letters.find((l) => l.code === C.range)!.reason).toMatch(/^values\.(temperature: 250 is above the HTS221 maximum 120 C|current: -3 is below the ACS712 minimum 0 A)$/);
    expect(letters.find((l) => l.code === C.payloadSize)!.reason).toMatch(/^payload: \d+ bytes is larger than the limit of 65536 bytes$/);

    // Counters agree with the store.
    const counters = ingestion.counters();
    expect(counters.received).toBe(TOTAL);
    expect(counters.accepted).toBe(expectedRows.length);
    expect(counters.rejected + counters.accepted).toBe(TOTAL);
    expect(Object.values(counters.rejectedByCode).reduce((a, b) => a + b, 0)).toBe(expectedLetters.length);

    // The process is still up and ingesting.
    const id = plant.machines[0]!.id;
    const tsMs = Date.now();
    await client.publishAsync(machineTopic({ plantId: plant.id, areaId: plant.machines[0]!.areaId, machineId: id, channel: 'telemetry' }), JSON.stringify({ machineId: id, tsMs, values: { temperature: 21 } }), { qos: 1 });
    expect(await store.queryTelemetry({ machineId: id, fromMs: tsMs, toMs: tsMs + 1 })).toEqual([{ machineId: id, tsMs, values: { temperature: 21 } }]);
  });
});
