/**
 * Fast mode into a real SQLite file: every reading and label the generator makes is stored and
 * reads back equal; the CLI does the same as a real process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPlant } from '../../src/domain/index.js';
import type { FaultLabel, Telemetry } from '../../src/domain/index.js';
import { generateHistory, generateHistoryParallel } from '../../src/simulate/index.js';
import { openSqliteStore } from '../../src/store/index.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'plantwatch-simulate-fast-'));
const START = Date.UTC(2026, 0, 5, 6);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fast mode into SQLite', () => {
  it('stores every reading and every label (worker generation, bulk load) and they read back equal', async () => {
    const plant = buildPlant({ machineCount: 95 });
    const file = join(dir, 'history.db');
    const options = { plant, startMs: START, days: 0.05, seed: 9, faultsPerDay: 40 };
    const store = await openSqliteStore({ file, bulkLoad: true });
    await store.migrate();
    await store.savePlant(plant);
    const summary = await generateHistoryParallel({ ...options, chunkRows: 3000 }, store);
    await store.close();
    expect(summary.machines).toBe(95);
    expect(summary.readings).toBeGreaterThan(0.9 * 95 * 864);
    expect(summary.labels).toBeGreaterThan(50);

    // The serial generator in memory is the reference.
    const rows: Telemetry[] = [];
    const labels: FaultLabel[] = [];
    const ref = await generateHistory(options, { writeTelemetry: (b) => void rows.push(...b), writeFaultLabels: (l) => void labels.push(...l) });
    expect(ref).toEqual(summary);

    const reopened = await openSqliteStore({ file });
    try {
      const stats = await reopened.stats();
      expect(stats.telemetryRows).toBe(summary.readings);
      expect(stats.labelRows).toBe(summary.labels);
      const stored = await reopened.queryFaultLabels({});
      const byId = (a: FaultLabel, b: FaultLabel): number => (a.id < b.id ? -1 : 1);
      expect([...stored].sort(byId)).toEqual([...labels].sort(byId));
      for (const machineId of ['asm-001', 'wld-017', 'pnt-015']) {
        const back = await reopened.queryTelemetry({ machineId, fromMs: START - 3_600_000, toMs: START + 86_400_000 });
        const expected = rows.filter((r) => r.machineId === machineId).sort((a, b) => a.tsMs - b.tsMs);
        expect(back).toEqual(expected);
      }
    } finally {
      await reopened.close();
    }
  });

  it('`plantwatch simulate` writes the file and prints a JSON summary', async () => {
    const file = join(dir, 'cli.db');
    const { stdout } = await run(
      process.execPath,
      ['bin/plantwatch.js', 'simulate', '--days', '0.02', '--machines', '12', '--seed', '3', '--start', '2026-01-05T08:00:00Z', '--faults-per-day', '30', '--fault', 'overheating:asm-001:2026-01-05T08:05:00Z:10m:0.9', '--out', file, '--json'],
      { cwd: join(import.meta.dirname, '../..'), env: { ...process.env, PLANTWATCH_LOG_LEVEL: 'silent' } },
    );
    const summary = JSON.parse(stdout) as { machines: number; readings: number; labels: number; labelsByType: Record<string, number>; seconds: number; readingsPerSecond: number };
    expect(summary.machines).toBe(12);
    expect(summary.labelsByType.overheating).toBeGreaterThanOrEqual(1);
    expect(summary.readingsPerSecond).toBeGreaterThan(0);
    const store = await openSqliteStore({ file });
    try {
      expect(await store.stats()).toMatchObject({ telemetryRows: summary.readings, labelRows: summary.labels });
      const overheat = await store.queryFaultLabels({ machineId: 'asm-001' });
      expect(overheat).toContainEqual(expect.objectContaining({ type: 'overheating', startMs: Date.parse('2026-01-05T08:05:00Z'), endMs: Date.parse('2026-01-05T08:15:00Z'), severity: 0.9 }));
    } finally {
      await store.close();
    }
    // A second run refuses to overwrite without --force, naming the file.
    await expect(run(process.execPath, ['bin/plantwatch.js', 'simulate', '--days', '0.01', '--machines', '2', '--out', file], { cwd: join(import.meta.dirname, '../..') })).rejects.toMatchObject({
      stderr: expect.stringContaining('PW_ERR_SIM_OUT_EXISTS'),
    });
  });
});
