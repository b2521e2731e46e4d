/**
 * Must-show of issue 5 item 7 (scale-out): two detector workers (`plantwatch worker --partition 1/2`
 * and `2/2`, as child processes) against one Mosquitto and one PostgreSQL split the machines
 * between them, and lose nothing when one is SIGKILLed mid-stream and restarted: every published
 * reading is stored exactly once, and each worker ingested only its own partition's machines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker as startWorkerInProcess, workerOverrides } from '../../src/cli/commands/worker.js';
import { loadConfig } from '../../src/config/index.js';
import { buildPlant, machineTopic, partitionOf } from '../../src/domain/index.js';
import { VALIDATION_CODES } from '../../src/ingest/index.js';
import { createResponder } from '../../src/respond/index.js';
import { anomaly, silentLogger } from '../../src/respond/test-fixtures.js';
import { openPostgresStore } from '../../src/store/index.js';
import { connectClient, serviceUrl } from '../support/mqtt.js';
import { findTestPostgres, randomSchema, type TestPostgres } from '../support/postgres.js';

const here = dirname(fileURLToPath(import.meta.url));
const mqttUrl = serviceUrl('PLANTWATCH_TEST_MQTT_URL', 'scale-out worker (Mosquitto)');
const server: TestPostgres | undefined = mqttUrl ? await findTestPostgres() : undefined;

const MACHINES = 20;
/** One reading per machine per round. */
const ROUNDS = 40;
const ROUND_INTERVAL_MS = 150;
/** Worker 1/2 is SIGKILLed after this many rounds and restarted at once; publishing goes on. */
const KILL_AFTER_ROUNDS = 12;

interface Worker {
  partition: string;
  proc: ChildProcess;
  /** Owned machine ids, from the READY line. */
  ready: Promise<string[]>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** `machineId tsMs` of every reading this worker committed and reported. */
  readings(): string[];
  stdout(): string;
  stderr(): string;
}

