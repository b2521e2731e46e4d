import { describe, expect, it } from 'vitest';
import { BASELINE_NAMES, type BaselineModel, type BaselineName } from './base.js';
import { createBaseline, loadBaseline } from './registry.js';
import { createRng, gaussian } from './rng.js';
import { symmetricEigen } from './pca/eigen.js';
import { PcaT2Q } from './pca/pca-t2q.js';

/** Correlated 4-feature data: x1 = x0, x2 = -x0 (+ noise), x3 independent; target = next x0 + x3. */
function data(n: number, seed: number): { X: number[][]; y: number[][] } {
  const rng = createRng(seed);
  const X: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < n; i++) {
    const a = rng();
    const b = rng();
    X.push([a, a + 0.01 * gaussian(rng), 1 - a + 0.01 * gaussian(rng), b]);
    y.push([0.5 * a + 0.3 * b, a - b]);
  }
  return { X, y };
}

const FAST: Record<BaselineName, Record<string, unknown>> = {
  pca: {},
  rf: { trees: 8, maxDepth: 5 },
  svm: { epochs: 10 },
  mlp: { epochs: 15, hidden: [8] },
};

const make = (name: BaselineName, seed = 1): BaselineModel => createBaseline(name, { ...FAST[name], ...(name === 'pca' ? {} : { seed }) });
const fitOn = (m: BaselineModel, X: number[][], y: number[][]) => (m.kind === 'forecast' ? m.fit(X, y) : m.fit(X));

describe.each(BASELINE_NAMES)('baseline contract: %s', (name) => {
  const train = data(200, 1);
  const test = data(50, 2);

  it('same seed gives the same scores; scores are finite', () => {
    const a = fitOn(make(name), train.X, train.y).score(test.X, test.y);
    const b = fitOn(make(name), train.X, train.y).score(test.X, test.y);
    expect(a).toEqual(b);
    expect(a.every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
  });

  it('does not mutate its inputs', () => {
    const X = train.X.map((r) => [...r]);
    const y = train.y.map((r) => [...r]);
    const m = fitOn(make(name), X, y);
    m.score(test.X, test.y);
    expect(X).toEqual(train.X);
    expect(y).toEqual(train.y);
  });

  it('save/load round-trips through JSON to identical scores', () => {
    const m = fitOn(make(name), train.X, train.y);
    const copy = loadBaseline(JSON.parse(JSON.stringify(m.toJSON())));
    expect(copy.score(test.X, test.y)).toEqual(m.score(test.X, test.y));
  });

  it('many == loop of one', () => {
    const m = fitOn(make(name), train.X, train.y);
    const many = m.score(test.X, test.y);
    const one = test.X.map((x, i) => m.score([x], [test.y[i]!])[0]!);
    expect(one).toEqual(many);
  });

  it('scores a broken correlation or an off-target far higher than normal data', () => {
    const m = fitOn(make(name), train.X, train.y);
    const normal = m.score(test.X, test.y);
    const broken = test.X.map((r) => [r[0]!, r[1]!, r[0]!, r[3]!]); // x2 should be 1 - x0
    const off = test.y.map((r) => [r[0]! + 1, r[1]! - 1]);
    const anomalous = m.kind === 'forecast' ? m.score(test.X, off) : m.score(broken);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(anomalous)).toBeGreaterThan(5 * mean(normal));
  });

  it('rejects use before fit and wrong widths with codes', () => {
    expect(() => make(name).score(test.X, test.y)).toThrow(expect.objectContaining({ code: 'PW_ERR_MODEL_NOT_FITTED' }));
    const m = fitOn(make(name), train.X, train.y);
    expect(() => m.score([[1, 2]], [[1, 2]])).toThrow(expect.objectContaining({ code: 'PW_ERR_MODEL_INPUT' }));
  });
});

describe('model quality', () => {
  it('Jacobi eigen-decomposition reproduces A v = lambda v', () => {
    const A = [[4, 1, 2], [1, 3, 0], [2, 0, 5]];
    const { values, vectors } = symmetricEigen(A);
    expect(values[0]).toBeGreaterThanOrEqual(values[1]!);
    for (let j = 0; j < 3; j++) {
      const v = vectors.map((r) => r[j]!);
      const Av = A.map((row) => row.reduce((s, a, k) => s + a * v[k]!, 0));
      Av.forEach((x, i) => expect(x).toBeCloseTo(values[j]! * v[i]!, 9));
    }
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(12, 9);
  });

  it('PCA keeps the two real directions and flags 1 % of its training data at the limit', () => {
    const { X } = data(500, 3);
    const m = new PcaT2Q({ varianceKept: 0.95 }).fit(X);
    expect(m.componentCount).toBe(2);
    const over = m.score(X).filter((s) => s > 1).length;
    expect(over).toBeGreaterThan(0);
    expect(over).toBeLessThanOrEqual(10);
  });

  it.each(['rf', 'svm', 'mlp'] as const)('%s forecasts the target better than predicting its mean', (name) => {
    const train = data(300, 4);
    const test = data(100, 5);
    const m = createBaseline(name, { seed: 3 }).fit(train.X, train.y);
    const mse = m.score(test.X, test.y).reduce((a, b) => a + b, 0) / test.X.length;
    const means = [0, 1].map((o) => train.y.reduce((s, r) => s + r[o]!, 0) / train.y.length);
    const base = test.y.reduce((s, r) => s + ((r[0]! - means[0]!) ** 2 + (r[1]! - means[1]!) ** 2) / 2, 0) / test.y.length;
    expect(mse).toBeLessThan(0.3 * base);
  });
});
