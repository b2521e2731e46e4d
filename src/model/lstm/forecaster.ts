/**
 * The LSTM forecaster: input checks, the training loop (batching, seeded shuffling, chronological
 * validation split, early stopping with best-weight restore, learning-rate decay) and stateful
 * inference, over whichever backend (engine) does the numerics.
 */
import { ModelError } from '../../domain/index.js';
import type { EngineChoice, EngineInfo, EpochRecord, FitHistory, FitOptions, Forecaster, ForecasterState, SaveInfo, TrainingData } from '../engine.js';
import { parameterCount, type LstmArchitecture, type PresetName } from '../presets.js';
import { SAVED_MODEL_FORMAT, SAVED_MODEL_VERSION, type SavedModel } from '../saved-model.js';
import type { BackendConfig, LstmBackend } from './backend.js';
import { NativeBackend, loadNativeAddon } from './native-backend.js';
import { initialWeights } from './params.js';
import { PortableBackend } from './portable-backend.js';
import { hash32, mulberry32 } from './rng.js';

/** Windows per backend call in `predict` (bounds native scratch memory). */
export const PREDICT_CHUNK = 256;

export interface LstmForecasterOptions {
  preset: PresetName;
  architecture: Readonly<LstmArchitecture>;
  inputSize: number;
  windowSize: number;
  seed: number;
  engine: EngineChoice;
  threads: number | undefined;
}

function checkFinite(name: string, a: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new ModelError('PW_ERR_MODEL_NAN', `${name}[${i}] is ${a[i]}; inputs must be finite (scale and clean data first)`);
  }
}

export class LstmForecaster implements Forecaster {
  readonly engine: EngineInfo;
  readonly preset: PresetName;
  readonly architecture: Readonly<LstmArchitecture>;
  readonly windowSize: number;
  readonly inputSize: number;
  readonly seed: number;
  readonly weightCount: number;
  private backend: LstmBackend | null;
  private optimizerSteps = 0;

  constructor(o: LstmForecasterOptions) {
    this.preset = o.preset;
    this.architecture = o.architecture;
    this.inputSize = o.inputSize;
    this.windowSize = o.windowSize;
    this.seed = o.seed >>> 0;
    this.weightCount = parameterCount(o.architecture, o.inputSize);
    const cfg: BackendConfig = { ...o.architecture, inputSize: o.inputSize, windowSize: o.windowSize };
    let backend: LstmBackend;
    if (o.engine === 'portable') {
      backend = new PortableBackend(cfg);
    } else {
      const loaded = loadNativeAddon();
      if (loaded.addon) {
        backend = new NativeBackend(loaded.addon, cfg, o.threads);
      } else if (o.engine === 'native') {
        throw new ModelError('PW_ERR_MODEL_ENGINE_UNAVAILABLE', `native engine requested but its addon did not load: ${loaded.error}`);
      } else {
        backend = new PortableBackend(cfg, loaded.error);
      }
    }
    this.backend = backend;
    this.engine = backend.info;
    backend.setWeights(initialWeights(o.architecture, o.inputSize, this.seed));
  }

  private get be(): LstmBackend {
    if (!this.backend) throw new ModelError('PW_ERR_MODEL_DISPOSED', 'forecaster was disposed');
    return this.backend;
  }

  /** Number of windows in `x`, checking its length and values. */
  private windows(name: string, x: Float32Array, checkValues = true): number {
    if (!(x instanceof Float32Array)) throw new ModelError('PW_ERR_MODEL_SHAPE', `${name} must be a Float32Array [N, ${this.windowSize}, ${this.inputSize}]`);
    const per = this.windowSize * this.inputSize;
    if (x.length === 0 || x.length % per !== 0) {
      throw new ModelError('PW_ERR_MODEL_SHAPE', `${name} has ${x.length} values; expected a positive multiple of windowSize x inputSize = ${this.windowSize} x ${this.inputSize} = ${per}`);
    }
    if (checkValues) checkFinite(name, x);
    return x.length / per;
  }

