import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { confusion, pointMetrics, skabOutlierScore, addConfusion } from './pointwise.js';
import { mae, rmse } from './regression.js';
import { prCurve, rocCurve } from './curves.js';
import { eventMetrics, segments } from './events.js';
import { NAB_PROFILES, nabScore, nabScoreAllProfiles } from './nab.js';
import { changepointWindows, predictedChangepoints, skabChangepointScore, skabTanhReward, SKAB_CP_PROFILES } from './skab-changepoint.js';

describe('regression metrics', () => {
  it('computes MAE and RMSE by hand', () => {
    expect(mae([1, 2, 3], [2, 2, 5])).toBeCloseTo(1);
    expect(rmse([1, 2, 3], [2, 2, 5])).toBeCloseTo(Math.sqrt(5 / 3));
    expect(mae([[1, 1]], [[0, 3]])).toBeCloseTo(1.5);
    expect(() => mae([1], [1, 2])).toThrow(expect.objectContaining({ code: 'PW_ERR_VALIDATION_LENGTH' }));
  });
});

describe('point-wise and SKAB outlier metrics', () => {
  const pred = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0];
  const lab = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0];
  it('counts TP/FP/FN/TN and derives P, R, F1, FPR, PPV', () => {
    const c = confusion(pred, lab);
    expect(c).toEqual({ tp: 3, fp: 1, fn: 2, tn: 4 });
    const m = pointMetrics(c);
    expect(m.precision).toBeCloseTo(0.75);
    expect(m.ppv).toBe(m.precision);
    expect(m.recall).toBeCloseTo(0.6);
    expect(m.f1).toBeCloseTo((2 * 0.75 * 0.6) / 1.35);
    expect(m.fpr).toBeCloseTo(0.2);
  });
  it('gives SKAB F1 = TP/(TP+(FP+FN)/2), FAR and MAR in % with 2 decimals', () => {
    expect(skabOutlierScore(confusion(pred, lab))).toEqual({ f1: 0.67, far: 20, mar: 40 });
    // micro-averaging: counts are summed before the ratios
    const two = addConfusion(confusion(pred, lab), confusion([0, 0], [1, 1]));
    expect(skabOutlierScore(two)).toEqual({ f1: 0.55, far: 20, mar: 57.14 });
    expect(skabOutlierScore(confusion([0, 0, 0], [1, 0, 0]))).toEqual({ f1: 0, far: 0, mar: 100 });
  });
});

describe('ROC and PR curves', () => {
  it('gives AUC 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocCurve([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]).auc).toBeCloseTo(1);
    expect(rocCurve([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0]).auc).toBeCloseTo(0);
    expect(prCurve([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]).auc).toBeCloseTo(1);
  });
  it('matches a hand-computed case with ties', () => {
    // scores 3 (pos), 2 (pos), 2 (neg), 1 (neg): pairs ranked right 3.5 of 4 -> AUC 0.875
    expect(rocCurve([3, 2, 2, 1], [1, 1, 0, 0]).auc).toBeCloseTo(0.875);
    // AP: at thr 3 R=.5 P=1; at thr 2 R=1 P=2/3 -> .5 + .5 * 2/3
    expect(prCurve([3, 2, 2, 1], [1, 1, 0, 0]).auc).toBeCloseTo(0.5 + 1 / 3);
  });
  it('ROC AUC equals the Mann-Whitney statistic (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { minLength: 2, maxLength: 40 }), (pairs) => {
        const pos = pairs.filter((p) => p[1]).map((p) => p[0]);
        const neg = pairs.filter((p) => !p[1]).map((p) => p[0]);
        fc.pre(pos.length > 0 && neg.length > 0);
        let u = 0;
        for (const a of pos) for (const b of neg) u += a > b ? 1 : a === b ? 0.5 : 0;
        const auc = rocCurve(pairs.map((p) => p[0]), pairs.map((p) => (p[1] ? 1 : 0))).auc;
        expect(auc).toBeCloseTo(u / (pos.length * neg.length), 9);
      }),
    );
  });
});

describe('event-wise metrics', () => {
  it('detects an event when any alarm falls in it and counts false alarm segments outside', () => {
    const labels = [0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0];
    const alarms = [1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0];
    const m = eventMetrics(alarms, labels);
    expect(segments(labels)).toEqual([{ start: 1, end: 3 }, { start: 6, end: 7 }, { start: 11, end: 12 }]);
    expect(m.detectedEvents).toBe(2);
    expect(m.falseAlarmEvents).toBe(2); // [0] and [9]; [3,4] touches the first event
    expect(m.precision).toBeCloseTo(0.5);
    expect(m.recall).toBeCloseTo(2 / 3);
    expect(m.delays).toEqual([2, 0]);
    expect(eventMetrics(alarms, labels, labels.map((_, i) => i * 1000)).delays).toEqual([2000, 0]);
  });
});

