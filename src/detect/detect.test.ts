import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ewma, scoreForecastErrors } from './residuals.js';
import { applyThreshold, fitStaticThreshold, quantile } from './static-threshold.js';
import { findEpsilon, pruneSequences, telemanomThreshold } from './telemanom.js';
import { attribute } from './attribution.js';

/** Deterministic noise for fixtures. */
function noise(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  });
}

describe('error scoring', () => {
  it('EWMA is causal and matches its recurrence (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (xs, a) => {
        const s = ewma(xs, a);
        expect(s[0]).toBe(xs[0]);
        for (let i = 1; i < xs.length; i++) expect(s[i]).toBeCloseTo(a * xs[i]! + (1 - a) * s[i - 1]!, 9);
        // prefix property: smoothing a prefix gives the prefix of the smoothing
        expect(ewma(xs.slice(0, 3), a)).toEqual(s.slice(0, 3));
      }),
    );
    expect(() => ewma([1], 0)).toThrow(expect.objectContaining({ code: 'PW_ERR_VALIDATION_ALPHA' }));
  });
  it('keeps signed residuals, scales and smooths per sensor', () => {
    const r = scoreForecastErrors([[0, 0], [0, 0]], [[1, -2], [1, -2]], { alpha: 1, sensorScale: [1, 2] });
    expect(r.residuals).toEqual([[1, -2], [1, -2]]);
    expect(r.smoothed).toEqual([[1, 1], [1, 1]]);
    expect(r.score).toEqual([1, 1]);
    expect(scoreForecastErrors([[0, 0]], [[1, 3]], { alpha: 1, aggregate: 'max' }).score).toEqual([3]);
  });
});

describe('static threshold', () => {
  it('uses a numpy-style quantile and mean + k std', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7);
    expect(fitStaticThreshold([1, 2, 3, 4], { method: 'quantile', quantile: 0.9, factor: 2 })).toBeCloseTo(7.4);
    expect(fitStaticThreshold([2, 4, 4, 4, 5, 5, 7, 9], { method: 'mean-std', k: 2 })).toBeCloseTo(9);
    expect(applyThreshold([1, 5, 9], 5)).toEqual([0, 1, 1]);
    expect(() => fitStaticThreshold([Number.NaN])).toThrow(/none finite/);
  });
});

describe('telemanom dynamic threshold', () => {
  it('finds one clear anomaly sequence in noise and nothing else', () => {
    const e = noise(600, 7).map((v) => 0.1 + 0.05 * v);
    for (let i = 300; i < 320; i++) e[i] = 1.5;
    const res = telemanomThreshold(e, { windowSize: 600, errorBuffer: 5 });
    expect(res.sequences.length).toBe(1);
    const [a, b] = res.sequences[0]!;
    expect(a).toBeLessThanOrEqual(300);
    expect(b).toBeGreaterThanOrEqual(319);
    expect(b - a).toBeLessThan(40);
    expect(res.epsilons[0]!.z).toBeGreaterThanOrEqual(2.5);
  });
  it('flags nothing when errors are flat noise with no outstanding sequence', () => {
    const e = noise(600, 3).map((v) => 0.1 + 0.01 * v);
    const res = telemanomThreshold(e, { windowSize: 600, errorBuffer: 5 });
    expect(res.flags.reduce((a, b) => a + b, 0)).toBe(0);
  });
  it('falls back to z = zMax when the errors are constant', () => {
    expect(findEpsilon([1, 1, 1]).z).toBe(12);
  });
  it('prunes only the trailing run of sequences that barely stand above the normal errors', () => {
    // maxima sorted 10, 5, 4.8 then the largest normal error 0: 5 -> 4.8 is a small drop, but the
    // 4.8 -> 0 drop is big, which resets the removal list (telemanom prune_anoms): all three stay.
    expect(pruneSequences([0, 10, 0, 0, 5, 0, 0, 4.8, 0], [[1, 1], [4, 4], [7, 7]], 0.13)).toEqual([[1, 1], [4, 4], [7, 7]]);
    // 10 -> 1.05 big drop, 1.05 -> normal max 1.0 small: the 1.05 sequence goes, the 10 one stays.
    expect(pruneSequences([1, 10, 1, 1.05, 1], [[1, 1], [3, 3]], 0.13)).toEqual([[1, 1]]);
    expect(pruneSequences([1, 1.05, 1], [[1, 1]], 0.13)).toEqual([]);
  });
});

describe('attribution', () => {
  const sensors = ['temperature', 'vibration', 'humidity', 'coolant_pressure', 'current', 'gas', 'supply_voltage'];
  const base = [50, 2, 40, 3, 10, 400, 5];
  const withDev = (i: number, d: number) => base.map((v, k) => (k === i ? v + d : v));
  it.each([
    [0, +10, 'overheating', 'above'],
    [1, +3, 'abnormal_vibration', 'above'],
    [2, +20, 'high_humidity', 'above'],
    [3, -2, 'low_cooling_pressure', 'below'],
    [4, +8, 'high_energy', 'above'],
    [5, +300, 'high_emission', 'above'],
  ] as const)('names the fault from the strongest deviation (sensor %i, %d)', (i, d, type, dir) => {
    const a = attribute(sensors, withDev(i, d), base);
    expect(a.type).toBe(type);
    expect(a.sensor).toBe(sensors[i]);
    expect(a.direction).toBe(dir);
  });
  it('names power interruption, disconnection, and nothing for an unmapped direction', () => {
    expect(attribute(sensors, withDev(6, -5), base).type).toBe('power_interruption');
    expect(attribute(sensors, [null, ...base.slice(1)], base)).toMatchObject({ type: 'sensor_disconnected', sensor: 'temperature' });
    const below = attribute(sensors, withDev(0, -10), base);
    expect(below.type).toBeNull();
    expect(below.direction).toBe('below');
  });
  it('weighs deviations by the per-sensor scale', () => {
    const a = attribute(['temperature', 'current'], [52, 13], [50, 10], { scale: [0.5, 10] });
    expect(a.deviations[0]!.sensor).toBe('temperature');
    expect(a.deviations[0]!.severity).toBeCloseTo(4);
  });
});
