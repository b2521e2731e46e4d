import { ValidationError } from '../../domain/index.js';
import { applyThreshold, telemanomThreshold, type TelemanomOptions } from '../../detect/index.js';
import { SKAB_TRAIN_ROWS, type SkabFile } from '../datasets/skab.js';
import {
  addConfusion,
  confusion,
  emptyConfusion,
  eventMetrics,
  pointMetrics,
  prCurve,
  rocCurve,
  skabChangepointScore,
  skabOutlierScore,
  type ChangepointScore,
  type Confusion,
  type Curve,
  type PointMetrics,
  type SkabOutlierScore,
} from '../metrics/index.js';
import { fitWindowDetector, type FittedWindowDetector, type WindowDetectorOptions, type WindowModel } from '../pipeline/window-detector.js';

/** A detector to evaluate: a fresh model per file plus the pipeline options. */
export interface DetectorSpec {
  /** Name shown in reports (e.g. `pca`, `lstm-small`). */
  name: string;
  /** Builds an untrained model; called once per file (SKAB trains one model per experiment). */
  build(): WindowModel;
  pipeline: WindowDetectorOptions;
}

export interface SkabFileResult {
  name: string;
  /** Test rows only (row SKAB_TRAIN_ROWS onward). */
  tsMs: number[];
  labels: number[];
  changepoints: number[];
  score: number[];
  alarms: number[];
  threshold: number;
  /** Forecasts in original units (forecast models), else null. */
  predicted: number[][] | null;
  actual: number[][];
  /** Forecast error sums on test rows in the file's training min-max units (forecast models). */
  scaledError: { sumAbs: number; sumSq: number; n: number } | null;
  fitMs: number;
  scoreMs: number;
}

export interface SkabModelResult {
  name: string;
  outlier: SkabOutlierScore;
  confusion: Confusion;
  point: PointMetrics;
  changepoint: ChangepointScore;
  /** ROC / PR over all test rows, scores divided by each file's threshold (1 = at threshold). */
  roc: Curve;
  pr: Curve;
  events: { events: number; detected: number; falseAlarms: number; precision: number; recall: number; f1: number; meanDelayMs: number };
  /**
   * Where the false alarms fall: % of normal test rows flagged before the file's anomaly and
   * from its start on (SKAB's rig often does not return to its training state afterwards).
   */
  falseAlarmSplit: { beforePct: number; afterPct: number };
  /** Forecast models: MAE / RMSE of the forecasts on test rows, in min-max-scaled units. */
  forecast: { mae: number; rmse: number } | null;
  fitMs: number;
  /** Mean milliseconds per scored row (prediction + scoring). */
  msPerRow: number;
  files: SkabFileResult[];
}

export interface SkabRunOptions {
  trainRows?: number;
  /**
   * `static` (default): alarm where the score reaches the threshold fitted on training rows.
   * `telemanom`: Hundman et al.'s nonparametric threshold over each file's test scores; it reads
   * no labels, but it does read the test scores, so it is not a training-only threshold.
   */
  thresholding?: 'static' | 'telemanom';
  telemanom?: TelemanomOptions;
  /** Called after each file. */
  onProgress?: (done: number, total: number, file: string) => void;
  /** Test hook: sees every fitted detector and the rows it was fitted on. */
  onFitted?: (file: string, detector: FittedWindowDetector, trainRows: number[][]) => void;
}

/**
 * SKAB's current protocol (SOURCE.md): per file, fit on the first 400 rows only (scaler, model,
 * threshold), score the rest, micro-average the counts over all files; the change-point score
 * from the edges of the same binary output.
 */
