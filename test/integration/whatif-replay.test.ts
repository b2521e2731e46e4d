/**
 * What-if (paper 3.6): the same simulated days with and without automatic actions. The faults are
 * the same in both runs; with actions the commands reach the machine models, without them nothing
 * is applied (the responder decides in dry-run). `plantwatch whatif --days 30` runs the month.
 */
import { describe, expect, it } from 'vitest';
import { whatifFigures, whatifMarkdown, whatifSvg } from '../../src/cli/commands/whatif.js';
import { buildPlant } from '../../src/domain/index.js';
import { createLogger } from '../../src/logging/index.js';
import { replayLoop } from '../../src/replay/index.js';
import { trainReplayModels } from '../../src/training/index.js';

describe('what-if replay', () => {
  it('runs the same faults with and without actions; only the run with actions applies commands', async () => {
    const plant = buildPlant({ machineCount: 9 });
    const models = await trainReplayModels(plant, { tickMs: 60_000, hours: 24 });
    const common = { plant, startMs: Date.UTC(2026, 1, 2), days: 1, seed: 4, tickMs: 60_000, faultsPerDay: 2, models, logger: createLogger({ level: 'silent', pretty: false }) };
    const on = await replayLoop({ ...common, actions: true });
    const off = await replayLoop({ ...common, actions: false });
    expect(on.labels.map((l) => l.id)).toEqual(off.labels.map((l) => l.id));
    expect(on.labels.length).toBeGreaterThan(5);
    const applied = (r: typeof on) => r.actions.filter((a) => a.command !== null && a.status === 'acked').length;
    expect(applied(on)).toBeGreaterThan(0);
    expect(applied(off)).toBe(0);
    expect(off.actions.some((a) => a.status === 'dry_run')).toBe(true);
    expect(on.energyKwh).toBeGreaterThan(0);
    const meta = { days: 1, machines: 9, seed: 4, faultsPerDay: 2, repairHours: 2 };
    const md = whatifMarkdown(meta, whatifFigures(on), whatifFigures(off));
    expect(md).toMatch(/\| Energy \(kWh\) \| [\d.]+ \| [\d.]+ \|/);
    expect(md).toMatch(/\| Machines repaired and resumed \| \d+ \| \d+ \|/);
    expect(whatifSvg(meta, whatifFigures(on), whatifFigures(off))).toMatch(/^<svg[^>]*>[\s\S]*Downtime \(h\)[\s\S]*<\/svg>\n$/);
    // Every machine that went down is repaired and resumed unless its repair runs past the end.
    for (const r of [on, off]) {
      expect(r.repairs).toBeLessThanOrEqual(r.stops + r.trips);
      expect(r.downtimeHours).toBeLessThanOrEqual((r.stops + r.trips) * 24);
    }
    expect(off.stops).toBe(0);
  }, 60_000);

  it('a machine that went down resumes after the repair time: a longer repair means more downtime, the same faults', async () => {
    const plant = buildPlant({ machineCount: 9 });
    const models = await trainReplayModels(plant, { tickMs: 60_000, hours: 24 });
    const common = { plant, startMs: Date.UTC(2026, 1, 2), days: 2, seed: 4, tickMs: 60_000, faultsPerDay: 2, models, actions: false, logger: createLogger({ level: 'silent', pretty: false }) };
    const quick = await replayLoop({ ...common, repairMs: 0 });
    const slow = await replayLoop({ ...common, repairMs: 48 * 3_600_000 });
    expect(quick.trips).toBeGreaterThan(0);
    expect(quick.labels.map((l) => l.id)).toEqual(slow.labels.map((l) => l.id));
    // Repair 0: back as soon as the fault is over; 48 h: still down at the end of the run.
    expect(quick.repairs).toBe(quick.trips);
    expect(slow.repairs).toBe(0);
    expect(slow.downtimeHours).toBeGreaterThan(quick.downtimeHours);
    await expect(replayLoop({ ...common, days: 0.01, repairMs: -1 })).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_OPTION', message: 'repairMs must be a finite number >= 0, got -1' });
  }, 60_000);
});
