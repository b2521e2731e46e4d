import { describe, expect, it } from 'vitest';
import { buildPlant, type Telemetry } from '../../domain/index.js';
import { DEFAULT_STREAM_ALPHA, DEFAULT_THRESHOLD_FACTOR } from '../../detect/index.js';
import { DEFAULT_ALERT_MANAGER_OPTIONS } from '../../respond/index.js';
import { detectorSpec } from '../detectors.js';
import { DEFAULT_CONFIG } from '../../config/index.js';
import { ALERT_HYSTERESIS, alertFlags, DEFAULT_SIM_RULE, PRODUCT_ALERT_HYSTERESIS, evaluateSimulated, operatingPhase, plannedFaults, toSeries } from './simulated-protocol.js';

const MIN = 60_000;

describe('simulated protocol: the product rule', () => {
  it('uses the alert manager hysteresis and the streaming detector threshold rule', () => {
    expect(ALERT_HYSTERESIS.clearRatio).toBe(DEFAULT_ALERT_MANAGER_OPTIONS.clearRatio);
    expect(ALERT_HYSTERESIS.clearAfterTicks).toBe(DEFAULT_ALERT_MANAGER_OPTIONS.clearAfterTicks);
    expect(ALERT_HYSTERESIS.clearAfterMs).toBe(DEFAULT_ALERT_MANAGER_OPTIONS.clearAfterMs);
    expect(DEFAULT_SIM_RULE.factor).toBe(DEFAULT_THRESHOLD_FACTOR);
    expect(DEFAULT_SIM_RULE.alpha).toBe(DEFAULT_STREAM_ALPHA);
  });

  it('clears alerts as `plantwatch start` configures the alert manager: by time only, after respond.clearDelayMs', () => {
    expect(PRODUCT_ALERT_HYSTERESIS.clearAfterTicks).toBeNull();
    expect(PRODUCT_ALERT_HYSTERESIS.clearAfterMs).toBe(DEFAULT_CONFIG.respond.clearDelayMs);
    expect(DEFAULT_SIM_RULE.clearAfterTicks).toBeNull();
    expect(DEFAULT_SIM_RULE.clearAfterMs).toBe(DEFAULT_CONFIG.respond.clearDelayMs);
    // A score 5 min quiet, back over the threshold, then quiet for good: one alert, cleared 10 min after it went quiet.
    const ratio = [1.2, ...Array<number>(5).fill(0.1), 1.1, ...Array<number>(12).fill(0.1)];
    const flags = alertFlags(ratio, ratio.map((_, i) => i * MIN), 'alert', PRODUCT_ALERT_HYSTERESIS);
    expect(flags.slice(0, 17).every((f) => f === 1)).toBe(true);
    expect(flags.slice(17)).toEqual([0, 0]);
  });
});

describe('alertFlags', () => {
  const ts = (n: number, step = 1000): number[] => Array.from({ length: n }, (_, i) => i * step);

  it('raises at the first tick at or over 1, stays open in the deadband, clears after 3 quiet ticks', () => {
    const ratio = [0.5, 1.2, 0.9, 0.85, 0.5, 0.5, 0.5, 0.5];
    expect(alertFlags(ratio, ts(ratio.length), 'alert', { clearRatio: 0.8, clearAfterTicks: 3, clearAfterMs: 1e9 })).toEqual([0, 1, 1, 1, 1, 1, 0, 0]);
  });

  it('a deadband tick restarts the quiet count; a chattering score stays one alert', () => {
    const ratio = [1.1, 0.5, 0.5, 0.9, 0.5, 1.0, 0.5, 0.5, 0.5];
    const flags = alertFlags(ratio, ts(ratio.length), 'alert', { clearRatio: 0.8, clearAfterTicks: 3, clearAfterMs: 1e9 });
    expect(flags).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(alertFlags(ratio, ts(ratio.length), 'raw')).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('clears by time (15 s at one-minute ticks is the second quiet tick) and keeps the state over unscored rows', () => {
    const ratio = [1.5, null, 0.1, 0.1, 0.1];
    expect(alertFlags(ratio, ts(ratio.length, MIN), 'alert', ALERT_HYSTERESIS)).toEqual([1, 1, 1, 0, 0]);
  });
});

describe('toSeries', () => {
  it('flags missing and impossible values, and breaks runs at them and at time gaps', () => {
    const t = (i: number, temperature: number | null): Telemetry => ({ machineId: 'm', tsMs: i * MIN, seq: i, values: { temperature } });
    const list = [t(0, 20), t(1, 21), t(2, null), t(3, 22), t(4, 500), t(5, 23), t(9, 24), t(10, 25)];
    const s = toSeries(list, ['temperature'], MIN, 3);
    expect(s.complete).toEqual([true, true, false, true, false, true, true, true]);
    expect(s.runStart).toEqual([0, 0, -1, 3, -1, 5, 6, 6]);
  });
});

describe('operatingPhase', () => {
  it('names the hour after a shift boundary (assembly: 06-22 on weekdays, off on Sunday)', () => {
    const monday = Date.UTC(2026, 0, 5);
    expect(operatingPhase('assembly', monday + 6.5 * 3_600_000)).toBe('shift_start');
    expect(operatingPhase('assembly', monday + 12 * 3_600_000)).toBe('running');
    expect(operatingPhase('assembly', monday + 22.5 * 3_600_000)).toBe('shift_end');
    expect(operatingPhase('assembly', monday - 12 * 3_600_000)).toBe('off');
  });
});

describe('plannedFaults', () => {
  it('draws the same faults for a seed, all starting inside the window, and other faults for another seed', () => {
    const plant = buildPlant({ machineCount: 3 });
    const from = Date.UTC(2026, 1, 2);
    const to = from + 7 * 86_400_000;
    const a = plannedFaults(plant.machines, 5, from, to, 2, ['overheating', 'high_humidity'], MIN);
    expect(plannedFaults(plant.machines, 5, from, to, 2, ['overheating', 'high_humidity'], MIN)).toEqual(a);
    expect(a.length).toBeGreaterThan(10);
    expect(a.every((f) => f.startMs >= from && f.startMs < to && ['overheating', 'high_humidity'].includes(f.type))).toBe(true);
    expect(plannedFaults(plant.machines, 6, from, to, 2, ['overheating', 'high_humidity'], MIN)).not.toEqual(a);
  });
});

describe('evaluateSimulated guards', () => {
  it('refuses a test seed equal to the training seed', async () => {
    await expect(evaluateSimulated(detectorSpec('pca'), { trainSeed: 3, testSeed: 3 })).rejects.toMatchObject({ code: 'PW_ERR_VALIDATION_SEED', message: 'the test seed must differ from the training seed (both 3)' });
  });
});
