import { checkMatrix, checkSaved, requireFitted, requireTargets, rowMse, type BaselineModel, type Matrix, type SavedBaseline } from '../base.js';
import { createRng, DEFAULT_BASELINE_SEED, shuffle } from '../rng.js';

/** Options of {@link LinearSvr}. */
export interface LinearSvrOptions {
  /** L2 regularisation strength lambda (Pegasos). Default 1e-4. */
  lambda?: number;
  /** Width of the epsilon-insensitive tube, in target units (scaled data). Default 0.01. */
  epsilon?: number;
  /** Passes over the training data. Default 20. */
  epochs?: number;
  seed?: number;
}

export const DEFAULT_LINEAR_SVR_OPTIONS: Readonly<Required<LinearSvrOptions>> = Object.freeze({ lambda: 1e-4, epsilon: 0.01, epochs: 20, seed: DEFAULT_BASELINE_SEED });

/**
 * Linear support vector regression, one output per target column, trained by stochastic
 * sub-gradient descent on the epsilon-insensitive loss with L2 regularisation (the Pegasos
 * schedule eta_t = 1 / (lambda (t + t0)), Shalev-Shwartz et al. 2007) and iterate averaging for a
 * stable solution. As a detector it forecasts the next step and scores by the error.
 */
export class LinearSvr implements BaselineModel {
  readonly name = 'svm' as const;
  readonly kind = 'forecast' as const;
  readonly options: Required<LinearSvrOptions>;
  private w: number[][] = []; // outputs x inputs
  private b: number[] = [];
  private inputs = 0;
  private fitted = false;

  constructor(options: LinearSvrOptions = {}) {
    this.options = { ...DEFAULT_LINEAR_SVR_OPTIONS, ...options };
  }

  fit(X: Matrix, y?: Matrix): this {
    this.inputs = checkMatrix(X, 'svm.fit');
    const Y = requireTargets(y, X.length, 'svm.fit');
    const outputs = checkMatrix(Y, 'svm.fit y');
    const { lambda, epsilon, epochs } = this.options;
    const rng = createRng(this.options.seed);
    const d = this.inputs;
    const w = Array.from({ length: outputs }, () => new Array<number>(d).fill(0));
    const b = new Array<number>(outputs).fill(0);
    const wAvg = Array.from({ length: outputs }, () => new Array<number>(d).fill(0));
    const bAvg = new Array<number>(outputs).fill(0);
    // t0 keeps the first steps from exploding (eta_1 = 1 / (lambda t0) ~ 1).
    const t0 = 1 / lambda;
    let t = 0;
    let averaged = 0;
    const order = X.map((_, i) => i);
    for (let e = 0; e < epochs; e++) {
      shuffle(order, rng);
      for (const i of order) {
        t++;
        const eta = 1 / (lambda * (t + t0));
        const x = X[i]!;
        for (let o = 0; o < outputs; o++) {
          const wo = w[o]!;
          let pred = b[o]!;
          for (let c = 0; c < d; c++) pred += wo[c]! * x[c]!;
          const err = Y[i]![o]! - pred;
          const shrink = 1 - eta * lambda;
          for (let c = 0; c < d; c++) wo[c] = wo[c]! * shrink;
          if (Math.abs(err) > epsilon) {
            const g = eta * Math.sign(err);
            for (let c = 0; c < d; c++) wo[c]! += g * x[c]!;
            b[o]! += g;
          }
        }
        // Average the second half of the iterates (Polyak-Ruppert).
        if (e >= Math.floor(epochs / 2)) {
          averaged++;
          for (let o = 0; o < outputs; o++) {
            for (let c = 0; c < d; c++) wAvg[o]![c]! += (w[o]![c]! - wAvg[o]![c]!) / averaged;
            bAvg[o]! += (b[o]! - bAvg[o]!) / averaged;
          }
        }
      }
    }
    this.w = averaged ? wAvg : w;
    this.b = averaged ? bAvg : b;
    this.fitted = true;
    return this;
  }

  predict(X: Matrix): number[][] {
    requireFitted(this.fitted, 'svm');
    checkMatrix(X, 'svm.predict', this.inputs);
    return X.map((x) => this.w.map((wo, o) => wo.reduce((s, wc, c) => s + wc * x[c]!, this.b[o]!)));
  }

  score(X: Matrix, y?: Matrix): number[] {
    return rowMse(this.predict(X), requireTargets(y, X.length, 'svm.score'));
  }

  toJSON(): SavedBaseline {
    return { className: 'LinearSvr', version: 1, options: { ...this.options }, state: { fitted: this.fitted, inputs: this.inputs, w: this.w, b: this.b } };
  }

  static fromJSON(json: unknown): LinearSvr {
    const j = checkSaved(json, 'LinearSvr', 1);
    const m = new LinearSvr(j.options as LinearSvrOptions);
    Object.assign(m, j.state);
    return m;
  }
}
