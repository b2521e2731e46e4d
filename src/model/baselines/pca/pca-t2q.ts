import { checkMatrix, checkSaved, requireFitted, type BaselineModel, type Matrix, type SavedBaseline } from '../base.js';
import { symmetricEigen } from './eigen.js';

/** Options of {@link PcaT2Q}. */
export interface PcaT2QOptions {
  /** Keep the fewest components explaining at least this share of the variance. Default 0.9. */
  varianceKept?: number;
  /** Training quantile that sets each statistic's control limit (score 1 = at the limit). Default 0.99. */
  limitQuantile?: number;
}

export const DEFAULT_PCA_OPTIONS: Readonly<Required<PcaT2QOptions>> = Object.freeze({ varianceKept: 0.9, limitQuantile: 0.99 });

function quantileOf(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(s.length - 1, lo + 1)]! - s[lo]!) * (pos - lo);
}

/**
 * PCA with Hotelling's T-squared and Q (squared prediction error), the statistical reference of
 * SKAB's "T-squared+Q (PCA-based)" row. Features are standardised on the training data. The
 * score is max(T2 / T2_limit, Q / Q_limit) with limits at a training quantile, so 1 = at the
 * control limit of either chart.
 */
export class PcaT2Q implements BaselineModel {
  readonly name = 'pca' as const;
  readonly kind = 'reconstruction' as const;
  readonly options: Required<PcaT2QOptions>;
  private mean: number[] = [];
  private sd: number[] = [];
  private components: number[][] = []; // k x d
  private eigenvalues: number[] = [];
  private t2Limit = 1;
  private qLimit = 1;
  private fitted = false;

  constructor(options: PcaT2QOptions = {}) {
    this.options = { ...DEFAULT_PCA_OPTIONS, ...options };
  }

  fit(X: Matrix): this {
    const d = checkMatrix(X, 'pca.fit');
    const n = X.length;
    this.mean = Array.from({ length: d }, (_, c) => X.reduce((s, r) => s + r[c]!, 0) / n);
    this.sd = Array.from({ length: d }, (_, c) => {
      const v = Math.sqrt(X.reduce((s, r) => s + (r[c]! - this.mean[c]!) ** 2, 0) / Math.max(1, n - 1));
      return v > 1e-12 ? v : 1;
    });
    const Z = X.map((r) => r.map((v, c) => (v - this.mean[c]!) / this.sd[c]!));
    const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (const z of Z) for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[i]![j]! += z[i]! * z[j]!;
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[j]![i] = cov[i]![j] = cov[i]![j]! / Math.max(1, n - 1);
    const { values, vectors } = symmetricEigen(cov);
    const total = values.reduce((s, v) => s + Math.max(0, v), 0);
    let k = 0;
    let acc = 0;
    while (k < d && (k === 0 || acc / total < this.options.varianceKept) && values[k]! > 1e-12) acc += values[k++]!;
    this.eigenvalues = values.slice(0, Math.max(1, k));
    this.components = this.eigenvalues.map((_, j) => vectors.map((row) => row[j]!));
    this.fitted = true;
    const { t2, q } = this.statistics(X);
    this.t2Limit = quantileOf(t2, this.options.limitQuantile) || 1;
    this.qLimit = quantileOf(q, this.options.limitQuantile) || 1;
    return this;
  }

  /** Hotelling T2 and Q per row. */
  statistics(X: Matrix): { t2: number[]; q: number[] } {
    requireFitted(this.fitted, 'pca');
    checkMatrix(X, 'pca.score', this.mean.length);
    const t2: number[] = [];
    const q: number[] = [];
    for (const r of X) {
      const z = r.map((v, c) => (v - this.mean[c]!) / this.sd[c]!);
      const t = this.components.map((pc) => pc.reduce((s, w, c) => s + w * z[c]!, 0));
      t2.push(t.reduce((s, ti, j) => s + (ti * ti) / this.eigenvalues[j]!, 0));
      let e = 0;
      for (let c = 0; c < z.length; c++) {
        let rec = 0;
        for (let j = 0; j < t.length; j++) rec += t[j]! * this.components[j]![c]!;
        e += (z[c]! - rec) ** 2;
      }
      q.push(e);
    }
    return { t2, q };
  }

  predict(X: Matrix): number[][] {
    requireFitted(this.fitted, 'pca');
    checkMatrix(X, 'pca.predict', this.mean.length);
    return X.map((r) => {
      const z = r.map((v, c) => (v - this.mean[c]!) / this.sd[c]!);
      const t = this.components.map((pc) => pc.reduce((s, w, c) => s + w * z[c]!, 0));
      return z.map((_, c) => t.reduce((s, tj, j) => s + tj * this.components[j]![c]!, 0) * this.sd[c]! + this.mean[c]!);
    });
  }

  score(X: Matrix): number[] {
    const { t2, q } = this.statistics(X);
    return t2.map((v, i) => Math.max(v / this.t2Limit, q[i]! / this.qLimit));
  }

  get componentCount(): number {
    return this.components.length;
  }

  toJSON(): SavedBaseline {
    return {
      className: 'PcaT2Q',
      version: 1,
      options: { ...this.options },
      state: { fitted: this.fitted, mean: this.mean, sd: this.sd, components: this.components, eigenvalues: this.eigenvalues, t2Limit: this.t2Limit, qLimit: this.qLimit },
    };
  }

  static fromJSON(json: unknown): PcaT2Q {
    const j = checkSaved(json, 'PcaT2Q', 1);
    const m = new PcaT2Q(j.options as PcaT2QOptions);
    Object.assign(m, j.state);
    return m;
  }
}
