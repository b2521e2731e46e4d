/**
 * Alarm rate in normal operation (issue 5, EEMUA 191): simulated days without faults through the
 * streaming detector and the default rules stay at or below one alert per 10 minutes per area on
 * average, with no chattering alert (the same machine and type sounding, raised or reactivated,
 * more than 3 times in 60 min).
 * The 7-day figure for the full plant: `npm run bench -- alarm-rate`.
 */
import { describe, expect, it } from 'vitest';
import { sensorsByType, telemetryToRows, trainDetector, loadScoringModel, type ScoringModel } from '../../src/detect/index.js';
import { buildPlant, MACHINE_TYPES, type MachineType } from '../../src/domain/index.js';
import { createLogger } from '../../src/logging/index.js';
import { alarmRate, replayLoop } from '../../src/replay/index.js';
import { simulatedNormalHistory } from '../../src/training/index.js';

const TICK = 60_000;

describe('alarm rate in normal operation', () => {
  it('one simulated day of 12 machines: <= 1 alert per 10 minutes per area, no chattering', async () => {
    const plant = buildPlant({ machineCount: 12 });
    const sensors = sensorsByType(plant.machines);
    const models: Partial<Record<MachineType, ScoringModel>> = {};
    for (const type of MACHINE_TYPES) {
      const ms = plant.machines.filter((m) => m.type === type).slice(0, 3);
      // Training history: another week, another seed; the first hour (cold start) left out.
      const h = await simulatedNormalHistory(plant, ms, Date.UTC(2026, 0, 5), 3 * 24, 21, TICK);
      const t = await trainDetector(ms.map((m) => telemetryToRows(h.get(m.id)!.slice(60), sensors.get(type)!)), { machineType: type, sensors: sensors.get(type)!, preset: 'tiny', windowSize: 10, seed: 1 });
      models[type] = loadScoringModel(`${type}-test`, '1', t.artifact);
    }
    const startMs = Date.UTC(2026, 0, 19, 12); // a Monday noon, a week after the training history
    const r = await replayLoop({ plant, startMs, days: 1, seed: 22, tickMs: TICK, faultsPerDay: 0, models, logger: createLogger({ level: 'silent', pretty: false }) });
    const rate = alarmRate(r.alerts, r.activations, plant, startMs, startMs + 86_400_000);
    console.log(`[alarm-rate] ${r.alerts.length} alerts in 1 day, ${rate.perTenMinutesPerArea.toFixed(3)} per 10 min per area (peak ${rate.peakPerTenMinutes}), by type ${JSON.stringify(rate.byType)}, ${rate.reactivations} reactivations, ${rate.chattering.length} chattering, ${Math.round(r.elapsedMs)} ms`);
    expect(r.readings).toBeGreaterThan(12 * 1000);
    expect(rate.perTenMinutesPerArea).toBeLessThanOrEqual(1);
    expect(rate.chattering).toEqual([]);
  }, 60_000);
});