  private checkData(name: string, d: TrainingData): number {
    if (!d || !(d.y instanceof Float32Array)) throw new ModelError('PW_ERR_MODEL_SHAPE', `${name}.y must be a Float32Array [N, ${this.inputSize}]`);
    const n = this.windows(`${name}.x`, d.x);
    if (d.y.length !== n * this.inputSize) {
      throw new ModelError('PW_ERR_MODEL_SHAPE', `${name}.y has ${d.y.length} values; expected N x inputSize = ${n} x ${this.inputSize} = ${n * this.inputSize}`);
    }
    checkFinite(`${name}.y`, d.y);
    return n;
  }

  async fit(data: TrainingData, options: FitOptions = {}): Promise<FitHistory> {
    const be = this.be;
    const a = this.architecture;
    const epochs = options.epochs ?? a.epochs;
    const batchSize = options.batchSize ?? a.batchSize;
    const patience = options.patience ?? a.patience;
    if (!Number.isInteger(epochs) || epochs < 0) throw new ModelError('PW_ERR_MODEL_OPTIONS', `epochs must be a non-negative integer, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ModelError('PW_ERR_MODEL_OPTIONS', `batchSize must be a positive integer, got ${batchSize}`);
    let n = this.checkData('data', data);
    const per = this.windowSize * this.inputSize;
    const F = this.inputSize;
    let val: TrainingData | null = null;
    if (options.validation) {
      this.checkData('validation', options.validation);
      val = options.validation;
    } else if (options.validationSplit) {
      const s = options.validationSplit;
      if (!(s > 0 && s < 1)) throw new ModelError('PW_ERR_MODEL_OPTIONS', `validationSplit must be in (0, 1), got ${s}`);
      const nVal = Math.floor(n * s);
      if (nVal < 1 || nVal >= n) throw new ModelError('PW_ERR_MODEL_OPTIONS', `validationSplit ${s} of ${n} windows leaves no training or no validation windows`);
      n -= nVal;
      // Chronological split (SPEC 4): the last windows validate.
      val = { x: data.x.subarray(n * per), y: data.y.subarray(n * F) };
    }
    const history: FitHistory = { epochs: [], bestEpoch: 0, bestLoss: Infinity, stoppedEarly: false, restoredBestWeights: false, aborted: false };
    let best: Float32Array | null = null;
    const xb = new Float32Array(batchSize * per);
    const yb = new Float32Array(batchSize * F);
    const order = new Uint32Array(n);
    const batches = Math.ceil(n / batchSize);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) order[i] = i;
      if (options.shuffle ?? true) {
        const rand = mulberry32(hash32((this.seed ^ hash32(epoch)) >>> 0));
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          const t = order[i]!;
          order[i] = order[j]!;
          order[j] = t;
        }
      }
      let lossSum = 0;
      let lr = a.learningRate;
      for (let bi = 0; bi < batches; bi++) {
        const start = bi * batchSize;
        const bs = Math.min(batchSize, n - start);
        for (let k = 0; k < bs; k++) {
          const idx = order[start + k]!;
          xb.set(data.x.subarray(idx * per, (idx + 1) * per), k * per);
          yb.set(data.y.subarray(idx * F, (idx + 1) * F), k * F);
        }
        lr = a.learningRate / (1 + a.lrDecay * this.optimizerSteps);
        const dropSeed = hash32((this.seed ^ hash32(this.optimizerSteps + 0x51ed)) >>> 0);
        const loss = be.trainBatch(xb.subarray(0, bs * per), yb.subarray(0, bs * F), bs, dropSeed, lr);
        this.optimizerSteps++;
        if (!Number.isFinite(loss)) throw new ModelError('PW_ERR_MODEL_DIVERGED', `training loss became ${loss} at epoch ${epoch}, batch ${bi + 1}; lower the learning rate or check scaling`);
        lossSum += loss * bs;
        options.onBatch?.({ epoch, batch: bi + 1, batches, loss });
        // Yield so a long fit never starves the event loop (progress, signals, servers).
        await new Promise<void>((r) => setImmediate(r));
        if (options.signal?.aborted) {
          history.aborted = true;
          break;
        }
      }
      const durationMs = performance.now() - t0;
      const rec: EpochRecord = {
        epoch,
        loss: lossSum / n,
        valLoss: val ? this.evaluate(val) : Number.NaN,
        learningRate: lr,
        durationMs,
        samplesPerSec: (n / durationMs) * 1000,
      };
      if (history.aborted) break;
      history.epochs.push(rec);
      options.onEpoch?.(rec);
      const monitored = val ? rec.valLoss : rec.loss;
      if (monitored < history.bestLoss) {
        history.bestLoss = monitored;
        history.bestEpoch = epoch;
        best = be.getWeights();
      } else if (patience > 0 && epoch - history.bestEpoch >= patience) {
        history.stoppedEarly = true;
        break;
      }
    }
    if ((options.restoreBestWeights ?? true) && best && history.bestEpoch !== history.epochs.length) {
      be.setWeights(best);
      history.restoredBestWeights = true;
    }
    return history;
  }

  predict(x: Float32Array): Float32Array {
    const be = this.be;
    const n = this.windows('x', x);
    const per = this.windowSize * this.inputSize;
    const out = new Float32Array(n * this.inputSize);
    for (let s = 0; s < n; s += PREDICT_CHUNK) {
      const m = Math.min(PREDICT_CHUNK, n - s);
      out.set(be.predict(x.subarray(s * per, (s + m) * per), m), s * this.inputSize);
    }
    return out;
  }

  evaluate(data: TrainingData): number {
    const n = this.checkData('data', data);
    const p = this.predict(data.x);
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      const d = p[i]! - data.y[i]!;
      s += d * d;
    }
    return s / (n * this.inputSize);
  }

  createState(batch = 1): ForecasterState {
    if (!Number.isInteger(batch) || batch < 1) throw new ModelError('PW_ERR_MODEL_SHAPE', `state batch must be a positive integer, got ${batch}`);
    return {
      batch,
      steps: 0,
      h: this.architecture.lstmUnits.map((u) => new Float32Array(batch * u)),
      c: this.architecture.lstmUnits.map((u) => new Float32Array(batch * u)),
    };
  }

  step(state: ForecasterState, x: Float32Array): Float32Array {
    const be = this.be;
    if (!state || state.h?.length !== this.architecture.lstmUnits.length || state.h[0]!.length !== state.batch * this.architecture.lstmUnits[0]!) {
      throw new ModelError('PW_ERR_MODEL_STATE', 'state does not belong to this forecaster; use createState()');
    }
    if (!(x instanceof Float32Array) || x.length !== state.batch * this.inputSize) {
      throw new ModelError('PW_ERR_MODEL_SHAPE', `step input has ${x?.length} values; expected batch x inputSize = ${state.batch} x ${this.inputSize}`);
    }
    checkFinite('x', x);
    const y = be.step(state.h, state.c, x, state.batch);
    state.steps++;
    return y;
  }

  getWeights(): Float32Array {
    return this.be.getWeights();
  }

  setWeights(weights: Float32Array): void {
    if (!(weights instanceof Float32Array) || weights.length !== this.weightCount) {
      throw new ModelError('PW_ERR_MODEL_WEIGHTS', `expected ${this.weightCount} float32 weights for preset "${this.preset}" with inputSize ${this.inputSize}, got ${weights?.length}`);
    }
    checkFinite('weights', weights);
    this.be.setWeights(weights);
    this.be.resetOptimizer();
    this.optimizerSteps = 0;
  }

  toSavedModel(info: SaveInfo = {}): SavedModel {
    return {
      metadata: {
        format: SAVED_MODEL_FORMAT,
        formatVersion: SAVED_MODEL_VERSION,
        preset: this.preset,
        architecture: { ...this.architecture, lstmUnits: [...this.architecture.lstmUnits], denseUnits: [...this.architecture.denseUnits] },
        engine: this.engine.name,
        windowSize: this.windowSize,
        inputSize: this.inputSize,
        seed: this.seed,
        scaler: info.scaler ?? null,
        metrics: info.metrics ?? {},
        createdAt: info.createdAt ?? new Date().toISOString(),
        weightCount: this.weightCount,
      },
      weights: this.getWeights(),
    };
  }

  dispose(): void {
    this.backend?.dispose();
    this.backend = null;
  }
}
