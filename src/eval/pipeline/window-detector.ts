import { ValidationError } from '../../domain/index.js';
import { cleanTrainingRows, MinMaxScaler, slidingWindows, type CleanOptions } from '../../preprocess/index.js';
import { columnStd, ewma, fitStaticThreshold, scoreForecastErrors, type StaticThresholdOptions } from '../../detect/index.js';

/**
 * A model as the evaluation pipeline drives it: windows of scaled rows in; a next-step forecast
 * (forecast models) or an anomaly score per window (reconstruction models) out. Baselines and the
 * LSTM forecaster are adapted to this in model-adapters.ts.
 */
export interface WindowModel {
  readonly kind: 'forecast' | 'reconstruction';
  /** Learns from training windows only. `targets` are the next steps (forecast) or the windows' last rows. */
  fit(windows: number[][][], targets: number[][]): Promise<void>;
  /** Forecast models: the next step of each window. */
  predict(windows: number[][][]): number[][];
  /** Reconstruction models: an anomaly score per window. */
  score(windows: number[][][]): number[];
}

/** Options of {@link fitWindowDetector}. */
export interface WindowDetectorOptions {
  /** Rows per window. */
  windowSize: number;
  /** EWMA factor for the score (SPEC 5: smoothed errors). Default {@link DEFAULT_PIPELINE_ALPHA}. */
  alpha?: number;
  /** How the static threshold is set from training-side scores. Default 0.99 quantile. */
  threshold?: StaticThresholdOptions;
  /**
   * Which training-side scores set the threshold: `validation` = the last `validationFraction` of
   * the training windows, held out from the model (paper 3.5's 80/20 split); `train` = in-sample
   * scores of all training windows (SKAB notebooks). Never test rows.
   */
  thresholdOn?: 'validation' | 'train';
  /** Default 0.2. */
  validationFraction?: number;
  /** Cleaning of training rows; windows touching a dropped row are not trained on. `false` = off (default). */
  clean?: CleanOptions | false;
  /**
   * Forecast models: feed each window relative to its last row and forecast the change (a
   * level-invariant forecaster for processes whose operating point drifts). Default false.
   */
  relative?: boolean;
  /** How per-sensor errors combine into one score (forecast models). Default mean. */
  aggregate?: 'mean' | 'max';
  /** Floor of the per-sensor error scale, in scaled units (a quantised sensor can have 0 error std). Default 0.01. */
  minSensorScale?: number;
  /**
   * Forecast models: the columns whose errors enter the score (and the threshold). The model still
   * reads and forecasts every column; the others are context only (e.g. slowly drifting thermal
   * sensors whose level leaves a short training range without any fault). Default: all columns.
   */
  scoreColumns?: readonly number[];
}

export const DEFAULT_PIPELINE_ALPHA = 0.1;

export interface ScoredRows {
  /** Smoothed score per requested row. */
  score: number[];
  /** Forecast models: prediction per requested row, in original units; null otherwise. */
  predicted: number[][] | null;
}

/** A detector fitted on training rows: frozen scaler, model and threshold. */
export interface FittedWindowDetector {
  readonly scaler: MinMaxScaler;
  readonly threshold: number;
  /** Per-sensor error scale (forecast models), from training-side residuals; one entry per score column. */
  readonly sensorScale: number[] | null;
  /** The training rows the detector saw (count), for audits and the leakage test. */
  readonly trainRows: number;
  /** Scores rows[from..] using earlier rows only as input context. Needs from >= windowSize. */
  score(rows: readonly (readonly number[])[], from: number): ScoredRows;
}

/** Windows relative to their last row; returns the offsets to add back to forecasts. */
function relativise(X: number[][][], relative: boolean): { X: number[][][]; last: number[][] | null } {
  if (!relative) return { X, last: null };
  const last = X.map((w) => w[w.length - 1]!);
  return { X: X.map((w, k) => w.map((row) => row.map((v, c) => v - last[k]![c]!))), last };
}

function predictAbsolute(model: WindowModel, X: number[][][], relative: boolean): number[][] {
  const r = relativise(X, relative);
  const pred = model.predict(r.X);
  return r.last ? pred.map((p, k) => p.map((v, c) => v + r.last![k]![c]!)) : pred;
}

/** Keeps the given columns of each row (all when `columns` is null). */
function pick(rows: readonly (readonly number[])[], columns: readonly number[] | null): number[][] {
  return columns ? rows.map((r) => columns.map((c) => r[c]!)) : rows.map((r) => [...r]);
}

