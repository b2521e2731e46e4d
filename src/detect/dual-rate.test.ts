import { describe, expect, it } from 'vitest';
import { DualRateScorer, fitDualRateThresholds } from './dual-rate.js';

/** Deterministic |N(0,1)|-like noise. */
function noise(n: number, seed: number): number[] {
  let s = seed;
  const u = (): number => ((s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) + 1) / 2_147_483_649;
  return Array.from({ length: n }, () => Math.abs(Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())));
}

describe('dual-rate scoring', () => {
  const fit = { alpha: 0.5, quantile: 0.9999, factor: 1.5, minThreshold: 3, slowMinThreshold: 1.5 };

  it('without a slow rate equals the single EWMA rule (restart at the first error, floor, factor x quantile)', () => {
    const val = noise(2000, 1).map((v) => [v]);
    const t = fitDualRateThresholds([val], 1, { ...fit, slowAlpha: null });
    expect(t.slow).toBeNull();
    let e = 0;
    const sm = val.map((r, i) => (e = i === 0 ? r[0]! : 0.5 * r[0]! + 0.5 * e));
    const sorted = [...sm].sort((a, b) => a - b);
    const pos = 0.9999 * (sorted.length - 1);
    const q = sorted[Math.floor(pos)]! + (sorted[Math.floor(pos) + 1]! - sorted[Math.floor(pos)]!) * (pos - Math.floor(pos));
    expect(t.fast[0]).toBeCloseTo(Math.max(3, 1.5 * q), 12);
  });

  it('a sustained shift of the mean error under the fast threshold crosses the slow one; validation noise does not', () => {
    const val = noise(5000, 2).map((v) => [v]);
    const t = fitDualRateThresholds([val], 1, { ...fit, slowAlpha: 0.03 });
    expect(t.slowStart![0]).toBeGreaterThan(0.7);
    expect(t.slowStart![0]).toBeLessThan(0.9);
    const s = new DualRateScorer(1, 0.5, 0.03, t.slowStart);
    let fastMax = 0;
    for (const v of noise(5000, 3)) {
      s.update([v]);
      expect(s.ratio(t).ratio).toBeLessThan(1);
    }
    // Errors 2.5x their normal size for 3 hours of minute ticks.
    let crossedAt = -1;
    noise(180, 4).forEach((v, i) => {
      s.update([2.5 * v]);
      fastMax = Math.max(fastMax, s.fast[0]! / t.fast[0]!);
      if (crossedAt < 0 && s.sensorRatio(0, t) >= 1) crossedAt = i;
    });
    expect(crossedAt).toBeGreaterThan(0);
    expect(crossedAt).toBeLessThan(120);
    const single = fitDualRateThresholds([val], 1, { ...fit, slowAlpha: null });
    expect(fastMax).toBeLessThan(single.fast[0]! / t.fast[0]! + 1); // same fast thresholds
    expect(t.fast[0]).toBe(single.fast[0]);
  });

  it('restarts after reset: the slow rate from the validation mean, not from one reading', () => {
    const t = { fast: [3], slow: [1.5], slowStart: [0.8] };
    const s = new DualRateScorer(1, 0.5, 0.05, t.slowStart);
    s.update([10]);
    s.reset();
    s.update([2]);
    expect(s.fast[0]).toBe(2);
    expect(s.slow![0]).toBeCloseTo(0.05 * 2 + 0.95 * 0.8, 12);
  });

  it('slowCapAtFast: the slow rate sees each error capped at the fast threshold', () => {
    const val = noise(3000, 5).map((v) => [v]);
    const t = fitDualRateThresholds([val], 1, { ...fit, slowAlpha: 0.03, slowCapAtFast: true });
    expect(t.slowCap).toEqual(t.fast);
    const s = new DualRateScorer(1, 0.5, 0.03, t.slowStart, false, t.slowCap);
    for (let i = 0; i < 500; i++) s.update([100]);
    expect(s.fast[0]).toBeCloseTo(100, 6);
    expect(s.slow![0]).toBeLessThanOrEqual(t.fast[0]! + 1e-9);
  });

  it('rejects an alpha outside (0, 1]', () => {
    expect(() => new DualRateScorer(1, 0, null)).toThrow(expect.objectContaining({ code: 'PW_ERR_VALIDATION_OPTION' }));
    expect(() => new DualRateScorer(1, 0.5, 1.5)).toThrow(/slowAlpha must be in \(0, 1\]/);
  });
});
