import { describe, expect, it } from 'vitest';
import { planRetention, planRollup, type RollupState } from './rollup-plan.js';
import { MIN_TS_MS } from './columns.js';

const T0 = Date.UTC(2026, 0, 5, 8);
const MIN = 60_000;
const HOUR = 3_600_000;
const none: RollupState = { watermarkMs: null, dirtyFromMs: null, horizonMs: null };

describe('planRollup', () => {
  it('computes everything up to the last complete bucket the first time', () => {
    expect(planRollup(none, none, T0 + HOUR + 90_000)).toEqual({
      minute: { fromMs: MIN_TS_MS, toMs: T0 + HOUR + MIN },
      hour: { fromMs: MIN_TS_MS, toMs: T0 + HOUR },
      minuteWatermarkMs: T0 + HOUR + MIN,
      hourWatermarkMs: T0 + HOUR,
    });
  });

  it('resumes at the watermarks and does nothing when called again with the same time', () => {
    const minute = { ...none, watermarkMs: T0 + 10 * MIN };
    const hour = { ...none, watermarkMs: T0 };
    const plan = planRollup(minute, hour, T0 + 20 * MIN);
    expect(plan.minute).toEqual({ fromMs: T0 + 10 * MIN, toMs: T0 + 20 * MIN });
    expect(plan.hour).toBeUndefined();
    expect(planRollup({ ...none, watermarkMs: T0 + 20 * MIN }, hour, T0 + 20 * MIN).minute).toBeUndefined();
  });

  it('recomputes from late data, but never below the retention horizon', () => {
    const minute = { watermarkMs: T0 + 2 * HOUR, dirtyFromMs: T0 + 30 * MIN + 5000, horizonMs: null };
    const hour = { ...none, watermarkMs: T0 + 2 * HOUR };
    const plan = planRollup(minute, hour, T0 + HOUR);
    expect(plan.minute).toEqual({ fromMs: T0 + 30 * MIN, toMs: T0 + 2 * HOUR });
    expect(plan.hour).toEqual({ fromMs: T0, toMs: T0 + 2 * HOUR });
    expect(plan.minuteWatermarkMs).toBe(T0 + 2 * HOUR);
    const clamped = planRollup({ ...minute, horizonMs: T0 + HOUR }, { ...hour, horizonMs: T0 + 2 * HOUR }, T0 + HOUR);
    expect(clamped.minute).toEqual({ fromMs: T0 + HOUR, toMs: T0 + 2 * HOUR });
    expect(clamped.hour).toBeUndefined();
  });
});

describe('planRetention', () => {
  it('cuts raw at minute and roll-ups at hour boundaries, rolling up first', () => {
    const plan = planRetention({ nowMs: T0 + 30 * MIN + 1234, rawMaxAgeMs: HOUR, minuteMaxAgeMs: 2 * HOUR, hourMaxAgeMs: 10 * HOUR });
    expect(plan).toEqual({ rawCutMs: T0 - 30 * MIN, minuteCutMs: T0 - 2 * HOUR, hourCutMs: T0 - 10 * HOUR, rollUpUntilMs: T0 - 30 * MIN });
  });

  it('names a bad policy field', () => {
    expect(() => planRetention({ nowMs: T0, rawMaxAgeMs: -1, minuteMaxAgeMs: 0, hourMaxAgeMs: 0 })).toThrow(/rawMaxAgeMs/);
  });
});
