import { ModelError } from '../../../domain/index.js';
import { checkMatrix, checkSaved, requireFitted, requireTargets, rowMse, type BaselineModel, type Matrix, type SavedBaseline } from '../base.js';
import { createRng, DEFAULT_BASELINE_SEED, gaussian, shuffle } from '../rng.js';

/** Options of {@link Mlp}. */
export interface MlpOptions {
  /** `forecast`: learn X -> y (next step). `autoencoder`: learn X -> X through the hidden layers. Default forecast. */
  mode?: 'forecast' | 'autoencoder';
  /** Units of each tanh hidden layer. Default [32]. */
  hidden?: number[];
  /** Adam learning rate. Default 0.005. */
  learningRate?: number;
  epochs?: number;
  batchSize?: number;
  /** L2 weight decay. Default 1e-5. */
  l2?: number;
  seed?: number;
}

export const DEFAULT_MLP_OPTIONS: Readonly<Required<MlpOptions>> = Object.freeze({
  mode: 'forecast',
  hidden: [32],
  learningRate: 0.005,
  epochs: 60,
  batchSize: 32,
  l2: 1e-5,
  seed: DEFAULT_BASELINE_SEED,
});

interface Layer {
  /** out x in, row-major. */
  w: number[];
  b: number[];
  inSize: number;
  outSize: number;
}

/**
 * A classic feed-forward network (paper Tables 3, 6): tanh hidden layers, linear output, MSE,
 * Adam, seeded Xavier initialisation and shuffling. Forecast mode scores the next-step error;
 * autoencoder mode scores the reconstruction error (SKAB's "Vanilla AE").
 */
export class Mlp implements BaselineModel {
  readonly name = 'mlp' as const;
  readonly options: Required<MlpOptions>;
  private layers: Layer[] = [];
  private fitted = false;

  constructor(options: MlpOptions = {}) {
    this.options = { ...DEFAULT_MLP_OPTIONS, ...options, hidden: [...(options.hidden ?? DEFAULT_MLP_OPTIONS.hidden)] };
    if (this.options.hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new ModelError('PW_ERR_MODEL_OPTIONS', `mlp hidden sizes must be integers >= 1, got ${JSON.stringify(this.options.hidden)}`);
  }

  get kind(): 'forecast' | 'reconstruction' {
    return this.options.mode === 'forecast' ? 'forecast' : 'reconstruction';
  }

  private forward(x: readonly number[]): number[][] {
    const acts: number[][] = [x as number[]];
    let a = x as readonly number[];
    this.layers.forEach((L, li) => {
      const out = new Array<number>(L.outSize);
      for (let o = 0; o < L.outSize; o++) {
        let s = L.b[o]!;
        const base = o * L.inSize;
        for (let i = 0; i < L.inSize; i++) s += L.w[base + i]! * a[i]!;
        out[o] = li < this.layers.length - 1 ? Math.tanh(s) : s;
      }
      acts.push(out);
      a = out;
    });
    return acts;
  }

  fit(X: Matrix, y?: Matrix): this {
    const inputs = checkMatrix(X, 'mlp.fit');
    const Y = this.options.mode === 'forecast' ? requireTargets(y, X.length, 'mlp.fit') : X;
    const outputs = checkMatrix(Y, 'mlp.fit y');
    const rng = createRng(this.options.seed);
    const sizes = [inputs, ...this.options.hidden, outputs];
    this.layers = [];
    for (let l = 0; l < sizes.length - 1; l++) {
      const inSize = sizes[l]!;
      const outSize = sizes[l + 1]!;
      const scale = Math.sqrt(2 / (inSize + outSize));
      this.layers.push({ w: Array.from({ length: inSize * outSize }, () => gaussian(rng) * scale), b: new Array<number>(outSize).fill(0), inSize, outSize });
    }
    const m = this.layers.map((L) => ({ w: new Array<number>(L.w.length).fill(0), b: new Array<number>(L.b.length).fill(0) }));
    const v = this.layers.map((L) => ({ w: new Array<number>(L.w.length).fill(0), b: new Array<number>(L.b.length).fill(0) }));
    const { learningRate: lr, batchSize, l2 } = this.options;
    const beta1 = 0.9;
    const beta2 = 0.999;
    let step = 0;
    const order = X.map((_, i) => i);
    for (let epoch = 0; epoch < this.options.epochs; epoch++) {
      shuffle(order, rng);
      for (let start = 0; start < order.length; start += batchSize) {
        const batch = order.slice(start, start + batchSize);
        const gw = this.layers.map((L) => ({ w: new Array<number>(L.w.length).fill(0), b: new Array<number>(L.b.length).fill(0) }));
        for (const i of batch) {
          const acts = this.forward(X[i]!);
          const out = acts[acts.length - 1]!;
          let delta = out.map((o, k) => (2 * (o - Y[i]![k]!)) / (outputs * batch.length));
          for (let l = this.layers.length - 1; l >= 0; l--) {
            const L = this.layers[l]!;
            const aIn = acts[l]!;
            const g = gw[l]!;
            const prev = new Array<number>(L.inSize).fill(0);
            for (let o = 0; o < L.outSize; o++) {
              const d = delta[o]!;
              if (d === 0) continue;
              g.b[o]! += d;
              const base = o * L.inSize;
              for (let k = 0; k < L.inSize; k++) {
                g.w[base + k]! += d * aIn[k]!;
                prev[k]! += d * L.w[base + k]!;
              }
            }
            if (l > 0) delta = prev.map((p, k) => p * (1 - aIn[k]! ** 2)); // tanh'
          }
        }
        step++;
        const c1 = 1 - beta1 ** step;
        const c2 = 1 - beta2 ** step;
        this.layers.forEach((L, l) => {
          for (const key of ['w', 'b'] as const) {
            const p = L[key];
            const g = gw[l]![key];
            const mm = m[l]![key];
            const vv = v[l]![key];
            for (let k = 0; k < p.length; k++) {
              const gk = g[k]! + (key === 'w' ? l2 * p[k]! : 0);
              mm[k] = beta1 * mm[k]! + (1 - beta1) * gk;
              vv[k] = beta2 * vv[k]! + (1 - beta2) * gk * gk;
              p[k] = p[k]! - (lr * (mm[k]! / c1)) / (Math.sqrt(vv[k]! / c2) + 1e-8);
            }
          }
        });
      }
    }
    this.fitted = true;
    return this;
  }

  predict(X: Matrix): number[][] {
    requireFitted(this.fitted, 'mlp');
    checkMatrix(X, 'mlp.predict', this.layers[0]!.inSize);
    return X.map((x) => {
      const acts = this.forward(x);
      return acts[acts.length - 1]!;
    });
  }

  score(X: Matrix, y?: Matrix): number[] {
    const target = this.options.mode === 'forecast' ? requireTargets(y, X.length, 'mlp.score') : X;
    return rowMse(this.predict(X), target);
  }

  toJSON(): SavedBaseline {
    return { className: 'Mlp', version: 1, options: { ...this.options }, state: { fitted: this.fitted, layers: this.layers } };
  }

  static fromJSON(json: unknown): Mlp {
    const j = checkSaved(json, 'Mlp', 1);
    const m = new Mlp(j.options as MlpOptions);
    Object.assign(m, j.state);
    return m;
  }
}
