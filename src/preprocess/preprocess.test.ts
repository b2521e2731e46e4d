import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MinMaxScaler } from './min-max-scaler.js';
import { flattenWindow, slidingWindows, windowCount } from './windows.js';
import { chronologicalSplit } from './split.js';
import { cleanTrainingRows } from './clean.js';

const matrix = (minRows = 1, width = 3) =>
  fc.array(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: width, maxLength: width }), { minLength: minRows, maxLength: 40 });

describe('MinMaxScaler', () => {
  it('maps the training data into [0, 1] and inverts exactly (property)', () => {
    fc.assert(
      fc.property(matrix(), (rows) => {
        const s = new MinMaxScaler().fit(rows);
        const t = s.transform(rows);
        for (const r of t) for (const v of r) expect(v >= -1e-12 && v <= 1 + 1e-12).toBe(true);
        const back = s.inverseTransform(t);
        back.forEach((r, i) => r.forEach((v, c) => expect(v).toBeCloseTo(rows[i]![c]!, 6)));
      }),
    );
  });

  it('many == loop of one, and toJSON/fromJSON round-trips (property)', () => {
    fc.assert(
      fc.property(matrix(), matrix(1), (train, other) => {
        const s = new MinMaxScaler().fit(train);
        const restored = MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
        expect(s.transform(other)).toEqual(other.map((r) => s.transformOne(r)));
        expect(restored.transform(other)).toEqual(s.transform(other));
      }),
    );
  });

  it('does not clip values outside the training range and does not mutate its input', () => {
    const rows = [[0, 5], [10, 5]];
    const s = new MinMaxScaler().fit(rows);
    expect(s.transformOne([20, 7])).toEqual([2, 2]);
    expect(rows).toEqual([[0, 5], [10, 5]]);
  });

  it('rejects unfitted use, wrong widths and bad saved forms with codes', () => {
    expect(() => new MinMaxScaler().transformOne([1])).toThrow(expect.objectContaining({ code: 'PW_ERR_VALIDATION_NOT_FITTED' }));
    const s = new MinMaxScaler().fit([[1, 2]]);
    expect(() => s.transformOne([1])).toThrow(/1 columns, scaler was fitted on 2/);
    expect(() => MinMaxScaler.fromJSON({ className: 'X' })).toThrow(expect.objectContaining({ code: 'PW_ERR_VALIDATION_SCALER' }));
    expect(() => new MinMaxScaler().fit([[Number.NaN]])).toThrow(/row 0 column 0 is NaN/);
  });
});

describe('slidingWindows', () => {
  it('makes n - W - h + 1 windows whose contents are the right rows (property)', () => {
    fc.assert(
      fc.property(matrix(0, 2), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }), (rows, w, h, stride) => {
        const { X, y, targetIndex } = slidingWindows(rows, { windowSize: w, horizon: h, stride });
        expect(X.length).toBe(windowCount(rows.length, w, h, stride));
        if (stride === 1) expect(X.length).toBe(Math.max(0, rows.length - w - h + 1));
        X.forEach((win, k) => {
          expect(win).toEqual(rows.slice(k * stride, k * stride + w));
          expect(targetIndex[k]).toBe(k * stride + w - 1 + h);
          expect(y[k]).toEqual(rows[targetIndex[k]!]);
        });
      }),
    );
  });

  it('flattens row-major and rejects a bad window size', () => {
    expect(flattenWindow([[1, 2], [3, 4]])).toEqual([1, 2, 3, 4]);
    expect(() => slidingWindows([[1]], { windowSize: 0 })).toThrow(expect.objectContaining({ code: 'PW_ERR_VALIDATION_WINDOW' }));
  });
});

describe('chronologicalSplit', () => {
  it('keeps order, covers everything once, puts 80 % first (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 200 }), (xs) => {
        const { train, validation, splitIndex } = chronologicalSplit(xs);
        expect([...train, ...validation]).toEqual(xs);
        expect(splitIndex).toBe(Math.floor(xs.length * 0.8));
      }),
    );
  });
});

describe('cleanTrainingRows', () => {
  it('drops incomplete, out-of-range and robust-outlier rows, naming each reason', () => {
    const rows: (number | null)[][] = [];
    for (let i = 0; i < 50; i++) rows.push([20 + (i % 5) * 0.1, 1]);
    rows[3] = [null, 1];
    rows[7] = [500, 1]; // outside the 0..100 range
    rows[11] = [60, 1]; // in range but a spike
    const { rows: kept, keptIndex, dropped } = cleanTrainingRows(rows, { ranges: [{ min: 0, max: 100 }, undefined] });
    expect(dropped.map((d) => [d.index, d.reason])).toEqual([[3, 'incomplete'], [7, 'out_of_range'], [11, 'outlier']]);
    expect(kept.length).toBe(47);
    expect(keptIndex).not.toContain(11);
  });

  it('keeps clean data untouched (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 30 }), (pairs) => {
        const rows = pairs.map(([a, b]) => [a, b]);
        const out = cleanTrainingRows(rows, { madK: 0 });
        expect(out.rows).toEqual(rows);
        expect(out.dropped).toEqual([]);
      }),
    );
  });
});
