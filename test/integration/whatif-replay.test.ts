/**
 * What-if (paper 3.6): the same simulated days with and without automatic actions. The faults are
 * the same in both runs; with actions the commands reach the machine models, without them nothing
 * is applied (the responder decides in dry-run). `plantwatch whatif --days 30` runs the month.
 */
import { describe, expect, it } from 'vitest';
import { whatifMarkdown } from '../../src/cli/commands/whatif.js';
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
    const md = whatifMarkdown({ days: 1, machines: 9, seed: 4, faultsPerDay: 2 }, { downtimeHours: on.downtimeHours, energyKwh: on.energyKwh, co2Kg: on.co2Kg, meanGasPpm: on.meanGasPpm, failures: on.failures, faults: on.labels.length, alerts: on.alerts.length, commandsApplied: applied(on) }, { downtimeHours: off.downtimeHours, energyKwh: off.energyKwh, co2Kg: off.co2Kg, meanGasPpm: off.meanGasPpm, failures: off.failures, faults: off.labels.length, alerts: off.alerts.length, commandsApplied: 0 });
    expect(md).toMatch(/\| Energy \(kWh\) \| [\d.]+ \| [\d.]+ \|/);
  }, 60_000);
});
