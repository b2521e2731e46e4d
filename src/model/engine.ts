/**
 * The forecaster engine interface the rest of the product uses (SPEC 5, STYLE 8).
 *
 * A forecaster maps a window of `windowSize` steps x `inputSize` scaled features to the next step.
 * Tensors are flat row-major Float32Arrays: windows `[N, windowSize, inputSize]`, targets and
 * predictions `[N, inputSize]`. Engines differ only in speed; every engine reads and writes the
 * same weights layout and saved-model format (saved-model.ts).
 */
import type { LstmArchitecture, PresetName } from './presets.js';

/** `native`: the C++ N-API addon (native/). `portable`: pure TypeScript, the numerical reference. */
export type EngineName = 'native' | 'portable';
/** `auto` picks `native` when its addon loads, else `portable`. */
export type EngineChoice = 'auto' | EngineName;

/** What runs, for logs and the bench. */
export interface EngineInfo {
  name: EngineName;
  /** Kernel flavour: 'avx512' | 'avx2' | 'generic' for native, 'js' for portable. */
  simd: string;
  /** Worker threads the engine uses for one call. */
  threads: number;
  /** Why `auto` fell back to portable (the addon's load error), when it did. */
  fallbackReason?: string;
}

/** A training set: `x` windows `[N, W, F]`, `y` next-step targets `[N, F]`. */
export interface TrainingData {
  x: Float32Array;
  y: Float32Array;
}

/** Per-epoch progress passed to `FitOptions.onEpoch`. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training MSE over the epoch's batches (with dropout active). */
  loss: number;
  /** Validation MSE (no dropout), NaN when there is no validation set. */
  valLoss: number;
  /** Learning rate at the end of the epoch. */
  learningRate: number;
  durationMs: number;
  samplesPerSec: number;
}

/** Per-batch progress passed to `FitOptions.onBatch`. */
export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
}

export interface FitOptions {
  /** Maximum epochs; default: the preset's. */
  epochs?: number;
  /** Mini-batch size; default: the preset's. */
  batchSize?: number;
  /** Fraction of the windows, taken from the END (chronological split), held out for validation. Ignored when `validation` is given. Default 0. */
  validationSplit?: number;
  /** Explicit validation set; wins over `validationSplit`. */
  validation?: TrainingData;
  /** Early-stopping patience in epochs on validation loss; default: the preset's. 0 disables early stopping. */
  patience?: number;
  /** Restore the weights of the best validation epoch at the end. Default true. */
  restoreBestWeights?: boolean;
  /** Shuffle training windows each epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Called after each epoch. */
  onEpoch?: (record: EpochRecord) => void;
  /** Called after each batch (cheap; use for progress bars). */
  onBatch?: (progress: BatchProgress) => void;
  /** Stops training after the current batch; the history so far is returned. */
  signal?: AbortSignal;
}

export interface FitHistory {
  epochs: EpochRecord[];
  /** 1-based epoch with the lowest validation loss (or training loss without validation). */
  bestEpoch: number;
  bestLoss: number;
  stoppedEarly: boolean;
  restoredBestWeights: boolean;
  aborted: boolean;
}

/** Opaque recurrent state for stateful single-step inference of `batch` independent series. */
export interface ForecasterState {
  readonly batch: number;
  /** Steps consumed so far. */
  steps: number;
  /** Per LSTM layer: hidden and cell states `[batch, units]`. */
  readonly h: Float32Array[];
  readonly c: Float32Array[];
}

/** Extra fields stored with a model (scaler and metrics are opaque to the model). */
export interface SaveInfo {
  /** The caller's scaler (e.g. min/max per feature), stored verbatim. */
  scaler?: unknown;
  metrics?: Record<string, number>;
  /** ISO time; default now. */
  createdAt?: string;
}

/**
 * An LSTM next-step forecaster.
 *
 * @example
 * const f = createForecaster({ preset: 'small', inputSize: 8, windowSize: 50, seed: 1 });
 * await f.fit({ x, y }, { validationSplit: 0.2, onEpoch: (e) => log.info(e) });
 * const next = f.predict(windows); // [N, 8]
 */
export interface Forecaster {
  readonly engine: EngineInfo;
  readonly preset: PresetName;
  readonly architecture: Readonly<LstmArchitecture>;
  readonly windowSize: number;
  readonly inputSize: number;
  readonly seed: number;
  /** Number of float32 weights. */
  readonly weightCount: number;

  /** Trains with Adam on MSE; early stopping on validation loss. */
  fit(data: TrainingData, options?: FitOptions): Promise<FitHistory>;
  /** Predicts the next step of each window: `[N, W, F]` -> `[N, F]`, batched internally. */
  predict(x: Float32Array): Float32Array;
  /** Mean squared error of `predict(x)` against `y`. */
  evaluate(data: TrainingData): number;
  /** Zero recurrent state for `batch` independent series (default 1). */
  createState(batch?: number): ForecasterState;
  /** Feeds one step `[batch, F]`, updates `state`, returns the forecast of the next step `[batch, F]`. */
  step(state: ForecasterState, x: Float32Array): Float32Array;
  /** A copy of all weights in the engine-independent layout. */
  getWeights(): Float32Array;
  setWeights(weights: Float32Array): void;
  /** Snapshot in the saved-model format. */
  toSavedModel(info?: SaveInfo): import('./saved-model.js').SavedModel;
  /** Releases native memory; the forecaster is unusable afterwards. */
  dispose(): void;
}
