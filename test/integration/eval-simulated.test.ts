/** `--dataset simulated`: fit on a fault-free week, thresholds from the next, test on later days with faults. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';
import { detectorSpec, evaluateSimulated, simulatedMarkdown, type SimulatedOptions } from '../../src/eval/index.js';

// Small and quick: 3 machines, 2 + 2 training days, 2 test days, one reading every 2 minutes.
const SMALL: SimulatedOptions = { machineCount: 3, fitDays: 2, validationDays: 2, testDays: 2, tickMs: 120_000, testFaultsPerDay: 2, trainSeed: 5, testSeed: 6 };

describe('simulated-plant protocol', () => {
  it('trains on fault-free history and finds injected process faults in held-out days', async () => {
    const r = await evaluateSimulated(detectorSpec('pca'), SMALL);
    expect(r.machines.length).toBe(3);
    expect(r.events.events).toBeGreaterThan(0);
    expect(r.events.detected).toBeGreaterThan(0);
    expect(r.point.tp + r.point.fp + r.point.tn + r.point.fn).toBeGreaterThan(3000);
    // Per-sensor thresholds from the validation days, floored at 3 normal-error units.
    for (const m of r.machines) {
      expect(m.thresholds).toHaveLength(m.sensors.length);
      expect(m.thresholds.every((t) => Number.isFinite(t) && t >= 3)).toBe(true);
    }
    // The slow rate's thresholds, floored at 1.5.
    for (const m of r.machines) expect(m.slowThresholds!.every((t) => Number.isFinite(t) && t >= 1.5)).toBe(true);
    expect(simulatedMarkdown([r])).toContain('| pca-t2q | per-sensor + slow 0.03, alert (clear 10 min) |');
    // Every alert is listed with how long it stayed open; together they cover the alarm rows.
    const alerts = r.machines.flatMap((m) => m.alerts);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.reduce((t, a) => t + a.durationMs, 0)).toBeGreaterThanOrEqual((r.point.tp + r.point.fp) * SMALL.tickMs!);
    expect(simulatedMarkdown([r])).toContain('### How long alerts stay open');
  });

  it('sets thresholds from training days only: another test seed leaves them unchanged', async () => {
    const a = await evaluateSimulated(detectorSpec('pca'), SMALL);
    const b = await evaluateSimulated(detectorSpec('pca'), { ...SMALL, testSeed: 9 });
    expect(b.machines.map((m) => m.thresholds)).toEqual(a.machines.map((m) => m.thresholds));
    expect(b.machines.map((m) => m.slowThresholds)).toEqual(a.machines.map((m) => m.slowThresholds));
    expect(b.falseAlarmList.length + b.events.events).toBeGreaterThan(0);
  });

  it('counts faults that only show as missing data as data-quality events, never as process alarms', async () => {
    const r = await evaluateSimulated(detectorSpec('pca'), { ...SMALL, testFaultTypes: ['sensor_disconnected', 'connection_failure'], testFaultsPerDay: 3 });
    expect(r.events.events).toBe(0);
    expect(r.byType).toEqual({});
    expect(r.dataQuality.events).toBeGreaterThan(3);
    expect(r.dataQuality.recall).toBe(1);
    // Missing readings are not scored, so they cannot raise process alerts.
    expect(r.machines.some((m) => m.unscoredRows > 0)).toBe(true);
  });

  it('plantwatch evaluate --dataset simulated --resources writes process, data-quality and Table 6 figures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-eval-sim-'));
    const chunks: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((c) => (chunks.push(String(c)), true));
    try {
      await buildProgram().parseAsync(['node', 'plantwatch', 'evaluate', '--dataset', 'simulated', '--models', 'pca', '--machines', '3', '--seed', '5', '--resources', '--out', dir, '--no-progress', '--json']);
      const printed = JSON.parse(chunks.join('')) as { models: { name: string; rule: { thresholds: string } }[]; resources: { model: string; trainMs: number }[] };
      expect(printed.models[0]!.name).toBe('pca-t2q');
      expect(printed.models[0]!.rule.thresholds).toBe('aggregate');
      expect(printed.resources.map((r) => r.model)).toEqual(['pca']);
      const md = await readFile(join(dir, 'report.md'), 'utf8');
      expect(md).toContain('## Data-quality faults');
      expect(md).toContain('## Resources (paper Table 6)');
      expect(md).toContain('clear after respond.clearDelayMs');
      expect(await readFile(join(dir, 'recall-by-delay.svg'), 'utf8')).toMatch(/^<svg[\s\S]*target 0\.90[\s\S]*<\/svg>\s*$/);
      expect(await readFile(join(dir, 'false-alarms-by-hour.svg'), 'utf8')).toContain('pca-t2q');
      const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { testSeed: number; machineCount: number; resources: unknown[] };
      expect([json.testSeed, json.machineCount, json.resources.length]).toEqual([6, 3, 1]);
    } finally {
      write.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