export async function evaluateSkab(files: readonly SkabFile[], spec: DetectorSpec, options: SkabRunOptions = {}): Promise<SkabModelResult> {
  const trainRows = options.trainRows ?? SKAB_TRAIN_ROWS;
  const results: SkabFileResult[] = [];
  let done = 0;
  for (const f of files) {
    if (f.values.length <= trainRows) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${f.name}: ${f.values.length} rows, needs more than ${trainRows} (train part)`);
    if (f.anomaly.length !== f.values.length) throw new ValidationError('PW_ERR_VALIDATION_DATASET', `${f.name}: has no anomaly labels`);
    const train = f.values.slice(0, trainRows).map((r) => [...r]);
    const t0 = performance.now();
    const detector = await fitWindowDetector(spec.build(), train, spec.pipeline);
    const t1 = performance.now();
    options.onFitted?.(f.name, detector, train);
    const scored = detector.score(f.values, trainRows);
    const t2 = performance.now();
    let scaledError: SkabFileResult['scaledError'] = null;
    if (scored.predicted) {
      const p = detector.scaler.transform(scored.predicted);
      const a = detector.scaler.transform(f.values.slice(trainRows));
      scaledError = { sumAbs: 0, sumSq: 0, n: 0 };
      p.forEach((row, i) =>
        row.forEach((v, c) => {
          const d = v - a[i]![c]!;
          scaledError!.sumAbs += Math.abs(d);
          scaledError!.sumSq += d * d;
          scaledError!.n++;
        }),
      );
    }
    results.push({
      name: f.name,
      tsMs: f.tsMs.slice(trainRows),
      labels: f.anomaly.slice(trainRows),
      changepoints: f.changepoint.slice(trainRows),
      score: scored.score,
      alarms:
        options.thresholding === 'telemanom'
          ? telemanomThreshold(scored.score, { windowSize: scored.score.length, errorBuffer: 10, ...options.telemanom }).flags
          : applyThreshold(scored.score, detector.threshold),
      threshold: detector.threshold,
      predicted: scored.predicted,
      actual: f.values.slice(trainRows),
      scaledError,
      fitMs: t1 - t0,
      scoreMs: t2 - t1,
    });
    options.onProgress?.(++done, files.length, f.name);
  }
  return summarise(spec.name, results);
}

/** Aggregates per-file results the way SKAB does (micro-averaging). Exposed for other protocols. */
export function summarise(name: string, files: SkabFileResult[]): SkabModelResult {
  let c = emptyConfusion();
  let events = 0;
  let detected = 0;
  let falseAlarms = 0;
  const delays: number[] = [];
  const allScores: number[] = [];
  const allLabels: number[] = [];
  let preFp = 0;
  let preN = 0;
  let postFp = 0;
  let postN = 0;
  let errAbs = 0;
  let errSq = 0;
  let errN = 0;
  for (const f of files) {
    c = addConfusion(c, confusion(f.alarms, f.labels));
    const e = eventMetrics(f.alarms, f.labels, f.tsMs);
    events += e.events;
    detected += e.detectedEvents;
    falseAlarms += e.falseAlarmEvents;
    delays.push(...e.delays);
    const thr = f.threshold > 0 ? f.threshold : 1;
    f.score.forEach((s, i) => {
      allScores.push(s / thr);
      allLabels.push(f.labels[i]!);
    });
    const first = f.labels.indexOf(1);
    f.alarms.forEach((a, i) => {
      if (f.labels[i]) return;
      if (first < 0 || i < first) {
        preN++;
        preFp += a;
      } else {
        postN++;
        postFp += a;
      }
    });
    if (f.scaledError) {
      errAbs += f.scaledError.sumAbs;
      errSq += f.scaledError.sumSq;
      errN += f.scaledError.n;
    }
  }
  const precision = detected + falseAlarms ? detected / (detected + falseAlarms) : 0;
  const recall = events ? detected / events : 0;
  return {
    name,
    outlier: skabOutlierScore(c),
    confusion: c,
    point: pointMetrics(c),
    changepoint: skabChangepointScore(files.map((f) => ({ tsMs: f.tsMs, predicted: f.alarms, changepoints: f.changepoints }))),
    roc: rocCurve(allScores, allLabels),
    pr: prCurve(allScores, allLabels),
    events: { events, detected, falseAlarms, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, meanDelayMs: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : Number.NaN },
    falseAlarmSplit: { beforePct: preN ? (100 * preFp) / preN : Number.NaN, afterPct: postN ? (100 * postFp) / postN : Number.NaN },
    forecast: errN ? { mae: errAbs / errN, rmse: Math.sqrt(errSq / errN) } : null,
    fitMs: files.reduce((s, f) => s + f.fitMs, 0),
    msPerRow: files.reduce((s, f) => s + f.scoreMs, 0) / Math.max(1, files.reduce((s, f) => s + f.score.length, 0)),
    files,
  };
}
