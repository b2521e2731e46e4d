import { describe, expect, it } from 'vitest';
import { SENSOR_KINDS, SENSOR_SPECS, buildPlant, quantise } from '../domain/index.js';
import type { FaultLabel, Telemetry } from '../domain/index.js';
import { generateHistory, resolveHistoryOptions, runMachine, type HistoryOptions } from './history.js';

const MONDAY = Date.UTC(2026, 0, 5);
const plant = buildPlant({ machineCount: 95 });

async function collect(options: Partial<HistoryOptions>, keepRows = true): Promise<{ rows: Telemetry[]; labels: FaultLabel[] }> {
  const rows: Telemetry[] = [];
  const labels: FaultLabel[] = [];
  await generateHistory(
    { plant, startMs: MONDAY, days: 0.25, seed: 7, faultsPerDay: 4, ...options },
    {
      writeTelemetry: (b) => void (keepRows && rows.push(...b)),
      writeFaultLabels: (l) => void labels.push(...l),
    },
  );
  return { rows, labels };
}

describe('generateHistory', () => {
  it('is deterministic: the same seed gives the same readings and labels; another seed does not', async () => {
    const ids = ['asm-001', 'wld-001', 'pnt-001'];
    const a = await collect({ machineIds: ids });
    const b = await collect({ machineIds: ids });
    const c = await collect({ machineIds: ids, seed: 8 });
    expect(a.rows.length).toBeGreaterThan(10_000);
    expect(b.rows).toEqual(a.rows);
    expect(b.labels).toEqual(a.labels);
    expect(c.rows.map((r) => r.values)).not.toEqual(a.rows.map((r) => r.values));
  });

  it('simulates any machine alone with the same values as in a full plant run', async () => {
    const full = await collect({ days: 0.05 });
    for (const id of ['asm-017', 'wld-030', 'pnt-003']) {
      const alone = await collect({ days: 0.05, machineIds: [id] });
      expect(alone.rows).toEqual(full.rows.filter((r) => r.machineId === id));
      expect(alone.labels).toEqual(full.labels.filter((l) => l.machineId === id));
    }
  });

  it('is machine-major and in time order within a machine; a shorter run is a prefix of a longer one', async () => {
    const long = await collect({ machineIds: ['asm-002', 'pnt-001'], days: 0.5 });
    const short = await collect({ machineIds: ['asm-002', 'pnt-001'], days: 0.25 });
    const ids = long.rows.map((r) => r.machineId);
    expect(ids.indexOf('pnt-001')).toBe(ids.lastIndexOf('asm-002') + 1);
    for (const id of ['asm-002', 'pnt-001']) {
      const seqs = long.rows.filter((r) => r.machineId === id).map((r) => r.seq!);
      expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
      const cut = MONDAY + 0.25 * 86_400_000;
      expect(short.rows.filter((r) => r.machineId === id)).toEqual(long.rows.filter((r) => r.machineId === id && r.seq! <= 0.25 * 17_280));
      expect(short.labels.filter((l) => l.machineId === id)).toEqual(long.labels.filter((l) => l.machineId === id && l.startMs < cut));
    }
  });

  it('keeps every value inside the device range and on the device resolution', async () => {
    const { rows } = await collect({ days: 1, machineIds: ['asm-001', 'asm-002', 'wld-001', 'wld-002', 'pnt-001', 'pnt-002'], faultsPerDay: 6 });
    let checked = 0;
    for (const r of rows) {
      for (const kind of SENSOR_KINDS) {
        const v = r.values[kind];
        if (v === null) continue;
        if (typeof v !== 'number') throw new Error(`${kind} of ${r.machineId} at ${r.tsMs} is ${String(v)}`);
        const spec = SENSOR_SPECS[kind];
        if (v < spec.min || v > spec.max || quantise(kind, v) !== v) throw new Error(`${kind}=${v} of ${r.machineId} at ${r.tsMs} is off range or resolution`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100_000);
  });

  it('reflects shifts and coupled variables: running machines are warmer, faster, draw more current', async () => {
    // Monday 00:00-06:00 assembly is off; 10:00-16:00 it runs.
    const { rows } = await collect({ machineIds: ['asm-001'], days: 1, faultsPerDay: 0 });
    const mean = (from: number, to: number, k: (typeof SENSOR_KINDS)[number]): number => {
      const v = rows.filter((r) => r.tsMs >= MONDAY + from * 3_600_000 && r.tsMs < MONDAY + to * 3_600_000).map((r) => r.values[k]!);
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    expect(mean(10, 16, 'speed')).toBeGreaterThan(800);
    expect(mean(0, 5, 'speed')).toBeLessThan(5);
    expect(mean(10, 16, 'current')).toBeGreaterThan(mean(0, 5, 'current') + 4);
    expect(mean(10, 16, 'temperature')).toBeGreaterThan(mean(0, 5, 'temperature') + 8);
    expect(mean(10, 16, 'vibration')).toBeGreaterThan(5 * mean(0, 5, 'vibration'));
    expect(mean(10, 16, 'coolant_pressure')).toBeGreaterThan(2);
  });

  it('wears: vibration at full speed rises week by week until a maintenance resets it', async () => {
    const o = resolveHistoryOptions({ plant, startMs: MONDAY, days: 28, seed: 3, faultsPerDay: 0, machineIds: ['asm-001', 'asm-002', 'asm-003'] });
    const weekly = new Map<string, number[]>();
    for (const m of o.machines) {
      const sum = [0, 0, 0, 0];
      const n = [0, 0, 0, 0];
      runMachine(m, o, (ts, _seq, v) => {
        // Full speed only, so the shift pattern does not mix into the comparison.
        if (v[SENSOR_KINDS.indexOf('speed')]! > 1350) {
          const w = Math.floor((ts - MONDAY) / (7 * 86_400_000));
          sum[w]! += v[SENSOR_KINDS.indexOf('vibration')]!;
          n[w]!++;
        }
      });
      weekly.set(m.id, sum.map((x, i) => x / n[i]!));
    }
    const rising = (w: number[]): boolean => w.every((x, i) => i === 0 || x > w[i - 1]! * 1.01);
    // With seed 3, asm-002 and asm-003 run the four weeks without maintenance; asm-001 is serviced in week 4.
    expect(rising(weekly.get('asm-002')!)).toBe(true);
    expect(rising(weekly.get('asm-003')!)).toBe(true);
    const a1 = weekly.get('asm-001')!;
    expect(rising(a1.slice(0, 3))).toBe(true);
    expect(a1[3]!).toBeLessThan(0.8 * a1[2]!);
  });

  it('draws random faults of the chosen types only, at the configured rate', async () => {
    const { labels } = await collect({ days: 2, faultsPerDay: 3, faultTypes: ['overheating', 'gap'] }, false);
    expect(new Set(labels.map((l) => l.type))).toEqual(new Set(['overheating', 'gap']));
    // 95 machines x 2 days x 3 / day = 570 expected (less the quiet time after each fault).
    expect(labels.length).toBeGreaterThan(350);
    expect(labels.length).toBeLessThan(700);
    const none = await collect({ days: 1, faultsPerDay: 0, machineIds: ['asm-001'] });
    expect(none.labels).toEqual([]);
  });

  it('names what was wrong in bad options', async () => {
    await expect(collect({ days: 0 })).rejects.toMatchObject({ code: 'PW_ERR_SIM_DAYS' });
    await expect(collect({ machineIds: ['nope-1'] })).rejects.toMatchObject({ code: 'PW_ERR_SIM_MACHINE', message: expect.stringContaining('"nope-1"') });
    await expect(collect({ faultTypes: ['meltdown' as never] })).rejects.toMatchObject({ code: 'PW_ERR_SIM_FAULT_TYPE', message: expect.stringContaining('"meltdown"') });
    await expect(collect({ faultsPerDay: -1 })).rejects.toMatchObject({ code: 'PW_ERR_SIM_FAULT_RATE' });
  });
});
