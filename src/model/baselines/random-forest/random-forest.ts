import { checkMatrix, checkSaved, requireFitted, requireTargets, rowMse, type BaselineModel, type Matrix, type SavedBaseline } from '../base.js';
import { createRng, DEFAULT_BASELINE_SEED } from '../rng.js';

/** Options of {@link RandomForestRegressor}. */
export interface RandomForestOptions {
  /** Trees in the forest. Default 30. */
  trees?: number;
  /** Maximum tree depth. Default 8. */
  maxDepth?: number;
  /** Fewest training rows in a leaf. Default 5. */
  minLeaf?: number;
  /** Share of features tried at each split (regression default: 1/3). */
  featureFraction?: number;
  /** Thresholds tried per feature per split (quantiles of the node's values). Default 16. */
  thresholdsPerFeature?: number;
  seed?: number;
}

export const DEFAULT_RANDOM_FOREST_OPTIONS: Readonly<Required<RandomForestOptions>> = Object.freeze({
  trees: 30,
  maxDepth: 8,
  minLeaf: 5,
  featureFraction: 1 / 3,
  thresholdsPerFeature: 16,
  seed: DEFAULT_BASELINE_SEED,
});

/** Flat tree: internal nodes carry [feature, threshold, left, right]; leaves carry a value vector. */
interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaf output (empty for internal nodes). */
  value: number[][];
}

/**
 * Multi-output random-forest regressor (Breiman 2001): bootstrap samples, a random feature subset
 * per split, splits minimising the summed squared error over all outputs. As a detector it
 * forecasts the next step of a window and scores by the prediction error (paper Tables 3, 6).
 */
export class RandomForestRegressor implements BaselineModel {
  readonly name = 'rf' as const;
  readonly kind = 'forecast' as const;
  readonly options: Required<RandomForestOptions>;
  private forest: Tree[] = [];
  private inputs = 0;
  private fitted = false;

  constructor(options: RandomForestOptions = {}) {
    this.options = { ...DEFAULT_RANDOM_FOREST_OPTIONS, ...options };
  }

  fit(X: Matrix, y?: Matrix): this {
    this.inputs = checkMatrix(X, 'rf.fit');
    const Y = requireTargets(y, X.length, 'rf.fit');
    const outputs = checkMatrix(Y, 'rf.fit y');
    const rng = createRng(this.options.seed);
    const n = X.length;
    const mtry = Math.max(1, Math.round(this.inputs * this.options.featureFraction));
    this.forest = [];
    for (let t = 0; t < this.options.trees; t++) {
      const sample = Array.from({ length: n }, () => Math.floor(rng() * n));
      const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
      const grow = (rows: number[], depth: number): number => {
        const id = tree.feature.length;
        tree.feature.push(-1);
        tree.threshold.push(0);
        tree.left.push(-1);
        tree.right.push(-1);
        tree.value.push([]);
        const mean = new Array<number>(outputs).fill(0);
        for (const r of rows) for (let o = 0; o < outputs; o++) mean[o]! += Y[r]![o]!;
        for (let o = 0; o < outputs; o++) mean[o]! /= rows.length;
        let best = { gain: 1e-12, feature: -1, threshold: 0 };
        if (depth < this.options.maxDepth && rows.length >= 2 * this.options.minLeaf) {
          let parentSse = 0;
          for (const r of rows) for (let o = 0; o < outputs; o++) parentSse += (Y[r]![o]! - mean[o]!) ** 2;
          const features = new Set<number>();
          while (features.size < mtry) features.add(Math.floor(rng() * this.inputs));
          const m = rows.length;
          const cumSum = new Float64Array((m + 1) * outputs);
          const cumSq = new Float64Array((m + 1) * outputs);
          for (const f of features) {
            // Sort the node's rows by this feature once; prefix sums make every split O(outputs).
            const sorted = [...rows].sort((a, b) => X[a]![f]! - X[b]![f]!);
            for (let k = 0; k < m; k++) {
              const yr = Y[sorted[k]!]!;
              for (let o = 0; o < outputs; o++) {
                const v = yr[o]!;
                cumSum[(k + 1) * outputs + o] = cumSum[k * outputs + o]! + v;
                cumSq[(k + 1) * outputs + o] = cumSq[k * outputs + o]! + v * v;
              }
            }
            let lastTh = Number.NaN;
            for (let q = 1; q <= this.options.thresholdsPerFeature; q++) {
              let nl = Math.floor((q * m) / (this.options.thresholdsPerFeature + 1));
              const th = X[sorted[Math.max(0, nl - 1)]!]![f]!;
              // Move the cut past ties so that "<= th" is exactly the left side.
              while (nl < m && X[sorted[nl]!]![f]! <= th) nl++;
              if (th === lastTh || nl >= m) continue;
              lastTh = th;
              const nr = m - nl;
              if (nl < this.options.minLeaf || nr < this.options.minLeaf) continue;
              let sse = 0;
              for (let o = 0; o < outputs; o++) {
                const sl = cumSum[nl * outputs + o]!;
                const ql = cumSq[nl * outputs + o]!;
                const sr = cumSum[m * outputs + o]! - sl;
                const qr = cumSq[m * outputs + o]! - ql;
                sse += ql - (sl * sl) / nl + qr - (sr * sr) / nr;
              }
              const gain = parentSse - sse;
              if (gain > best.gain) best = { gain, feature: f, threshold: th };
            }
          }
        }
        if (best.feature < 0) {
          tree.value[id] = mean;
          return id;
        }
        tree.feature[id] = best.feature;
        tree.threshold[id] = best.threshold;
        const l = rows.filter((r) => X[r]![best.feature]! <= best.threshold);
        const rr = rows.filter((r) => X[r]![best.feature]! > best.threshold);
        tree.left[id] = grow(l, depth + 1);
        tree.right[id] = grow(rr, depth + 1);
        return id;
      };
      grow(sample, 0);
      this.forest.push(tree);
    }
    this.fitted = true;
    return this;
  }

  predict(X: Matrix): number[][] {
    requireFitted(this.fitted, 'rf');
    checkMatrix(X, 'rf.predict', this.inputs);
    return X.map((row) => {
      let acc: number[] | undefined;
      for (const tree of this.forest) {
        let node = 0;
        while (tree.feature[node]! >= 0) node = row[tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
        const v = tree.value[node]!;
        acc = acc ? acc.map((a, o) => a + v[o]!) : [...v];
      }
      return acc!.map((a) => a / this.forest.length);
    });
  }

  score(X: Matrix, y?: Matrix): number[] {
    return rowMse(this.predict(X), requireTargets(y, X.length, 'rf.score'));
  }

  toJSON(): SavedBaseline {
    return { className: 'RandomForestRegressor', version: 1, options: { ...this.options }, state: { fitted: this.fitted, inputs: this.inputs, forest: this.forest } };
  }

  static fromJSON(json: unknown): RandomForestRegressor {
    const j = checkSaved(json, 'RandomForestRegressor', 1);
    const m = new RandomForestRegressor(j.options as RandomForestOptions);
    Object.assign(m, j.state);
    return m;
  }
}