describe('SKAB change-point score', () => {
  const ts = Array.from({ length: 200 }, (_, i) => i * 1000);
  const cp = ts.map((_, i) => (i === 50 || i === 150 ? 1 : 0));
  const block = (from: number, to: number, base = ts.map(() => 0)) => base.map((v, i) => (i >= from && i <= to ? 1 : v));

  it('takes both edges of predicted blocks as change points', () => {
    expect(predictedChangepoints([1, 1, 0, 0, 1])).toEqual([1, 0, 1, 0, 1]);
  });
  it('uses the tanh reward: A_tp at the window start, A_fp at its end', () => {
    const p = SKAB_CP_PROFILES.standard;
    expect(skabTanhReward(0, p)).toBeCloseTo(1, 12);
    expect(skabTanhReward(1, p)).toBeCloseTo(-0.11, 12);
    expect(skabTanhReward(0.5, p)).toBeCloseTo(0.44404850713138366, 10);
  });
  it('scores a detection at the start of one window and a missed window (hand-computed)', () => {
    const s = skabChangepointScore([{ tsMs: ts, predicted: block(50, 60), changepoints: cp }]);
    // raw standard 1 - 1 = 0; null -2, perfect 2 -> 50. lowFn: 1 - 2 = -1; null -4, perfect 2 -> 50
    expect(s.nab).toEqual({ standard: 50, lowFp: 50, lowFn: 50 });
    expect(s.missed).toBe(1);
    expect(s.falsePositives).toBe(0); // the falling edge at 61 is a second detection inside the window
  });
  it('charges a flat A_fp for each predicted change point outside every window', () => {
    const s = skabChangepointScore([{ tsMs: ts, predicted: block(120, 125, block(50, 60)), changepoints: cp }]);
    expect(s.falsePositives).toBe(2);
    expect(s.nab).toEqual({ standard: 44.5, lowFp: 39, lowFn: 46.33 });
  });
  it('cuts an overlapping window at the end of the earlier one', () => {
    expect(changepointWindows([0, 30_000, 200_000], [1, 1, 0])).toEqual([[0, 60_000], [60_000, 90_000]]);
  });
});

describe('NAB scorer (hand-computed, each profile)', () => {
  // 40 rows one minute apart, one label window over rows 10..19, no probationary period.
  const ts = Array.from({ length: 40 }, (_, i) => i * 60_000);
  const windows: [number, number][] = [[ts[10]!, ts[19]!]];
  const at = (...idx: number[]) => ts.map((_, i) => (idx.includes(i) ? 1 : 0));
  const score = (alarms: number[]) => nabScoreAllProfiles([{ tsMs: ts, alarms, windows }], { probationaryPercent: 0 });

  it('alarm at the window start earns the full tpWeight: 100 on every profile', () => {
    const s = score(at(10));
    expect(s.standard.raw).toBeCloseTo(1, 12);
    expect(s.standard.score).toBeCloseTo(100, 9);
    expect(s.reward_low_FP_rate.score).toBeCloseTo(100, 9);
    expect(s.reward_low_FN_rate.score).toBeCloseTo(100, 9);
  });
  it('alarm at the window end earns tanh(0.25)/tanh(2.5)', () => {
    const s = score(at(19));
    expect(s.standard.raw).toBeCloseTo(0.24824154977542992, 12);
    expect(s.standard.score).toBeCloseTo(62.4120774887715, 9);
    expect(s.reward_low_FP_rate.score).toBeCloseTo(62.4120774887715, 9);
    expect(s.reward_low_FN_rate.score).toBeCloseTo(74.94138499251433, 9);
  });
  it('only the first alarm in a window counts', () => {
    expect(score(at(10, 15, 19)).standard.raw).toBeCloseTo(1, 12);
  });
  it('alarm before every window costs the full fpWeight (and the window is missed)', () => {
    const s = score(at(5));
    expect(s.standard.raw).toBeCloseTo(-1.11, 12);
    expect(s.standard.score).toBeCloseTo(-5.5, 9);
    expect(s.reward_low_FP_rate.score).toBeCloseTo(-11, 9);
    expect(s.reward_low_FN_rate.score).toBeCloseTo(-11 / 3, 9);
  });
  it('alarm after a window costs fpWeight * tanh(2.5 * distance / (width - 1))', () => {
    const s = score(at(25));
    expect(s.standard.raw).toBeCloseTo(-1.1024220569534335, 12);
    expect(s.standard.score).toBeCloseTo(-5.121102847671677, 9);
    expect(s.reward_low_FP_rate.score).toBeCloseTo(-10.242205695343355, 9);
    expect(s.reward_low_FN_rate.score).toBeCloseTo(-3.4140685651144516, 9);
  });
  it('a missed window scores the null detector: 0 on every profile', () => {
    const s = score(at());
    for (const p of Object.values(s)) {
      expect(p.score).toBeCloseTo(0, 12);
      expect(p.fn).toBe(1);
    }
  });
  it('ignores detections in the probationary period', () => {
    const s = nabScore([{ tsMs: ts, alarms: at(1, 10), windows }], NAB_PROFILES.standard, { probationaryPercent: 0.15 });
    expect(s.fp).toBe(0);
    expect(s.raw).toBeCloseTo(1, 12);
  });
});
