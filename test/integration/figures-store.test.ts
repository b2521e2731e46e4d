/** Plant figures (SPEC 9) from a stored simulated history: a period against its baseline. */
import { describe, expect, it } from 'vitest';
import { buildPlant, isDataFault } from '../../src/domain/index.js';
import { plantFigures } from '../../src/figures/index.js';
import { generateHistory } from '../../src/simulate/index.js';
import { openSqliteStore } from '../../src/store/index.js';

describe('plant figures from stored data', () => {
  it('computes environmental, production and system figures for a period and a baseline', async () => {
    const store = await openSqliteStore({ file: ':memory:' });
    const plant = buildPlant({ machineCount: 6 });
    await store.savePlant(plant);
    const t0 = Date.UTC(2026, 0, 5);
    await generateHistory({ plant, startMs: t0, days: 2, seed: 3, tickMs: 60_000, faultsPerDay: 1 }, store);
    await store.rollUp(t0 + 2 * 86_400_000);
    const day = 86_400_000;
    const detectedAtMs = t0 + day + 3_600_000;
    await store.respondRepositories().alerts.saveAlert({ id: 'a1', machineId: plant.machines[0]!.id, areaId: plant.machines[0]!.areaId, machineType: plant.machines[0]!.type, type: 'overheating', state: 'closed', urgency: 'high', peakUrgency: 'high', dataQuality: false, score: 5, peakScore: 6, threshold: 4, count: 1, raisedAtMs: detectedAtMs + 40, lastSeenAtMs: detectedAtMs + 40, detectedAtMs, ingestedAtMs: detectedAtMs + 15, scoredAtMs: detectedAtMs + 30, acknowledgedAtMs: null, acknowledgedBy: null, ackComment: null, clearedAtMs: null, closedAtMs: null, shelvedUntilMs: null, shelvedBy: null, suppressedReason: null, conditionActive: false, groupedAlertIds: [], floodAlertId: null, escalationLevel: 0, lastEscalatedAtMs: null, sensors: ['temperature'], context: { sensors: [], peakSensors: [], recent: [] }, recommendation: '' });
    await store.respondRepositories().actions.saveAction({ id: 'x1', alertId: 'a1', machineId: plant.machines[0]!.id, ruleId: 'overheating-cooling', kind: 'automatic', command: 'cooling', commandArgs: { on: true }, commandId: 'c1', team: null, channels: [], status: 'acked', detail: null, attempts: 1, dryRun: false, decidedBy: null, alertRaisedAtMs: detectedAtMs + 40, decidedAtMs: detectedAtMs + 41, sentAtMs: detectedAtMs + 42, ackAtMs: detectedAtMs + 90, finishedAtMs: detectedAtMs + 90, effect: null });
    const f = await plantFigures({ store, period: { fromMs: t0 + day, toMs: t0 + 2 * day }, baseline: { fromMs: t0, toMs: t0 + day }, co2KgPerKwh: 0.5 });
    const labels = (await store.queryFaultLabels({ fromMs: t0 + day, toMs: t0 + 2 * day })).filter((l) => !isDataFault(l.type));
    expect(f.period.environmental.energyKwh).toBeGreaterThan(1);
    expect(f.period.environmental.co2FromEnergyKg).toBeCloseTo(f.period.environmental.energyKwh * 0.5, 6);
    expect(f.period.environmental.waterM3).toBeNull();
    expect(f.period.production.failures).toBe(labels.length);
    expect(f.period.production.incidents).toBe(1);
    expect(f.baseline.production.incidents).toBe(0);
    expect(f.period.production.meanFailureResponseMs).toBe(90);
    expect(f.period.system.collectionMsP50).toBe(15);
    expect(f.period.system.responseMsP50).toBe(2);
    expect(f.period.system.readings).toBeGreaterThan(6 * 1300);
    expect(f.change['environmental.energyKwh']).not.toBeNull();
    await store.close();
  }, 30_000);
});