function checkScoreColumns(columns: readonly number[] | undefined, width: number): readonly number[] | null {
  if (columns === undefined) return null;
  const bad = columns.filter((c) => !Number.isInteger(c) || c < 0 || c >= width);
  if (columns.length === 0 || bad.length || new Set(columns).size !== columns.length) {
    throw new ValidationError('PW_ERR_VALIDATION_COLUMNS', `scoreColumns must be distinct column indices in 0..${width - 1}, got [${columns.join(', ')}]`);
  }
  return columns;
}

/**
 * Fits scaler, model and threshold on training rows only (SPEC 4, 5): min-max scaler on the
 * (cleaned) training rows, overlapping windows, model fit, static threshold from training-side
 * scores. The returned detector never refits.
 */
export async function fitWindowDetector(model: WindowModel, trainRows: readonly (readonly number[])[], options: WindowDetectorOptions): Promise<FittedWindowDetector> {
  const W = options.windowSize;
  const horizon = model.kind === 'forecast' ? 1 : 0;
  const alpha = options.alpha ?? DEFAULT_PIPELINE_ALPHA;
  const thresholdOn = options.thresholdOn ?? 'validation';
  const minScale = options.minSensorScale ?? 0.01;
  const raw = trainRows.map((r) => [...r]);
  const cols = model.kind === 'forecast' ? checkScoreColumns(options.scoreColumns, raw[0]?.length ?? 0) : null;
  const dropped = new Set<number>();
  let scalerRows = raw;
  if (options.clean) {
    const c = cleanTrainingRows(raw, options.clean);
    c.dropped.forEach((d) => dropped.add(d.index));
    scalerRows = c.rows;
  }
  if (scalerRows.length === 0) throw new ValidationError('PW_ERR_VALIDATION_EMPTY', 'no training rows left after cleaning');
  const scaler = new MinMaxScaler().fit(scalerRows);
  const scaled = scaler.transform(raw);
  const all = slidingWindows(scaled, { windowSize: W, horizon });
  // Windows that touch a dropped row are not trained on.
  const keep = all.targetIndex.map((t) => {
    for (let i = t - W + 1 - horizon; i <= t; i++) if (dropped.has(i)) return false;
    return true;
  });
  const X = all.X.filter((_, k) => keep[k]);
  const y = all.y.filter((_, k) => keep[k]);
  if (X.length < 10) throw new ValidationError('PW_ERR_VALIDATION_EMPTY', `only ${X.length} training windows of ${W} rows; need at least 10`);
  const split = thresholdOn === 'validation' ? Math.floor(X.length * (1 - (options.validationFraction ?? 0.2))) : X.length;
  const relative = model.kind === 'forecast' && !!options.relative;
  const fitX = relativise(X.slice(0, split), relative);
  await model.fit(fitX.X, fitX.last ? y.slice(0, split).map((t, k) => t.map((v, c) => v - fitX.last![k]![c]!)) : y.slice(0, split));
  const evalFrom = thresholdOn === 'validation' ? split : 0;
  let sensorScale: number[] | null = null;
  let scores: number[];
  if (model.kind === 'forecast') {
    const pred = pick(predictAbsolute(model, X, relative), cols);
    const actual = pick(y, cols);
    const resid = pred.map((p, k) => p.map((v, c) => actual[k]![c]! - v)).slice(evalFrom);
    sensorScale = columnStd(resid).map((sd) => Math.max(minScale, sd));
    scores = scoreForecastErrors(pred, actual, { alpha, sensorScale, aggregate: options.aggregate ?? 'mean' }).score;
  } else {
    scores = ewma(model.score(X), alpha);
  }
  const threshold = fitStaticThreshold(scores.slice(evalFrom), options.threshold ?? { method: 'quantile', quantile: 0.99 });
  const trainCount = raw.length;
  return {
    scaler,
    threshold,
    sensorScale,
    trainRows: trainCount,
    score(rows, from) {
      if (from < W + horizon) throw new ValidationError('PW_ERR_VALIDATION_WINDOW', `scoring starts at row ${from}, needs at least ${W + horizon} rows of context`);
      const s = scaler.transform(rows);
      // Windows from a little before `from` so the EWMA is warm; still only past rows as input.
      const warm = Math.max(0, from - W - horizon - 100);
      const win = slidingWindows(s.slice(warm), { windowSize: W, horizon });
      const first = win.targetIndex.findIndex((t) => t + warm >= from);
      if (model.kind === 'forecast') {
        const pred = predictAbsolute(model, win.X, relative);
        const sc = scoreForecastErrors(pick(pred, cols), pick(win.y, cols), { alpha, sensorScale: sensorScale!, aggregate: options.aggregate ?? 'mean' }).score;
        return { score: sc.slice(first), predicted: scaler.inverseTransform(pred.slice(first)) };
      }
      return { score: ewma(model.score(win.X), alpha).slice(first), predicted: null };
    },
  };
}
