import { ModelError } from '../../domain/index.js';

/** Rows x features. */
export type Matrix = readonly (readonly number[])[];

export const BASELINE_NAMES = ['pca', 'rf', 'svm', 'mlp'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/**
 * What a baseline learns: `reconstruction` models score X alone (PCA, autoencoders);
 * `forecast` models learn X -> y (window -> next step) and score by their prediction error.
 */
export type BaselineKind = 'reconstruction' | 'forecast';

/** Saved form of any baseline (STYLE 8): rebuilt by `loadBaseline` through the registry. */
export interface SavedBaseline {
  className: string;
  version: number;
  options: Record<string, unknown>;
  state: Record<string, unknown>;
}

/**
 * One base interface for every model family (STYLE 1 "one folder per family on one base
 * interface", after river). Pure: no I/O; every random choice comes from `options.seed`.
 */
export interface BaselineModel {
  readonly name: BaselineName;
  readonly kind: BaselineKind;
  /** Learns from training rows only. `y` is required by forecast models. Does not mutate inputs. */
  fit(X: Matrix, y?: Matrix): this;
  /** Forecast: y-hat per row. Reconstruction: X-hat per row. */
  predict(X: Matrix): number[][];
  /**
   * Anomaly score per row, higher = more anomalous. Forecast models need the actual `y`
   * (mean squared prediction error); reconstruction models ignore it.
   */
  score(X: Matrix, y?: Matrix): number[];
  toJSON(): SavedBaseline;
}

export function requireFitted(fitted: boolean, name: string): void {
  if (!fitted) throw new ModelError('PW_ERR_MODEL_NOT_FITTED', `${name}: score/predict called before fit()`);
}

export function checkMatrix(X: Matrix, what: string, width?: number): number {
  if (X.length === 0) throw new ModelError('PW_ERR_MODEL_INPUT', `${what}: needs at least one row, got 0`);
  const w = width ?? X[0]!.length;
  X.forEach((row, i) => {
    if (row.length !== w) throw new ModelError('PW_ERR_MODEL_INPUT', `${what}: row ${i} has ${row.length} features, expected ${w}`);
    for (let c = 0; c < row.length; c++) {
      if (!Number.isFinite(row[c]!)) throw new ModelError('PW_ERR_MODEL_INPUT', `${what}: row ${i} feature ${c} is ${row[c]}, expected a finite number`);
    }
  });
  return w;
}

/** Mean squared error per row between two matrices. */
export function rowMse(a: Matrix, b: Matrix): number[] {
  return a.map((row, i) => {
    const o = b[i]!;
    let s = 0;
    for (let c = 0; c < row.length; c++) s += (row[c]! - o[c]!) ** 2;
    return s / (row.length || 1);
  });
}

export function checkSaved(json: unknown, className: string, version: number): SavedBaseline {
  const j = json as Partial<SavedBaseline> | null;
  if (!j || j.className !== className || typeof j.state !== 'object' || j.state === null) {
    throw new ModelError('PW_ERR_MODEL_FORMAT', `expected a saved ${className}, got ${JSON.stringify(json)?.slice(0, 120)}`);
  }
  if (j.version !== version) throw new ModelError('PW_ERR_MODEL_VERSION', `${className}: saved version ${j.version} is not supported (expected ${version})`);
  return j as SavedBaseline;
}

/** Forecast models need the targets `y`, one row per input row. */
export function requireTargets(y: Matrix | undefined, rows: number, what: string): Matrix {
  if (!y) throw new ModelError('PW_ERR_MODEL_INPUT', `${what}: a forecast model needs targets y (the next steps), got none`);
  if (y.length !== rows) throw new ModelError('PW_ERR_MODEL_INPUT', `${what}: y has ${y.length} rows, X has ${rows}`);
  return y;
}