function startWorker(partition: string, env: NodeJS.ProcessEnv): Worker {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'worker-child.ts'), partition], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  const ready = new Promise<string[]>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /^READY \S+ (\S+)$/m.exec(stdout);
      if (m) resolve(m[1]!.split(','));
    });
    proc.once('exit', () => reject(new Error(`worker ${partition} exited before READY; stderr:\n${stderr}`)));
  });
  ready.catch(() => undefined);
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    partition,
    proc,
    ready,
    exited,
    readings: () => [...stdout.matchAll(/^T (\S+ \d+)$/gm)].map((m) => m[1]!),
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!mqttUrl || !server)('scale-out: two workers against one Mosquitto and one PostgreSQL', () => {
  const plantId = `wk-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const schemas: string[] = [];
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pw-worker-'));
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: server!.url });
    await admin.connect();
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // Drop the persistent sessions the workers left on the shared broker.
    if (mqttUrl) {
      for (const clientId of [`plantwatch-ingest-${plantId}-p1of2`, `plantwatch-ingest-${plantId}-p2of2`, `plantwatch-ingest-${plantId}-alerts-p1of2`]) {
        const c = await connectClient(mqttUrl, { clientId, clean: true });
        await c.endAsync();
      }
    }
    if (admin) {
      for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await admin.end();
    }
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh schema, and a URL whose connections use it (libpq `options`, read by node-postgres). */
  async function freshSchema(): Promise<{ schema: string; url: string }> {
    const schema = randomSchema('pw_worker');
    schemas.push(schema);
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = new URL(server!.url);
    url.searchParams.set('options', `-c search_path=${schema}`);
    return { schema, url: url.href };
  }

  it('saves the whole plant from several processes at once without a conflict', async () => {
    const { url } = await freshSchema();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url, poolSize: 2 })));
    try {
      const plant = buildPlant({ plantId, machineCount: 200 });
      for (let i = 0; i < 5; i++) {
        const results = await Promise.allSettled(stores.map((s) => s.savePlant(plant)));
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      }
      expect((await stores[0]!.loadPlant(plantId))?.machines.map((m) => m.id)).toEqual(plant.machines.map((m) => m.id));
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it("reloads only its own partition's open alerts, so it never clears or escalates another worker's", async () => {
    const { url } = await freshSchema();
    const alertsPlant = buildPlant({ plantId: `${plantId}-alerts`, machineCount: MACHINES });
    const mine = alertsPlant.machines.find((m) => partitionOf(m.id, 2) === 1)!;
    const theirs = alertsPlant.machines.find((m) => partitionOf(m.id, 2) === 2)!;
    const store = await openPostgresStore({ url, poolSize: 2 });
    try {
      await store.savePlant(alertsPlant);
      const responder = createResponder({ logger: silentLogger(), repositories: store.respondRepositories(), plant: alertsPlant, options: { dryRun: true } });
      await responder.start();
      for (const m of [mine, theirs]) await responder.onAnomaly(anomaly({ machineId: m.id, areaId: m.areaId, machineType: m.type, tsMs: Date.now() }));
      await responder.close();
      expect((await store.respondRepositories().alerts.listOpenAlerts()).map((a) => a.machineId).sort()).toEqual([mine.id, theirs.id].sort());
    } finally {
      await store.close();
    }
    const env = {
      PLANTWATCH_MQTT_MODE: 'external',
      PLANTWATCH_MQTT_URL: mqttUrl!,
      PLANTWATCH_STORE_KIND: 'postgres',
      PLANTWATCH_STORE_POSTGRES_URL: url,
      PLANTWATCH_PLANT_ID: alertsPlant.id,
      PLANTWATCH_PLANT_MACHINE_COUNT: String(MACHINES),
      PLANTWATCH_DATA_DIR: dir,
      PLANTWATCH_DETECT_TRAIN_ON_START: 'false',
    };
    const app = await startWorkerInProcess(loadConfig({ env, overrides: workerOverrides({ partition: '1/2' }) }), silentLogger());
    try {
      expect(app.responder.listOpenAlerts().map((a) => a.machineId)).toEqual([mine.id]);
    } finally {
      await app.stop();
    }
  });

  it('splits the machines between the workers and loses nothing when one is SIGKILLed and restarted', { timeout: 60_000 }, async () => {
    const { url: pgUrl, schema } = await freshSchema();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PLANTWATCH_MQTT_MODE: 'external',
      PLANTWATCH_MQTT_URL: mqttUrl!,
      PLANTWATCH_STORE_KIND: 'postgres',
      PLANTWATCH_STORE_POSTGRES_URL: pgUrl,
      PLANTWATCH_STORE_FLUSH_INTERVAL_MS: '20',
      PLANTWATCH_PLANT_ID: plantId,
      PLANTWATCH_PLANT_MACHINE_COUNT: String(MACHINES),
      PLANTWATCH_DATA_DIR: dir,
      PLANTWATCH_DETECT_TRAIN_ON_START: 'false',
      PLANTWATCH_LOG_LEVEL: 'warn',
    };
    const plant = buildPlant({ plantId, machineCount: MACHINES });
    const ownerOf = (machineId: string): string => `${partitionOf(machineId, 2)}/2`;

    // Both start at once (migrations and savePlant race on an empty schema).
    const first = [startWorker('1/2', env), startWorker('2/2', env)];
    children.push(...first.map((w) => w.proc));
    const owned = await Promise.all(first.map((w) => w.ready));
    expect(owned[0]!.length + owned[1]!.length).toBe(MACHINES);
    expect(owned[0]!.length).toBeGreaterThan(0);
    expect(owned[1]!.length).toBeGreaterThan(0);
    for (const [i, ids] of owned.entries()) for (const id of ids) expect(ownerOf(id)).toBe(`${i + 1}/2`);

    const publisher = await connectClient(mqttUrl!);
    const published: string[] = [];
    const baseTs = Date.now() - 60_000;
    let restarted: Worker | undefined;
    let killedExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const tsMs = baseTs + round * 1000;
      // QoS 1: the broker has every reading (PUBACK) before the next round; the workers' sessions keep it.
      await Promise.all(
        plant.machines.map(async (m) => {
          await publisher.publishAsync(
            machineTopic({ plantId, areaId: m.areaId, machineId: m.id, channel: 'telemetry' }),
            JSON.stringify({ machineId: m.id, tsMs, seq: round, values: { temperature: 30 + (round % 10), vibration: 1.5 } }),
            { qos: 1 },
          );
          published.push(`${m.id} ${tsMs}`);
        }),
      );
      if (round === KILL_AFTER_ROUNDS) {
        first[0]!.proc.kill('SIGKILL');
        killedExit = first[0]!.exited;
        restarted = startWorker('1/2', env);
        children.push(restarted.proc);
      }
      await new Promise((r) => setTimeout(r, ROUND_INTERVAL_MS));
    }
    await publisher.endAsync();
    expect((await killedExit!).signal).toBe('SIGKILL');
    await restarted!.ready;

    const store = await openPostgresStore({ url: server!.url, schema, poolSize: 2 });
    try {
      await waitFor('every published reading to be stored', async () => (await store.stats()).telemetryRows >= published.length, 25_000);
      // Nothing more arrives (no reading stored twice under another key, nothing late).
      await new Promise((r) => setTimeout(r, 300));
      const stored: string[] = [];
      for (const m of plant.machines) {
        for (const row of await store.queryTelemetry({ machineId: m.id, fromMs: baseTs, toMs: baseTs + ROUNDS * 1000 })) stored.push(`${m.id} ${row.tsMs}`);
      }
      // Exactly once: the stored set is the published set, with no extra row.
      expect(stored.length).toBe(published.length);
      expect(new Set(stored)).toEqual(new Set(published));
      expect((await store.stats()).telemetryRows).toBe(published.length);

      // The only refusals are redeliveries of readings committed just before the kill.
      const letters = await store.queryDeadLetters({ source: 'mqtt' });
      expect(letters.filter((l) => l.code !== VALIDATION_CODES.duplicate)).toEqual([]);

      for (const w of [first[1]!, restarted!]) w.proc.kill('SIGTERM');
      const exits = await Promise.all([first[1]!.exited, restarted!.exited]);
      expect(exits.map((e) => e.code), `${first[1]!.stderr()}\n${restarted!.stderr()}`).toEqual([0, 0]);

      // Each worker ingested only its own partition's machines.
      const byWorker = { '1/2': [...first[0]!.readings(), ...restarted!.readings()], '2/2': first[1]!.readings() };
      for (const [partition, readings] of Object.entries(byWorker)) {
        expect(readings.length).toBeGreaterThan(0);
        expect(readings.filter((r) => ownerOf(r.split(' ')[0]!) !== partition)).toEqual([]);
        expect(new Set(readings).size).toBe(readings.length);
      }
      // The worker that ran throughout stored every reading of its machines, once.
      expect(new Set(byWorker['2/2'])).toEqual(new Set(published.filter((p) => ownerOf(p.split(' ')[0]!) === '2/2')));
      // The killed worker's two runs stored its machines' readings between them, none twice; a reading
      // committed in the instant before the kill (its PUBACK not yet sent) came back to the restarted
      // worker and was refused as a duplicate.
      const firstRun = new Set(first[0]!.readings());
      expect(restarted!.readings().filter((r) => firstRun.has(r))).toEqual([]);
      const redelivered = letters.map((l) => {
        const p = JSON.parse(l.payload) as { machineId: string; tsMs: number };
        return `${p.machineId} ${p.tsMs}`;
      });
      expect(new Set([...byWorker['1/2'], ...redelivered])).toEqual(new Set(published.filter((p) => ownerOf(p.split(' ')[0]!) === '1/2')));
      expect(restarted!.readings().length).toBeGreaterThan(0);
      const stopped = JSON.parse(/^STOPPED (.*)$/m.exec(first[1]!.stdout())![1]!) as { received: number; accepted: number; rejectedByCode: Record<string, number> };
      expect(stopped.rejectedByCode[VALIDATION_CODES.notInPartition]).toBeUndefined();
      expect(stopped.accepted).toBe(byWorker['2/2'].length);
      process.stdout.write(
        `scale-out: ${published.length} readings published to ${MACHINES} machines; worker 1/2 (${owned[0]!.length} machines) stored ${first[0]!.readings().length} before SIGKILL and ${restarted!.readings().length} after restart; worker 2/2 (${owned[1]!.length} machines) stored ${byWorker['2/2'].length}; ${letters.length} redelivered duplicates refused\n`,
      );
    } finally {
      await store.close();
    }
  });
});
