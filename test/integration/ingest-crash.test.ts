/**
 * Must-show "crash safety": a child process runs the embedded broker, ingestion and SQLite; we
 * publish at QoS 1 under load, record every PUBACKed reading, SIGKILL the child mid-stream and
 * restart it on the same file. The database opens cleanly and every acknowledged reading is stored.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { buildPlant, machineTopic } from '../../src/domain/index.js';
import { openSqliteStore } from '../../src/store/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const PLANT_ID = 'crash-test';
const MACHINES = 50;
const PUBLISHERS = 4;
/** Unacknowledged messages each publisher keeps in flight. */
const WINDOW = 100;
const KILL_AFTER_ACKS = 4000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Child {
  proc: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function startChild(file: string, port: number): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'ingest-crash-child.ts'), file, String(port), PLANT_ID, String(MACHINES)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('READY')) resolve();
    });
    proc.once('exit', () => reject(new Error(`child exited before READY; stderr:\n${stderr}`)));
  });
  ready.catch(() => undefined);
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { proc, ready, exited };
}

describe('crash safety: SIGKILL during ingestion', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-crash-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every reading PUBACKed before the kill', async () => {
    const file = join(dir, 'pw.db');
    const port = await freePort();
    const plant = buildPlant({ plantId: PLANT_ID, machineCount: MACHINES });
    const first = startChild(file, port);
    children.push(first.proc);
    await first.ready;

    const acked: Array<{ machineId: string; tsMs: number }> = [];
    let sent = 0;
    let killed = false;
    const baseTs = Date.now() - 60_000;
    let counter = 0;
    const clients = await Promise.all(Array.from({ length: PUBLISHERS }, () => mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 })));
    let killAt: () => void = () => undefined;
    const killSignal = new Promise<void>((r) => (killAt = r));

    // Each publisher keeps WINDOW messages in flight and records each one when its PUBACK arrives.
    for (const client of clients) {
      client.on('error', () => undefined);
      const publishOne = (): void => {
        if (killed) return;
        const n = counter++;
        const m = plant.machines[n % MACHINES]!;
        const tsMs = baseTs + Math.floor(n / MACHINES);
        const payload = JSON.stringify({ machineId: m.id, tsMs, seq: n, values: { temperature: 40 + (n % 50), current: (n % 300) / 10 } });
        sent++;
        client.publish(machineTopic({ plantId: PLANT_ID, areaId: m.areaId, machineId: m.id, channel: 'telemetry' }), payload, { qos: 1 }, (err) => {
          if (err || killed) return;
          acked.push({ machineId: m.id, tsMs });
          if (acked.length >= KILL_AFTER_ACKS) killAt();
          publishOne();
        });
      };
      for (let i = 0; i < WINDOW; i++) publishOne();
    }

    await killSignal;
    // Record the acknowledged set at the instant of the kill: nothing acknowledged later counts.
    first.proc.kill('SIGKILL');
    killed = true;
    const ackedAtKill = acked.slice();
    const inFlightAtKill = sent - ackedAtKill.length;
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    for (const c of clients) c.end(true);
    // Killed mid-stream: messages were still in flight.
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(ackedAtKill.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

    // Restart on the same file: it must open cleanly (migrations, WAL recovery) and ingest again.
    const second = startChild(file, port);
    children.push(second.proc);
    await second.ready;
    const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    const m0 = plant.machines[0]!;
    const probeTs = Date.now();
    await probe.publishAsync(machineTopic({ plantId: PLANT_ID, areaId: m0.areaId, machineId: m0.id, channel: 'telemetry' }), JSON.stringify({ machineId: m0.id, tsMs: probeTs, values: { temperature: 20 } }), { qos: 1 });
    await probe.endAsync();
    second.proc.kill('SIGTERM');
    const secondExit = await second.exited;
    expect(secondExit.code, secondExit.stderr).toBe(0);

    const store = await openSqliteStore({ file });
    try {
      const missing: Array<{ machineId: string; tsMs: number }> = [];
      for (const m of plant.machines) {
        const rows = await store.queryTelemetry({ machineId: m.id, fromMs: baseTs, toMs: probeTs + 1 });
        const stored = new Set(rows.map((r) => r.tsMs));
        for (const a of ackedAtKill) if (a.machineId === m.id && !stored.has(a.tsMs)) missing.push(a);
      }
      expect(missing).toEqual([]);
      const stats = await store.stats();
      // Everything acknowledged is there; some unacknowledged readings may be too (committed, PUBACK not yet sent).
      expect(stats.telemetryRows).toBeGreaterThanOrEqual(ackedAtKill.length + 1);
      expect(stats.telemetryRows).toBeLessThanOrEqual(sent + 1);
      expect(await store.queryTelemetry({ machineId: m0.id, fromMs: probeTs, toMs: probeTs + 1 })).toHaveLength(1);
      process.stdout.write(`crash test: ${ackedAtKill.length} acknowledged before SIGKILL, ${inFlightAtKill} in flight, ${stats.telemetryRows - 1} stored from the first run\n`);
    } finally {
      await store.close();
    }
  });
});
