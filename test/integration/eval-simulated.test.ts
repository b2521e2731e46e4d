/** `--dataset simulated`: train on fault-free simulated days, test on other days of another seed with faults. */
import { describe, expect, it } from 'vitest';
import { detectorSpec, evaluateSimulated } from '../../src/eval/index.js';

describe('simulated-plant protocol', () => {
  it('trains on fault-free history and finds most injected faults in held-out days', async () => {
    const r = await evaluateSimulated(detectorSpec('pca'), { machineCount: 2, trainDays: 2, testDays: 2, tickMs: 120_000, testFaultsPerDay: 2, trainSeed: 5, testSeed: 6 });
    expect(r.machines.length).toBe(2);
    expect(r.events.events).toBeGreaterThan(0);
    expect(r.events.detected).toBeGreaterThan(0); // recall on this tiny run is ~0.5; the full run reports it
    expect(r.point.tp + r.point.fp + r.point.tn + r.point.fn).toBeGreaterThan(2000);
    // thresholds come from the fault-free training days: finite and positive
    expect(r.machines.every((m) => Number.isFinite(m.threshold) && m.threshold > 0)).toBe(true);
  });
});
