/**
 * `plantwatch start` as a user runs it: a real process with the embedded broker, the simulated
 * plant, ingestion and SQLite; it says where everything is and shuts down cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/index.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pw-start-'));
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function waitFor(pattern: RegExp, output: () => string, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const m = output().match(pattern);
      if (m) {
        clearInterval(poll);
        resolve(m);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output()}`));
      }
    }, 50);
  });
}

describe('plantwatch start', () => {
  it('runs the whole data path and stops cleanly on SIGTERM', async () => {
    let stderr = '';
    let stdout = '';
    child = spawn(process.execPath, ['bin/plantwatch.js', 'start', '--port', '0', '--mqtt-port', '0', '--machines', '10', '--tick-ms', '200'], {
      env: { ...process.env, PLANTWATCH_DATA_DIR: dataDir, PLANTWATCH_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const [, mqttUrl] = await waitFor(/MQTT:\s+(mqtt:\/\/\S+)/, () => stderr, 60_000);
    const [, httpUrl] = await waitFor(/HTTP:\s+(http:\/\/\S+)/, () => stderr, 5_000);
    expect(stderr).toContain(join(dataDir, 'plantwatch.db'));
    expect(stderr).toMatch(/simulator: 10 machines/);

    // An outside publisher on the embedded broker is ingested alongside the simulator.
    const client = await connectAsync(mqttUrl!);
    const tsMs = Date.now();
    await client.publishAsync(
      'plantwatch/plant-1/assembly-1/asm-001/telemetry',
      JSON.stringify({ machineId: 'asm-001', tsMs: tsMs - 1, values: { temperature: 42.5 } }),
      { qos: 1 },
    );
    await client.endAsync();

    // Wait until the simulator's readings have been committed, then check the health figures.
    let health: { ingest?: { accepted?: number } } = {};
    for (let i = 0; i < 100 && !(health.ingest?.accepted && health.ingest.accepted >= 20); i++) {
      await new Promise((r) => setTimeout(r, 100));
      health = (await (await fetch(`${httpUrl}/healthz`)).json()) as typeof health;
    }
    expect(health.ingest?.accepted).toBeGreaterThanOrEqual(20);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).not.toMatch(/"level":(50|60)/);

    // The database reopens cleanly and holds the outside reading and the simulator's.
    const store = await openSqliteStore({ file: join(dataDir, 'plantwatch.db') });
    try {
      const rows = await store.queryTelemetry({ machineId: 'asm-001', fromMs: tsMs - 1, toMs: tsMs });
      expect(rows).toEqual([expect.objectContaining({ machineId: 'asm-001', tsMs: tsMs - 1, values: expect.objectContaining({ temperature: 42.5 }) })]);
      expect((await store.stats()).telemetryRows).toBeGreaterThanOrEqual(20);
    } finally {
      await store.close();
    }
  });
});

describe('plantwatch start with auth.mqtt', () => {
  it('lets its own simulator in and refuses an anonymous MQTT client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-start-auth-'));
    let stderr = '';
    const proc = spawn(process.execPath, ['bin/plantwatch.js', 'start', '--port', '0', '--mqtt-port', '0', '--machines', '5', '--tick-ms', '200'], {
      env: { ...process.env, PLANTWATCH_DATA_DIR: dir, PLANTWATCH_LOG_LEVEL: 'warn', PLANTWATCH_AUTH_MQTT: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    try {
      const [, mqttUrl] = await waitFor(/MQTT:\s+(mqtt:\/\/\S+)/, () => stderr, 60_000);
      const [, httpUrl] = await waitFor(/HTTP:\s+(http:\/\/\S+)/, () => stderr, 5_000);
      await expect(connectAsync(mqttUrl!, { reconnectPeriod: 0, connectTimeout: 5_000 })).rejects.toThrow(/Bad username or password|Not authorized|connack/i);
      await expect(connectAsync(mqttUrl!, { reconnectPeriod: 0, connectTimeout: 5_000, username: 'plantwatch-internal', password: 'guess' })).rejects.toThrow();
      let health: { ingest?: { accepted?: number } } = {};
      for (let i = 0; i < 100 && !(health.ingest?.accepted && health.ingest.accepted >= 10); i++) {
        await new Promise((r) => setTimeout(r, 100));
        health = (await (await fetch(`${httpUrl}/healthz`)).json()) as typeof health;
      }
      expect(health.ingest?.accepted).toBeGreaterThanOrEqual(10);
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
